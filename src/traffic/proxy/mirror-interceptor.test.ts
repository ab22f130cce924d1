import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { MirrorObservation } from './proxy.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, runConcurrently, startUpstream, type TestUpstream } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Seen = { method: string; url: string; body: string }

/** An upstream that remembers every request it got and answers `<name> <method> <url>`. */
async function recordingUpstream(name: string): Promise<TestUpstream & { seen: Seen[] }> {
  const seen: Seen[] = []
  const upstream = await startUpstream(name, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString('utf8') })
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name })
      res.end(`${name} ${req.method} ${req.url}`)
    })
  })
  cleanups.push(() => upstream.close())
  return Object.assign(upstream, { seen })
}

describe('the mirror interceptor', () => {
  it('answers from the primary and sends a copy of safe requests to the shadow, labelled as its own target', async () => {
    const primary = await recordingUpstream('primary')
    const shadow = await recordingUpstream('shadow')
    const sink = new CollectingSink()
    const observations: MirrorObservation[] = []
    const proxy = await startProxy({
      targets: { baseline: primary.url },
      sink,
      mirror: { targets: { shadow: shadow.url }, onResponses: (o) => observations.push(o) },
    })
    cleanups.push(() => proxy.close())
    for (let i = 0; i < 10; i++) {
      const r = await exchange(`${proxy.url}/items/${i}?q=${i}`)
      expect(r.body.toString()).toBe(`primary GET /items/${i}?q=${i}`)
      expect(r.headers['x-upstream']).toBe('primary')
    }
    await sink.waitFor(20)
    expect(shadow.seen.map((s) => s.url)).toEqual(Array.from({ length: 10 }, (_, i) => `/items/${i}?q=${i}`))
    expect(sink.samples.filter((s) => s.target === 'shadow')).toHaveLength(10)
    expect(sink.samples.filter((s) => s.target === 'baseline')).toHaveLength(10)
    expect(sink.samples.find((s) => s.target === 'shadow')).toMatchObject({ route: 'GET /items/:id', status: 200 })
    await expect.poll(() => observations.length).toBe(10)
    expect(observations[0]).toMatchObject({
      method: 'GET',
      route: 'GET /items/:id',
      primary: { status: 200, text: 'primary GET /items/0?q=0' },
      shadows: { shadow: { status: 200, text: 'shadow GET /items/0?q=0' } },
    })
    expect(proxy.mirroring()!.targets['shadow']).toMatchObject({ mirrored: 10, completed: 10, pending: 0 })
  })

  it('never mirrors an unsafe method, unless the route is declared safe or the target is a sandbox', async () => {
    const primary = await recordingUpstream('primary')
    const shadow = await recordingUpstream('shadow')
    const sandbox = await recordingUpstream('sandbox')
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { baseline: primary.url },
      sink,
      mirror: {
        targets: { shadow: shadow.url, sandbox: { url: sandbox.url, sandbox: true } },
        safeRoutes: ['POST /search'],
      },
    })
    cleanups.push(() => proxy.close())
    const methods = ['POST', 'PUT', 'PATCH', 'DELETE', 'PROPFIND'] as const
    for (const method of methods) {
      // (node:http answers 400 to a DELETE with a chunked body: that one goes without.)
      const r = await exchange(`${proxy.url}/orders`, {
        method,
        ...(method === 'DELETE' ? {} : { body: `{"m":"${method}"}` }),
      })
      expect(r.status).toBe(200)
    }
    await exchange(`${proxy.url}/search`, { method: 'POST', body: '{"q":"lamp"}' })
    await exchange(`${proxy.url}/orders`)
    await sink.waitFor(7 + 7 + 2)
    expect(primary.seen).toHaveLength(7)
    expect(shadow.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /search', 'GET /orders'])
    expect(shadow.seen[0]!.body).toBe('{"q":"lamp"}')
    expect(sandbox.seen.map((s) => s.method)).toEqual([...methods, 'POST', 'GET'])
    expect(sandbox.seen[0]!.body).toBe('{"m":"POST"}')
    expect(proxy.mirroring()!.targets).toMatchObject({
      shadow: { skippedUnsafe: 5, mirrored: 2 },
      sandbox: { skippedUnsafe: 0, mirrored: 7 },
    })
  })

  it('bounds the queue of a shadow that never answers, counting what it drops, and the primary is unaffected', async () => {
    const primary = await recordingUpstream('primary')
    const held: ServerResponse[] = []
    const stuck = await startUpstream('stuck', (_req: IncomingMessage, res: ServerResponse) => {
      held.push(res)
    })
    cleanups.push(() => stuck.close())
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { baseline: primary.url },
      sink,
      mirror: { targets: { stuck: stuck.url }, maxQueue: 5, timeoutMs: 60_000 },
    })
    cleanups.push(() => proxy.close())
    const statuses = await runConcurrently(200, 8, async (i) => (await exchange(`${proxy.url}/p/${i}`)).status)
    expect(statuses.every((s) => s === 200)).toBe(true)
    const stats = proxy.mirroring()!.targets['stuck']!
    expect(stats).toMatchObject({ mirrored: 5, pending: 5, dropped: 195 })
    expect(primary.seen).toHaveLength(200)
    await expect.poll(() => held.length).toBe(5)
  })

  it('samples a share of requests, sticky by a header', async () => {
    const primary = await recordingUpstream('primary')
    const shadow = await recordingUpstream('shadow')
    const proxy = await startProxy({
      targets: { baseline: primary.url },
      sink: new CollectingSink(),
      mirror: { targets: { shadow: shadow.url }, rate: 0.3, stickyHeader: 'x-user' },
    })
    cleanups.push(() => proxy.close())
    for (let i = 0; i < 100; i++) await exchange(`${proxy.url}/u`, { headers: { 'x-user': `user-${i % 20}` } })
    const { sampledOut, targets } = proxy.mirroring()!
    expect(sampledOut + targets['shadow']!.mirrored).toBe(100)
    expect(targets['shadow']!.mirrored % 5).toBe(0) // whole users: five requests each
    expect(targets['shadow']!.mirrored).toBeGreaterThan(0)
    expect(targets['shadow']!.mirrored).toBeLessThan(100)
  })

  it('does not mirror a body larger than maxBodyBytes, and counts a shadow that refuses connections', async () => {
    const primary = await recordingUpstream('primary')
    const sandbox = await recordingUpstream('sandbox')
    const closed = await startUpstream('closed')
    const deadUrl = closed.url
    await closed.close()
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { baseline: primary.url },
      sink,
      mirror: { targets: { sandbox: { url: sandbox.url, sandbox: true }, dead: deadUrl }, maxBodyBytes: 100 },
    })
    cleanups.push(() => proxy.close())
    expect((await exchange(`${proxy.url}/big`, { method: 'POST', body: 'x'.repeat(101) })).status).toBe(200)
    expect((await exchange(`${proxy.url}/small`, { method: 'POST', body: 'x'.repeat(100) })).status).toBe(200)
    expect((await exchange(`${proxy.url}/get`)).status).toBe(200)
    await expect.poll(() => proxy.mirroring()!.targets['dead']!.errors).toBe(1)
    await expect.poll(() => sandbox.seen.length).toBe(2)
    expect(sandbox.seen.map((s) => s.url)).toEqual(['/small', '/get'])
    expect(proxy.mirroring()!.targets['sandbox']).toMatchObject({ tooLarge: 1, mirrored: 2 })
    expect(sink.samples.find((s) => s.target === 'dead')).toMatchObject({ status: 0, cause: 'connect-refused' })
  })

  it.each([
    [{ targets: {} }, 'mirror.targets'],
    [{ targets: { shadow: 'https://127.0.0.1:1' } }, 'mirror.targets.shadow'],
    [{ targets: { baseline: 'http://127.0.0.1:1' } }, 'mirror.targets.baseline'],
    [{ targets: { shadow: 'http://127.0.0.1:1' }, rate: 2 }, 'mirror.rate'],
    [{ targets: { shadow: 'http://127.0.0.1:1' }, maxQueue: 0 }, 'mirror.maxQueue'],
    [{ targets: { shadow: 'http://127.0.0.1:1' }, safeRoutes: ['~(unclosed'] }, 'mirror.safeRoutes'],
  ])('rejects mirror options %j at %s before listening', async (mirror, path) => {
    await expect(
      startProxy({ targets: { baseline: 'http://127.0.0.1:1' }, sink: new CollectingSink(), mirror }),
    ).rejects.toMatchObject({ code: 'SHADOW_INVALID_OPTIONS', location: { path } })
  })
})
