/**
 * @module rehearsal/report/testing/report-fixture
 * Event logs for the report's tests, shaped exactly as a rehearsal writes them. The judgements are
 * not typed in by hand: seeded latency samples go through the real canary judge and SLO evaluation,
 * so the sentences, intervals and outcomes are the ones users will see.
 *
 * `rollbackFixture` is a full run of the demo shop where the candidate's checkout route is ~40%
 * slower: the canary gate fails and the verdict is rollback. `earlyFailureFixture`
 * (early-failure-fixture.ts, re-exported here) is the other end: a run that stopped at deploy.
 */
import { judgeCanary } from '../../../analysis/canary-judge.ts'
import { seededRandom } from '../../../analysis/seeded-random.ts'
import { availabilitySli, latencySli } from '../../../analysis/sli.ts'
import { evaluateSlo } from '../../../analysis/slo.ts'
import type { CanaryConfig } from '../../../analysis/types.ts'
import { judgeCanaryGate } from '../../../gates/canary-gate.ts'
import { decideVerdict } from '../../../gates/decide-verdict.ts'
import type { GateOutcome } from '../../../gates/gate.ts'
import type { RehearsalRecord, StoredSeries } from '../../../store/store.ts'
import type { ReportInput } from '../report-input.ts'
import { histogram, Log, latencies, quantile, stored, T0 } from './fixture-log.ts'

export { earlyFailureFixture } from './early-failure-fixture.ts'

export type RollbackFixtureOptions = {
  /** The regressed route's name (a hostile one tests escaping). Default `POST /checkout`. */
  checkoutRoute?: string
  project?: string
  /** Appended to the canary gate's reasons. */
  extraReason?: string
  /** Lines the (recovered) payments service wrote, shown as a crash. */
  crashLines?: string[]
}

const PHASES = [
  { name: 'warm-up', durationMs: 10_000, rate: 20 },
  { name: 'steady', durationMs: 30_000, rate: 100 },
  {
    name: 'slow-payments',
    durationMs: 20_000,
    rate: 100,
    faults: [{ service: 'payments', delay: '300ms', probability: 0.2 }],
  },
]

