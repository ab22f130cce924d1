import type { IncomingMessage, ServerResponse } from 'node:http'
import { Pool } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyOptions } from './proxy.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, runConcurrently, startUpstream, withinThreeSigma } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** `/bytes/N` answers N bytes (content-length set); anything else answers the upstream's name. */
function upstreamNamed(name: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const match = /^\/bytes\/(\d+)/.exec(req.url ?? '')
      if (match) {
        const size = Number(match[1])
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size, 'x-upstream': name })
        // Several writes, as a real streaming upstream does.
        for (let at = 0; at < size; at += 16_384) res.write(Buffer.alloc(Math.min(16_384, size - at), 97))
        res.end()
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name })
        res.end(name)
      }
    })
  }
}

async function setup(options: Partial<ProxyOptions> = {}) {
  const baseline = await startUpstream('baseline', upstreamNamed('baseline'))
  cleanups.push(() => baseline.close())
  const candidate = await startUpstream('candidate', upstreamNamed('candidate'))
  cleanups.push(() => candidate.close())
  const sink = new CollectingSink()
  const proxy = await startProxy({
    targets: { baseline: baseline.url, candidate: candidate.url },
    routing: { weights: { baseline: 1 }, rules: [{ header: { 'x-target': 'candidate' }, target: 'candidate' }] },
    sink,
    ...options,
  })
  cleanups.push(() => proxy.close())
  return { baseline, candidate, sink, proxy }
}

describe('fault kinds', () => {
  it('delay holds the request before it goes upstream', async () => {
    const { proxy, sink } = await setup({ faults: [{ delay: '200ms' }] })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(200)
    expect(result.body.toString()).toBe('baseline')
    const [sample] = await sink.waitFor(1)
    // Timers may fire up to a millisecond early against performance.now(): a small allowance.
    expect(sample!.latencyUs).toBeGreaterThanOrEqual(198_000)
    // The service time starts when the request goes upstream: the injected delay is not in it.
    expect(sample!.latencyUs - sample!.serviceTimeUs!).toBeGreaterThanOrEqual(198_000)
    expect(sample!.cause).toBeUndefined()
  })

  it('delay with jitter stays within delay ± jitter (lower bound)', async () => {
    const { proxy, sink } = await setup({ faults: [{ delay: '100ms', jitter: '50ms' }] })
    await runConcurrently(10, 5, () => exchange(`${proxy.url}/`))
    for (const sample of await sink.waitFor(10)) expect(sample.latencyUs).toBeGreaterThanOrEqual(48_000)
  })

  it('abort answers with the status and body, and never reaches the upstream', async () => {
    const { proxy, sink, baseline } = await setup({
      faults: [{ name: 'down', abort: { status: 503, body: 'down for a rehearsal' } }],
    })
    const result = await exchange(`${proxy.url}/checkout`, { method: 'POST', body: 'payload' })
    expect(result.status).toBe(503)
    expect(result.body.toString()).toBe('down for a rehearsal')
    expect(result.headers['x-rehearse-fault']).toBe('down')
    expect(baseline.requests).toBe(0)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({
      target: 'baseline',
      route: 'POST /checkout',
      status: 503,
      bytes: 20,
      cause: 'fault-injected',
    })
    expect(sample!.serviceTimeUs).toBeUndefined()
  })

  it('bandwidth streams the response at the limit, complete', async () => {
    const { proxy, sink } = await setup({ faults: [{ bandwidth: '100KiB/s' }] })
    const result = await exchange(`${proxy.url}/bytes/81920`)
    expect(result.error).toBeUndefined()
    expect(result.body.length).toBe(81_920)
    // 80 KiB at 100 KiB/s: the first slice goes at once, the rest takes at least ~0.75 s.
    expect(result.ms).toBeGreaterThanOrEqual(700)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 200, bytes: 81_920, cause: undefined })
  })

  it('hang holds the connection, then closes it without an answer', async () => {
    const { proxy, sink, baseline } = await setup({ faults: [{ hang: '300ms' }] })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(0)
    expect(result.error).toBeDefined()
    expect(result.ms).toBeGreaterThanOrEqual(290)
    expect(baseline.requests).toBe(0)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 0, bytes: 0, cause: 'fault-injected' })
  })

  it('reset resets the client connection (ECONNRESET)', async () => {
    const { proxy, sink } = await setup({ faults: [{ reset: true }] })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(0)
    expect(result.error).toBe('ECONNRESET')
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 0, cause: 'fault-injected' })
  })

  it('closeAfterBytes sends the headers and that many body bytes, then closes', async () => {
    const { proxy, sink } = await setup({ faults: [{ closeAfterBytes: 1000 }] })
    const result = await exchange(`${proxy.url}/bytes/100000`)
    expect(result.status).toBe(200)
    expect(result.body.length).toBe(1000)
    expect(result.error).toBeDefined()
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 200, bytes: 1000, cause: 'fault-injected' })
  })

  it('closeAfterBytes: 0 closes right after the headers', async () => {
    const { proxy } = await setup({ faults: [{ closeAfterBytes: 0 }] })
    const result = await exchange(`${proxy.url}/bytes/5000`)
    expect(result.status).toBe(200)
    expect(result.body.length).toBe(0)
    expect(result.error).toBeDefined()
  })

  it('bandwidth and closeAfterBytes stack: the cut comes after the paced bytes', async () => {
    const { proxy } = await setup({ faults: [{ bandwidth: '64KiB' }, { closeAfterBytes: 10_000 }] })
    const result = await exchange(`${proxy.url}/bytes/100000`)
    expect(result.body.length).toBe(10_000)
    expect(result.error).toBeDefined()
  })

  it('delay then abort: rules that fire together all apply', async () => {
    const { proxy, sink } = await setup({ faults: [{ delay: '100ms' }, { abort: 502 }] })
    const result = await exchange(`${proxy.url}/`)
    expect(result.status).toBe(502)
    const [sample] = await sink.waitFor(1)
    expect(sample!.latencyUs).toBeGreaterThanOrEqual(98_000)
  })
})

