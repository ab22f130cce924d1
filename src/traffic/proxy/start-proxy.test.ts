import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, startUpstream, type TestUpstream } from './test-support.ts'

let upstream: TestUpstream | undefined
afterEach(async () => {
  await upstream?.close()
  upstream = undefined
})

/** Whether something accepts TCP connections at `url`. */
function accepting(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const client = connect(Number(port), hostname)
    client.once('connect', () => {
      client.destroy()
      resolve(true)
    })
    client.once('error', () => resolve(false))
  })
}

describe('startProxy', () => {
  it.each([
    [{}, 'targets'],
    [{ upstream: 'not a url' }, 'targets.upstream'],
    [{ upstream: 'https://127.0.0.1:1' }, 'targets.upstream'],
    [{ upstream: 'http://127.0.0.1:1/api' }, 'targets.upstream'],
    [{ 'bad name': 'http://127.0.0.1:1' }, 'targets.bad name'],
  ])('rejects targets %j at %s', async (targets, path) => {
    await expect(startProxy({ targets, sink: new CollectingSink() })).rejects.toMatchObject({
      code: 'TRAFFIC_PROXY_INVALID_OPTIONS',
      location: { path },
    })
  })

  it('fails with TRAFFIC_PROXY_LISTEN_FAILED on a taken port and leaves nothing listening', async () => {
    upstream = await startUpstream('baseline')
    const first = await startProxy({ targets: { baseline: upstream.url }, sink: new CollectingSink() })
    const port = Number(new URL(first.url).port)
    await expect(
      startProxy({
        targets: { baseline: upstream.url },
        sink: new CollectingSink(),
        listen: { port },
        control: { port: 0 },
      }),
    ).rejects.toMatchObject({ code: 'TRAFFIC_PROXY_LISTEN_FAILED' })
    // The control API of the failed proxy came second: neither may be left behind.
    const takenControl = Number(new URL(first.controlUrl).port)
    await expect(
      startProxy({ targets: { baseline: upstream.url }, sink: new CollectingSink(), control: { port: takenControl } }),
    ).rejects.toMatchObject({ code: 'TRAFFIC_PROXY_LISTEN_FAILED', exitCode: 3 })
    await first.close()
  })

  it('close() stops both listeners, cuts open connections, and is idempotent', async () => {
    upstream = await startUpstream('baseline', () => {}) // never answers: a request stays in flight
    const sink = new CollectingSink()
    const proxy = await startProxy({ targets: { baseline: upstream.url }, sink })
    const inFlight = exchange(`${proxy.url}/`)
    await new Promise<void>((resolve) => upstream!.server.once('request', () => resolve()))
    await Promise.all([proxy.close(), proxy.close()])
    expect((await inFlight).status).toBe(0)
    expect(await accepting(proxy.url)).toBe(false)
    expect(await accepting(proxy.controlUrl)).toBe(false)
    await proxy.close()
  })

  it('closes when its signal is aborted, and refuses to start on an aborted one', async () => {
    upstream = await startUpstream('baseline')
    const controller = new AbortController()
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink: new CollectingSink(),
      signal: controller.signal,
    })
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    controller.abort()
    await proxy.close()
    expect(await accepting(proxy.url)).toBe(false)
    await expect(
      startProxy({ targets: { baseline: upstream.url }, sink: new CollectingSink(), signal: controller.signal }),
    ).rejects.toMatchObject({
      code: 'INTERRUPTED',
    })
  })
})