export function rollbackFixture(options: RollbackFixtureOptions = {}): ReportInput {
  const checkout = options.checkoutRoute ?? 'POST /checkout'
  const project = options.project ?? 'shop'
  const id = 'r_0jq7k2m9x4c8v1bd'
  const log = new Log(id)
  const routes = [
    { route: 'GET /products', share: 0.6, baselineMs: 18, candidateMs: 18 },
    { route: checkout, share: 0.25, baselineMs: 42, candidateMs: 61 },
    { route: 'GET /cart/:id', share: 0.15, baselineMs: 12, candidateMs: 12.3 },
  ]
  const perSide = 4800
  // Seeds by position, so a renamed route (the escaping tests) keeps the same data.
  const samples = routes.map((r, i) => ({
    ...r,
    baseline: latencies(`b:${i}`, Math.round(perSide * r.share), r.baselineMs),
    candidate: latencies(`c:${i}`, Math.round(perSide * r.share), r.candidateMs),
  }))
  const all = (side: 'baseline' | 'candidate') => samples.flatMap((s) => s[side])
  const errors = { baseline: { events: 2, trials: perSide }, candidate: { events: 3, trials: perSide } }

  // As the pipeline judges: latency over all routes and, as a breakdown, per route (named
  // "<metric> <route>"); a metric the spec ties to one route; errors over all routes.
  const specMetrics = [
    { name: 'latency', tolerance: '10%' },
    { name: 'checkout-tail', kind: 'quantile', quantile: 'p99', route: checkout, tolerance: '25%' },
    { name: 'errors', kind: 'rate', critical: true },
  ]
  const breakdown = routes.map((r) => `latency ${r.route}`)
  const config: CanaryConfig = {
    metrics: [
      { name: 'latency', label: 'latency (all routes)', kind: 'latency', tolerance: 0.1, group: 'overall' },
      ...routes.map((r) => ({
        name: `latency ${r.route}`,
        label: `${r.route} latency`,
        kind: 'latency' as const,
        tolerance: 0.1,
        group: r.route,
      })),
      { name: 'checkout-tail', kind: 'quantile', quantile: 0.99, tolerance: 0.25 },
      { name: 'errors', kind: 'rate', critical: true, group: 'overall' },
    ],
    alpha: 0.05,
    sequential: true,
  }
  const data = (fraction: number, final: boolean) => {
    const cut = (v: number[]) => v.slice(0, Math.round(v.length * fraction))
    const c = samples[1]!
    return {
      metrics: {
        latency: { baseline: cut(all('baseline')), candidate: cut(all('candidate')) },
        ...Object.fromEntries(
          samples.map((r) => [`latency ${r.route}`, { baseline: cut(r.baseline), candidate: cut(r.candidate) }]),
        ),
        'checkout-tail': { baseline: cut(c.baseline), candidate: cut(c.candidate) },
        errors: {
          baseline: { events: errors.baseline.events, trials: Math.round(perSide * fraction) },
          candidate: { events: errors.candidate.events, trials: Math.round(perSide * fraction) },
        },
      },
      traffic: { baseline: Math.round(perSide * fraction), candidate: Math.round(perSide * fraction) },
      final,
    }
  }
  const firstLook = judgeCanary(config, data(0.5, false))
  const { state: _state, ...finalLook } = judgeCanary(config, data(1, true), firstLook.state)
  const canaryGate = judgeCanaryGate({ judgement: finalLook, breakdown })

  const trafficStart = T0 + 12_000
  const trafficEnd = trafficStart + PHASES.reduce((s, p) => s + p.durationMs, 0)
  const timed = (side: 'baseline' | 'candidate') =>
    all(side).map((latencyMs, i) => ({ at: trafficStart + (i * (trafficEnd - trafficStart)) / perSide, latencyMs }))
  const availability = (side: 'baseline' | 'candidate') =>
    availabilitySli([{ at: trafficStart, good: perSide - errors[side].events, valid: perSide }])
  const slos = [
    evaluateSlo({ name: 'availability', objective: 0.99 }, availability('candidate'), availability('baseline')),
    evaluateSlo(
      { name: 'latency', objective: 0.95, thresholdMs: 120 },
      latencySli(timed('candidate'), 120),
      latencySli(timed('baseline'), 120),
    ),
  ]

  log.emit('rehearsal.started', T0, {
    project,
    specHash: 'a3f1c9e07b52d4e8',
    steps: ['provision', 'deploy', 'smoke', 'traffic', 'analyze', 'gates'],
  })
  log.step('provision', T0 + 10, T0 + 180, () =>
    log.emit('environment.planned', T0 + 150, {
      instances: [
        { instance: 'payments', version: null, port: 41021, cwd: '/srv/shop/payments' },
        { instance: 'api-baseline', version: 'baseline', port: 41022, cwd: '/srv/shop/v1' },
        { instance: 'api-candidate', version: 'candidate', port: 41023, cwd: '/srv/shop/v2' },
      ],
    }),
  )
  log.step('deploy', T0 + 200, T0 + 2_900, () => {
    log.emit('service.ready', T0 + 900, { instance: 'payments', ms: 700 })
    log.emit('service.ready', T0 + 2_700, { instance: 'api-baseline', ms: 1_800 })
    log.emit('service.ready', T0 + 2_850, { instance: 'api-candidate', ms: 1_950 })
  })
  log.step('smoke', T0 + 3_000, T0 + 3_200, () => {
    for (const [method, path] of [
      ['GET', '/healthz'],
      ['GET', '/products'],
    ] as const) {
      for (const version of ['baseline', 'candidate'] as const) {
        log.emit('smoke.result', T0 + 3_100, {
          version,
          instance: `api-${version}`,
          method,
          path,
          expected: 200,
          status: 200,
          ms: version === 'baseline' ? 4.1 : 5.3,
        })
      }
    }
  })
  log.step('traffic', trafficStart - 100, trafficEnd + 400, () => {
    let at = trafficStart
    PHASES.forEach((p, index) => {
      log.emit('phase.started', at, {
        name: p.name,
        index,
        at,
        durationMs: p.durationMs,
        rate: p.rate,
        judged: p.name !== 'warm-up',
        faults: p.faults ?? [],
      })
      at += p.durationMs
    })
    const target = (side: 'baseline' | 'candidate') => {
      const values = all(side)
      return {
        name: side,
        url: `http://127.0.0.1:${side === 'baseline' ? 41022 : 41023}`,
        requests: perSide,
        sent: perSide,
        responses: perSide,
        throughput: perSide / 60,
        latencyMs: {
          mean: 0,
          p50: quantile(values, 0.5),
          p90: quantile(values, 0.9),
          p99: quantile(values, 0.99),
          p999: quantile(values, 0.999),
          max: Math.max(...values),
        },
        errors: errors[side].events,
        errorRate: errors[side].events / perSide,
        byStatus: { 200: perSide - errors[side].events, 502: errors[side].events },
        byCause: {},
        late: 0,
        dropped: 0,
        bytes: perSide * 512,
      }
    }
    const saturation = {
      eventLoopDelayP99Ms: 3,
      eventLoopDelayMaxMs: 9,
      cpuPercent: 22,
      lateFraction: 0,
      saturated: false,
      reasons: [],
    }
    log.emit('traffic.finished', trafficEnd + 300, {
      result: {
        startedAt: trafficStart,
        durationMs: trafficEnd - trafficStart,
        elapsedMs: 60_300,
        arrivals: perSide,
        arrivalRate: 40,
        late: 0,
        unsent: 0,
        targets: [target('baseline'), target('candidate')],
        saturation,
      },
    })
  })
  log.step('analyze', trafficEnd + 500, trafficEnd + 900, () => {
    for (const side of ['baseline', 'candidate'] as const) {
      log.emit('telemetry.distribution', trafficEnd + 600, {
        target: side,
        route: null,
        unit: 'ms',
        ...histogram(all(side)),
      })
      for (const s of samples) {
        log.emit('telemetry.distribution', trafficEnd + 600, {
          target: side,
          route: s.route,
          unit: 'ms',
          ...histogram(s[side]),
        })
      }
    }
    log.emit('analysis.canary', trafficStart + 30_000, { judgement: firstLook, breakdown, look: 1, final: false })
    log.emit('analysis.canary', trafficEnd + 700, { judgement: finalLook, breakdown, look: 2, final: true })
    log.emit('analysis.slo', trafficEnd + 800, { judgements: slos })
  })
  const gates: GateOutcome[] = [
    { kind: 'smoke', critical: true, status: 'pass', reasons: ['4 of 4 smoke requests answered as expected'] },
    {
      kind: 'canary',
      critical: true,
      ...canaryGate,
      reasons: [...canaryGate.reasons, ...(options.extraReason ? [options.extraReason] : [])],
    },
    {
      kind: 'slo',
      critical: false,
      status: slos.every((s) => s.status === 'pass') ? 'pass' : slos.some((s) => s.status === 'fail') ? 'fail' : 'warn',
      reasons: slos.map((s) => s.sentence),
    },
    {
      kind: 'approval',
      critical: false,
      status: 'pending',
      reasons: ['nobody has approved yet: rehearse approve r_0jq7k2m9'],
    },
  ]
  const decision = decideVerdict(gates)
  log.step('gates', trafficEnd + 1_000, trafficEnd + 1_050, () => {
    for (const gate of gates) log.emit('gate.evaluated', trafficEnd + 1_020, gate)
  })
  if (options.crashLines) {
    log.emit('service.crashed', trafficEnd + 1_060, {
      instance: 'payments',
      exitCode: null,
      signal: 'SIGKILL',
      lastLines: options.crashLines,
    })
  }
  log.emit('verdict', trafficEnd + 1_100, { ...decision, gates })
  log.step('teardown', trafficEnd + 1_100, trafficEnd + 1_600)
  log.emit('rehearsal.finished', trafficEnd + 1_700, { status: 'finished', ...decision })

  const record: RehearsalRecord = {
    id,
    project,
    status: 'finished',
    spec: {
      name: project,
      analysis: { metrics: specMetrics, sequential: true },
      slos: { availability: { objective: '99%' } },
    },
    specHash: 'a3f1c9e07b52d4e8',
    createdAt: new Date(T0).toISOString(),
    finishedAt: new Date(trafficEnd + 1_700).toISOString(),
    verdict: decision.verdict,
    exitCode: decision.exitCode,
    ownerPid: 4242,
    ownerHost: 'ci-runner-7',
    summary: decision.summary,
  }
  return {
    record,
    events: stored(log.events),
    series: seriesOf(id, trafficStart, samples),
    generatedAt: new Date(trafficEnd + 60_000).toISOString(),
  }
}