describe('fault rules', () => {
  it('fire with their probability: the observed fraction is within 3σ over 2500 requests', async () => {
    const { proxy, sink } = await setup({ faults: [{ name: 'flaky', abort: 500, probability: 0.2 }], seed: 42 })
    const client = new Pool(proxy.url, { connections: 16 })
    cleanups.push(() => client.close())
    const n = 2500
    const statuses = await runConcurrently(n, 16, async () => {
      const response = await client.request({ path: '/', method: 'GET' })
      await response.body.text()
      return response.statusCode
    })
    const failed = statuses.filter((s) => s === 500).length
    expect(withinThreeSigma(failed, n, 0.2)).toBe(true)
    expect(proxy.listFaults()[0]!.stats).toEqual({ matched: n, injected: failed, active: 0 })
    await sink.waitFor(n)
    expect(sink.samples.filter((s) => s.cause === 'fault-injected').length).toBe(failed)
  })

  it('match by route glob, path regex, method and header; all given matchers must match', async () => {
    const { proxy } = await setup({
      routes: ['GET /products/:id'],
      faults: [
        { name: 'route', abort: 501, match: { route: 'GET /products/*' } },
        { name: 'path', abort: 502, match: { path: '~^/orders/\\d+$' } },
        { name: 'method', abort: 503, match: { method: ['delete'] } },
        { name: 'header', abort: 504, match: { header: { 'X-Chaos': 'on' }, path: '/cart' } },
      ],
    })
    const status = async (path: string, options: Parameters<typeof exchange>[1] = {}) =>
      (await exchange(`${proxy.url}${path}`, options)).status
    expect(await status('/products/17')).toBe(501)
    expect(await status('/products/17', { method: 'PUT' })).toBe(200)
    expect(await status('/orders/12')).toBe(502)
    expect(await status('/orders/12/items')).toBe(200)
    expect(await status('/anything', { method: 'DELETE' })).toBe(503)
    expect(await status('/cart', { headers: { 'x-chaos': 'on' } })).toBe(504)
    expect(await status('/cart', { headers: { 'x-chaos': 'off' } })).toBe(200)
    expect(await status('/other', { headers: { 'x-chaos': 'on' } })).toBe(200)
  })

  it('apply to one target only when they name it', async () => {
    const { proxy } = await setup({ faults: [{ abort: 503, target: 'candidate' }] })
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    expect((await exchange(`${proxy.url}/`, { headers: { 'x-target': 'candidate' } })).status).toBe(503)
  })

  it('affect at most maxActive requests at once', async () => {
    const { proxy, baseline } = await setup({ faults: [{ name: 'capped', hang: '60s', maxActive: 2 }] })
    const controller = new AbortController()
    const hung = [
      exchange(`${proxy.url}/`, { signal: controller.signal }),
      exchange(`${proxy.url}/`, { signal: controller.signal }),
    ]
    await waitUntil(() => proxy.listFaults()[0]!.stats.active === 2)
    // With two requests hanging, the rule is full: the next ones pass untouched.
    for (let i = 0; i < 4; i++) expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    expect(baseline.requests).toBe(4)
    expect(proxy.listFaults()[0]!.stats).toMatchObject({ injected: 2, active: 2 })
    // Clients that give up release their place (and cancel the hang's timer).
    controller.abort()
    await Promise.all(hung)
    await waitUntil(() => proxy.listFaults()[0]!.stats.active === 0)
  })

  it('a client that leaves during a delay cancels the request before it reaches the upstream', async () => {
    const { proxy, sink, baseline } = await setup({ faults: [{ name: 'slow', delay: '5s' }] })
    const controller = new AbortController()
    const pending = exchange(`${proxy.url}/`, { signal: controller.signal })
    await waitUntil(() => proxy.listFaults()[0]!.stats.active === 1)
    controller.abort()
    await pending
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ status: 0, cause: 'socket-closed' })
    expect(proxy.listFaults()[0]!.stats.active).toBe(0)
    expect(baseline.requests).toBe(0)
  })

  it('change at runtime through the handle', async () => {
    const { proxy } = await setup()
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    const added = proxy.addFault({ name: 'outage', abort: 503 })
    expect(added).toMatchObject({
      name: 'outage',
      kind: 'abort',
      probability: 1,
      stats: { matched: 0, injected: 0, active: 0 },
    })
    expect((await exchange(`${proxy.url}/`)).status).toBe(503)
    proxy.removeFault('outage')
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    proxy.setFaults([{ abort: 500 }, { abort: 502, match: { path: '/x' } }])
    expect((await exchange(`${proxy.url}/`)).status).toBe(500)
    proxy.resetFaults()
    expect(proxy.listFaults()).toEqual([])
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    expect(() => proxy.addFault({ abort: 503, delay: '1s' })).toThrowError(
      expect.objectContaining({ code: 'TRAFFIC_FAULT_INVALID', location: { path: 'abort' } }),
    )
  })

  it('rejects invalid rules at start with their path in the options', async () => {
    const upstream = await startUpstream('baseline')
    cleanups.push(() => upstream.close())
    await expect(
      startProxy({
        targets: { baseline: upstream.url },
        sink: new CollectingSink(),
        faults: [{ abort: 503 }, { delay: 'later' }],
      }),
    ).rejects.toMatchObject({ code: 'TRAFFIC_FAULT_INVALID', location: { path: 'faults[1].delay' } })
  })
})

/** Polls a condition every 10 ms (at most 10 s): for state the test cannot await as an event. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('condition not met within 10 s')
}
