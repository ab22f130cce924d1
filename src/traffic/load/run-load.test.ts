// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import type { Sample } from '../../core/types.ts'
import { GeneratorMetrics } from '../../telemetry/prometheus/generator-metrics.ts'
import { SampleAggregator } from '../../telemetry/sample-aggregator.ts'
import { compileScenario, type RequestTemplateSpec } from '../template/request-template.ts'
import { formatLoadTable } from './format-load-table.ts'
import type { LoadPhase, LoadPlan } from './load-plan.ts'
import { runLoad } from './run-load.ts'

type TestServer = { url: string; server: Server; seen: string[]; close(): Promise<void> }
const servers: TestServer[] = []

async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<TestServer> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString()
    })
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body}`)
      handle(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const t: TestServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  servers.push(t)
  return t
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const ok = (_req: IncomingMessage, res: ServerResponse) => res.end('ok')
const never = () => {} // holds the response open

function plan(
  over: Partial<LoadPlan> & { targets: LoadPlan['targets'] },
  scenario: RequestTemplateSpec[] = [{ request: 'GET /' }],
): LoadPlan {
  return {
    scenario: compileScenario(scenario, { baseDir: '.', path: 'traffic.scenario' }),
    phases: [{ name: 'steady', durationMs: 1000, rate: 50, arrivals: 'constant' }],
    connections: 8,
    timeoutMs: 5000,
    maxInFlight: 1000,
    seed: 1,
    ...over,
  }
}

function collect(): { samples: Sample[]; record(s: Sample): void } {
  const samples: Sample[] = []
  return { samples, record: (s) => samples.push(s) }
}

const run = (p: LoadPlan, sink = collect(), signal = new AbortController().signal) => runLoad(p, { sink, signal })

describe('runLoad', () => {
  it('sends every arrival to every target with the same request', async () => {
    const a = await startServer(ok)
    const b = await startServer(ok)
    const scenario: RequestTemplateSpec[] = [
      { request: 'GET /products?page=${rand.int(1,20)}&n=${seq}', weight: 2 },
      { request: 'POST /cart?n=${seq}', json: { sku: '${pick(A|B|C)}', id: '${uuid}', qty: '${rand.int(1,5)}' } },
    ]
    const sink = collect()
    const result = await run(
      plan(
        {
          targets: [
            { name: 'baseline', url: a.url },
            { name: 'candidate', url: b.url },
          ],
          phases: [{ name: 'p', durationMs: 1000, rate: 100, arrivals: 'poisson' }],
        },
        scenario,
      ),
      sink,
    )
    expect(result.arrivals).toBeGreaterThan(50)
    expect(a.seen).toHaveLength(result.arrivals)
    expect([...a.seen].sort()).toEqual([...b.seen].sort())
    expect(new Set(a.seen).size).toBe(result.arrivals) // ${seq} makes each one distinct
    for (const t of result.targets) {
      expect(t).toMatchObject({ requests: result.arrivals, responses: result.arrivals, errors: 0, dropped: 0 })
      expect(t.byStatus).toEqual({ 200: result.arrivals })
    }
    // the samples name the templates' routes, and the aggregator sees the same counts
    expect(new Set(sink.samples.map((s) => s.route))).toEqual(new Set(['GET /products', 'POST /cart']))
    // the same seed sends the same requests again
    const again = await startServer(ok)
    await run(
      plan(
        {
          targets: [{ name: 'baseline', url: again.url }],
          phases: [{ name: 'p', durationMs: 1000, rate: 100, arrivals: 'poisson' }],
        },
        scenario,
      ),
    )
    expect([...again.seen].sort()).toEqual([...a.seen].sort())
  })

  it('measures latency from the intended start, so a stall counts for everything queued behind it', async () => {
    // One connection; the 20th request stalls 1 s. Requests due meanwhile wait to be sent: their
    // latency (from the intended start) includes the wait, their service time (from the send) does not.
    const server = await startServer((req, res) => {
      if (req.url === '/20') setTimeout(() => res.end('slow'), 1000)
      else res.end('ok')
    })
    const sink = collect()
    const result = await run(
      plan(
        {
          targets: [{ name: 'baseline', url: server.url }],
          connections: 1,
          phases: [{ name: 'p', durationMs: 2000, rate: 50, arrivals: 'constant' }],
        },
        [{ request: 'GET /${seq}' }],
      ),
      sink,
    )
    const slow = sink.samples.filter((s) => s.latencyUs >= 400_000)
    const slowService = sink.samples.filter((s) => (s.serviceTimeUs ?? 0) >= 400_000)
    expect(sink.samples).toHaveLength(100)
    expect(slow.length).toBeGreaterThanOrEqual(15) // ~50 arrivals fell inside the stall
    expect(slowService.length).toBeLessThanOrEqual(3) // the stalled request itself (plus noise)
    const t = result.targets[0]!
    expect(t.latencyMs!.p99).toBeGreaterThan(2 * t.serviceTimeMs!.p99)
    expect(t.latencyMs!.max).toBeGreaterThanOrEqual(900)
  })

  it('counts refused connections by cause, keeps going and ends', async () => {
    const dead = await startServer(ok)
    const url = dead.url
    await dead.close() // nothing listens there now
    const live = await startServer(ok)
    const result = await run(
      plan({
        targets: [
          { name: 'baseline', url: live.url },
          { name: 'candidate', url },
        ],
      }),
    )
    const [baseline, candidate] = result.targets
    expect(baseline).toMatchObject({ responses: 50, errors: 0 })
    expect(candidate).toMatchObject({ requests: 50, responses: 0, errors: 50, byCause: { 'connect-refused': 50 } })
  })

  it('counts reset connections by cause', async () => {
    let n = 0
    const server = await startServer((req, res) => {
      if (n++ % 2 === 0) req.socket.resetAndDestroy()
      else res.end('ok')
    })
    const result = await run(plan({ targets: [{ name: 'baseline', url: server.url }] }))
    const t = result.targets[0]!
    const resets = (t.byCause['connect-reset'] ?? 0) + (t.byCause['socket-closed'] ?? 0)
    expect(resets).toBeGreaterThan(0)
    expect(t.responses + t.errors).toBe(t.requests)
    expect(t.errors).toBe(resets)
  })

  it('times out requests, aborts those still in flight at the end, and leaves no connection open', async () => {
    const server = await startServer(never)
    const sink = collect()
    const result = await run(
      plan({
        targets: [{ name: 'baseline', url: server.url }],
        timeoutMs: 300,
        phases: [{ name: 'p', durationMs: 600, rate: 20, arrivals: 'constant' }],
      }),
      sink,
    )
    const t = result.targets[0]!
    expect(t).toMatchObject({ requests: 12, responses: 0, errors: 12, byCause: { timeout: 12 } })
    expect(sink.samples.every((s) => s.cause === 'timeout' && s.latencyUs >= 290_000)).toBe(true)
    for (let i = 0; i < 100 && (await connections(server.server)) > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await connections(server.server)).toBe(0)
  })

  it('ends after the drain even when requests would still be within their timeout', async () => {
    const server = await startServer(never)
    const result = await run(
      plan({
        targets: [{ name: 'baseline', url: server.url }],
        timeoutMs: 60_000,
        drainTimeoutMs: 200,
        phases: [{ name: 'p', durationMs: 300, rate: 20, arrivals: 'constant' }],
      }),
    )
    expect(result.targets[0]).toMatchObject({ requests: 6, byCause: { timeout: 6 } })
  })

  it('drops arrivals beyond maxInFlight instead of queueing them', async () => {
    const server = await startServer(never)
    const result = await run(
      plan({
        targets: [{ name: 'baseline', url: server.url }],
        maxInFlight: 3,
        drainTimeoutMs: 100,
        phases: [{ name: 'p', durationMs: 500, rate: 40, arrivals: 'constant' }],
      }),
    )
    expect(result.targets[0]).toMatchObject({
      requests: 20,
      sent: 3,
      dropped: 17,
      byCause: { dropped: 17, timeout: 3 },
    })
  })

  it('stops at once when aborted, with INTERRUPTED', async () => {
    const server = await startServer(never)
    const controller = new AbortController()
    const sink = collect()
    const running = run(
      plan({
        targets: [{ name: 'baseline', url: server.url }],
        phases: [{ name: 'p', durationMs: 60_000, rate: 20, arrivals: 'constant' }],
      }),
      sink,
      controller.signal,
    )
    setTimeout(() => controller.abort(), 300)
    await expect(running).rejects.toSatisfy((e) => isRehearseError(e) && e.code === 'INTERRUPTED')
    expect(sink.samples.length).toBeLessThan(100)
    for (let i = 0; i < 100 && (await connections(server.server)) > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await connections(server.server)).toBe(0)
  })

  it('enters every phase (a pause included), reports progress and feeds the generator metrics', async () => {
    const server = await startServer(ok)
    const phases: LoadPhase[] = [
      { name: 'warm', durationMs: 300, rate: 50, arrivals: 'constant' },
      { name: 'pause', durationMs: 300, rate: 0, arrivals: 'constant' },
      { name: 'ramp', durationMs: 400, rate: 0, rampTo: 100, arrivals: 'constant' },
    ]
    const entered: string[] = []
    const progress: number[] = []
    const metrics = new GeneratorMetrics()
    const aggregator = new SampleAggregator()
    const result = await runLoad(plan({ targets: [{ name: 'baseline', url: server.url }], phases }), {
      sink: aggregator,
      signal: new AbortController().signal,
      metrics,
      progressIntervalMs: 100,
      onPhase: (phase, index) => entered.push(`${index}:${phase.name}`),
      onProgress: (p) => progress.push(p.arrivals),
    })
    expect(entered).toEqual(['0:warm', '1:pause', '2:ramp'])
    expect(result.arrivals).toBe(15 + 20)
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((n, i) => i === 0 || n >= progress[i - 1]!)).toBe(true)
    expect(aggregator.totals('baseline')!.requests).toBe(35)
    expect(await metrics.text()).toMatch(
      /rehearse_load_requests_total\{target="baseline",status_class="2xx",cause=""\} 35/,
    )
    const table = formatLoadTable(result)
    expect(table.split('\n')[0]).toMatch(
      /^target\s+requests\s+resp\/s\s+p50\s+p90\s+p99\s+p99\.9\s+errors\s+late\s+dropped$/,
    )
    expect(table).toMatch(/^baseline\s+35\s/m)
    expect(table).toMatch(/^generator: .* — (ok|SATURATED)/m)
  })

  it.each([
    [{ targets: [] }, /no target/],
    [{ targets: [{ name: 'a', url: 'ftp://x' }] }, /not http\(s\)/],
    [
      {
        targets: [
          { name: 'a', url: 'http://127.0.0.1:1' },
          { name: 'a', url: 'http://127.0.0.1:2' },
        ],
      },
      /Two targets/,
    ],
    [{ targets: [{ name: 'a', url: 'http://127.0.0.1:1' }], phases: [] }, /no phase/],
    [
      {
        targets: [{ name: 'a', url: 'http://127.0.0.1:1' }],
        phases: [{ name: 'x', durationMs: 0, rate: 1, arrivals: 'constant' as const }],
      },
      /0 seconds/,
    ],
    [{ targets: [{ name: 'a', url: 'http://127.0.0.1:1' }], connections: 0 }, /connections must be a positive/],
  ])('rejects an invalid plan with TRAFFIC_PLAN_INVALID (%#)', async (over, message) => {
    await expect(run(plan(over))).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TRAFFIC_PLAN_INVALID' && message.test(e.message),
    )
  })
})

function connections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_err, n) => resolve(n)))
}