/** One point per second per target: requests, errors, error_rate, p50, p99. */
function seriesOf(
  id: string,
  start: number,
  samples: { baselineMs: number; candidateMs: number; share: number }[],
): StoredSeries[] {
  const random = seededRandom('series')
  const series: StoredSeries[] = []
  for (const target of ['baseline', 'candidate'] as const) {
    const points: Record<string, Array<[number, number]>> = {
      requests: [],
      errors: [],
      error_rate: [],
      latency_p50: [],
      latency_p99: [],
    }
    let at = start
    for (const phase of PHASES) {
      for (let s = 0; s < phase.durationMs / 1000; s++, at += 1000) {
        const requests = Math.round(phase.rate * (0.95 + 0.1 * random.next()))
        const errs = random.next() < 0.08 ? 1 : 0
        const slow = phase.faults ? 1.35 : 1
        const median = samples.reduce((m, r) => m + r.share * (target === 'baseline' ? r.baselineMs : r.candidateMs), 0)
        points['requests']!.push([at, requests])
        points['errors']!.push([at, errs])
        points['error_rate']!.push([at, errs / requests])
        points['latency_p50']!.push([at, median * slow * (0.95 + 0.1 * random.next())])
        points['latency_p99']!.push([
          at,
          median * slow * (target === 'candidate' ? 3.4 : 2.6) * (0.9 + 0.2 * random.next()),
        ])
      }
    }
    for (const [metric, list] of Object.entries(points))
      series.push({ rehearsalId: id, metric, target, route: null, points: list })
  }
  // A per-route series: stored, but the report charts whole-target series only.
  series.push({
    rehearsalId: id,
    metric: 'requests',
    target: 'candidate',
    route: 'GET /products',
    points: [[start, 12]],
  })
  return series
}
