import { describe, expect, it } from 'vitest'
import type { RehearsalEvent } from '../../core/types.ts'
import { renderReport } from './render-report.ts'
import { cdfChart, histogramQuantile, timeCharts } from './report-charts.ts'
import { buildReportModel } from './report-model.ts'
import { earlyFailureFixture } from './testing/report-fixture.ts'

const record = earlyFailureFixture().record
let seq = 0
const event = (type: string, data: unknown, at = '2025-03-14T09:30:05.000Z'): RehearsalEvent => ({
  rehearsalId: record.id,
  seq: ++seq,
  at,
  type,
  data,
})

const metric = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  label: name,
  kind: 'latency',
  direction: 'increase',
  outcome: 'pass',
  critical: false,
  muted: false,
  tolerance: 0.1,
  baseline: { n: 10, median: 5 },
  candidate: { n: 10, median: 5 },
  test: 'Mann–Whitney U',
  pValue: 0.5,
  adjustedPValue: 0.5,
  sentence: `${name} did not change.`,
  ...extra,
})

const judgement = (metrics: unknown[]) => ({
  mode: 'rehearse',
  verdict: 'pass',
  score: 100,
  metrics,
  reasons: [],
  criticalFailures: [],
})

describe('reading the canary judgement back from the log', () => {
  it('takes the final look, else the last one', () => {
    const looks = [
      event('analysis.canary', { judgement: judgement([metric('a')]), look: 1, final: true }),
      event('analysis.canary', { judgement: judgement([metric('b')]), look: 2, final: false }),
    ]
    expect(buildReportModel({ record, events: looks, series: [] }).canary?.metrics.map((m) => m.name)).toEqual(['a'])
    const noFinal = looks.map((e) => ({ ...e, data: { ...(e.data as object), final: false } }))
    expect(buildReportModel({ record, events: noFinal, series: [] }).canary?.metrics.map((m) => m.name)).toEqual(['b'])
  })

  it('restores the unbounded interval ends JSON turned into null, and a rate that rose from zero', () => {
    const rate = metric('errors', {
      kind: 'rate',
      outcome: 'high',
      effect: { estimate: null, interval: { lower: 2, upper: null, level: 0.95 } },
      baseline: { n: 1000, events: 0, trials: 1000, rate: 0 },
      candidate: { n: 1000, events: 9, trials: 1000, rate: 0.009 },
    })
    const events = [event('analysis.canary', { judgement: judgement([rate]), look: 1, final: true })]
    const view = buildReportModel({ record, events, series: [] }).canary!.metrics[0]!
    expect(view.effect).toEqual({
      estimate: Number.POSITIVE_INFINITY,
      interval: { lower: 2, upper: Number.POSITIVE_INFINITY, level: 0.95 },
    })
    const html = renderReport({ record, events, series: [] })
    expect(html).toContain('<strong>from 0</strong><br><small>(95% CI +200% or more)</small>')
    expect(html).toContain('0% (0 of 1,000)')
    expect(html).toContain('0.9% (9 of 1,000)')
  })

  it('finds a metric’s route, unit and quantile in the judgement or else in the spec', () => {
    const spec = {
      analysis: {
        metrics: [
          { name: 'checkout', route: 'POST /checkout', kind: 'quantile', quantile: 'p99.9' },
          { name: 'size', unit: 'B', kind: 'distribution' },
        ],
      },
    }
    const events = [
      event('analysis.canary', {
        judgement: judgement([
          metric('checkout', {
            kind: 'quantile',
            baseline: { n: 5, quantile: 100 },
            candidate: { n: 5, quantile: 120 },
          }),
          metric('size', { kind: 'distribution', route: 'GET /big' }),
          metric('plain'),
        ]),
        look: 1,
        final: true,
      }),
    ]
    const views = buildReportModel({ record: { ...record, spec }, events, series: [] }).canary!.metrics
    expect(views.map((m) => [m.name, m.route, m.unit, m.quantile])).toEqual([
      ['checkout', 'POST /checkout', 'ms', 0.999],
      ['size', 'GET /big', 'B', null],
      ['plain', null, 'ms', null],
    ])
    expect(renderReport({ record: { ...record, spec }, events, series: [] })).toContain('p99.9 100 ms<br>n = 5')
  })
})

describe('chart data', () => {
  it('reads quantiles off histogram buckets', () => {
    const values = [30, 10, 20]
    const counts = [1, 5, 4]
    expect(histogramQuantile(values, counts, 0.5)).toBe(10)
    expect(histogramQuantile(values, counts, 0.51)).toBe(20)
    expect(histogramQuantile(values, counts, 0.99)).toBe(30)
    expect(histogramQuantile(values, [0, 0, 0], 0.5)).toBeNull()
  })

  it('draws a CDF on a linear axis when a bucket is at 0 ms, and none without requests', () => {
    const sides = new Map([
      ['baseline', { values: [0, 2, 4], counts: [1, 1, 2] }],
      ['candidate', { values: [2, 8], counts: [1, 1] }],
    ])
    const chart = cdfChart('c', { route: null, sides })!
    expect(chart.logX).toBe(false)
    expect(chart.x).toEqual([0, 2, 4, 8])
    expect(chart.series.map((s) => s.values)).toEqual([
      [0.25, 0.5, 1, 1],
      [0, 0.5, 0.5, 1],
    ])
    expect(cdfChart('d', { route: null, sides: new Map([['baseline', { values: [1], counts: [0] }]]) })).toBeNull()
  })

  it('turns per-interval request counts into a rate, and aligns targets that missed a point', () => {
    const t0 = 1_700_000_000_000
    const series = [
      {
        rehearsalId: 'r',
        metric: 'requests',
        target: 'candidate',
        route: null,
        points: [
          [t0, 500],
          [t0 + 5_000, 250],
        ] as [number, number][],
      },
      {
        rehearsalId: 'r',
        metric: 'requests',
        target: 'baseline',
        route: null,
        points: [
          [t0, 500],
          [t0 + 5_000, 500],
          [t0 + 10_000, 500],
        ] as [number, number][],
      },
    ]
    const phases = [
      { name: 'p', index: 0, at: t0 - 2_000, durationMs: 20_000, rate: 100, rampTo: null, faults: 0, judged: true },
    ]
    const [chart] = timeCharts('t', series, phases)
    expect(chart!.x).toEqual([2, 7, 12])
    expect(chart!.series.map((s) => [s.label, s.values])).toEqual([
      ['baseline', [100, 100, 100]],
      ['candidate', [100, 50, null]],
    ])
    expect(chart!.bands).toEqual([{ name: 'p', from: 0, to: 20 }])
    expect(timeCharts('t', [], [])).toEqual([])
  })
})
