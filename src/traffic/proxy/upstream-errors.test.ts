import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyOptions } from './proxy.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, startUpstream } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  return typeof address === 'object' && address ? address.port : 0
}

async function setup(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: Partial<ProxyOptions> = {},
) {
  const broken = await startUpstream('broken', handler)
  cleanups.push(() => broken.close())
  const healthy = await startUpstream('healthy')
  cleanups.push(() => healthy.close())
  const sink = new CollectingSink()
  const proxy = await startProxy({
    targets: { broken: broken.url, healthy: healthy.url },
    routing: { weights: { broken: 1 }, rules: [{ header: { 'x-healthy': '*' }, target: 'healthy' }] },
    sink,
    ...options,
  })
  cleanups.push(() => proxy.close())
  return { broken, healthy, sink, proxy }
}

/** The proxy still answers through its healthy target. */
async function stillServing(url: string): Promise<void> {
  const result = await exchange(`${url}/`, { headers: { 'x-healthy': '1' } })
  expect(result.status).toBe(200)
  expect(result.body.toString()).toBe('healthy')
}

describe('upstream failures', () => {
  it('a refused connection becomes a 502 with cause connect-refused', async () => {
    const healthy = await startUpstream('healthy')
    cleanups.push(() => healthy.close())
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { gone: `http://127.0.0.1:${await closedPort()}`, healthy: healthy.url },
      routing: { weights: { gone: 1 }, rules: [{ header: { 'x-healthy': '*' }, target: 'healthy' }] },
      sink,
    })
    cleanups.push(() => proxy.close())
    for (let i = 0; i < 3; i++) {
      const result = await exchange(`${proxy.url}/products`)
      expect(result.status).toBe(502)
      expect(result.headers['x-rehearse-cause']).toBe('connect-refused')
    }
    const samples = await sink.waitFor(3)
    expect(samples.map((s) => [s.target, s.status, s.cause])).toEqual(Array(3).fill(['gone', 502, 'connect-refused']))
    await stillServing(proxy.url)
  })

  it('an upstream that closes the connection instead of answering: 502, connect-reset', async () => {
    const { proxy, sink } = await setup((req) => req.socket.destroy())
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(502)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ target: 'broken', status: 502, cause: 'connect-reset' })
    await stillServing(proxy.url)
  })

  it('an upstream that resets the connection (RST): 502, connect-reset', async () => {
    const { proxy, sink } = await setup((req) => req.socket.resetAndDestroy())
    expect((await exchange(`${proxy.url}/`)).status).toBe(502)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 502, cause: 'connect-reset' })
    await stillServing(proxy.url)
  })

  it('an upstream that does not answer in time: 504, timeout', async () => {
    const { proxy, sink } = await setup(() => {}, { upstream: { headersTimeoutMs: 200 } })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(504)
    expect(result.headers['x-rehearse-cause']).toBe('timeout')
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 504, cause: 'timeout' })
    await stillServing(proxy.url)
  })

  it('a failure in the middle of the body cuts the client connection (no status can say it any more)', async () => {
    const { proxy, sink } = await setup((req, res) => {
      res.writeHead(200, { 'content-length': 100_000 })
      res.write(Buffer.alloc(10_000, 98), () => req.socket.destroy())
    })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(200)
    expect(result.body.length).toBe(10_000)
    expect(result.error).toBeDefined()
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 200, bytes: 10_000, cause: 'connect-reset' })
    await stillServing(proxy.url)
  })
})

describe('client aborts', () => {
  it('propagate upstream while waiting for the response', async () => {
    let upstreamSawClose: () => void = () => {}
    const closed = new Promise<void>((resolve) => {
      upstreamSawClose = resolve
    })
    let arrived: () => void = () => {}
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve
    })
    const { proxy, sink } = await setup((_req, res) => {
      res.on('close', upstreamSawClose)
      arrived()
    })
    const controller = new AbortController()
    const pending = exchange(`${proxy.url}/slow`, { signal: controller.signal })
    await arrival
    controller.abort()
    await pending
    await closed
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 0, cause: 'socket-closed' })
  })

  it('propagate upstream in the middle of a streamed upload', async () => {
    let upstreamSawAbort: (complete: boolean) => void = () => {}
    const aborted = new Promise<boolean>((resolve) => {
      upstreamSawAbort = resolve
    })
    let firstBytes: () => void = () => {}
    const started = new Promise<void>((resolve) => {
      firstBytes = resolve
    })
    const { proxy, sink } = await setup((req) => {
      req.once('data', firstBytes)
      req.on('close', () => upstreamSawAbort(req.complete))
    })
    const { request } = await import('node:http')
    const client = request(`${proxy.url}/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'transfer-encoding': 'chunked' },
    })
    client.on('error', () => {})
    client.write(Buffer.alloc(64 * 1024, 1))
    await started
    client.destroy()
    expect(await aborted).toBe(false)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 0, cause: 'socket-closed' })
  })

  it('cancel a request still queued for an upstream connection: it is never sent', async () => {
    let releaseFirst: () => void = () => {}
    let firstArrived: () => void = () => {}
    const arrived = new Promise<void>((resolve) => {
      firstArrived = resolve
    })
    const { proxy, sink, broken } = await setup(
      (req, res) => {
        req.resume()
        releaseFirst = () => res.end('first')
        firstArrived()
      },
      { upstream: { connections: 1 } },
    )
    const first = exchange(`${proxy.url}/first`)
    await arrived
    const controller = new AbortController()
    const second = exchange(`${proxy.url}/second`, { signal: controller.signal })
    // The second request waits for the only upstream connection; its client gives up.
    await waitFor(() =>
      proxy.metrics().then((text) => /rehearse_proxy_upstream_queued\{target="broken"\} 1/.test(text)),
    )
    controller.abort()
    await second
    releaseFirst()
    expect((await first).body.toString()).toBe('first')
    const samples = await sink.waitFor(2)
    expect(samples.find((s) => s.route === 'GET /second')).toMatchObject({ status: 0, cause: 'socket-closed' })
    expect(broken.requests).toBe(1)
  })
})

/** Polls an async condition every 10 ms (at most 10 s). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('condition not met within 10 s')
}
