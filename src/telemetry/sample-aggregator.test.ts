import { describe, expect, it } from 'vitest'
import { isRehearseError } from '../core/errors.ts'
import type { Sample } from '../core/types.ts'
import { createBuiltinProvider } from './builtin-provider.ts'
import { OTHER_ROUTE, SampleAggregator } from './sample-aggregator.ts'
import { extractSeries } from './series.ts'

const T0 = Date.UTC(2030, 0, 1)
const sample = (over: Partial<Sample>): Sample => ({
  at: T0,
  target: 'baseline',
  route: 'GET /a',
  status: 200,
  latencyUs: 1000,
  bytes: 10,
  ...over,
})

describe('SampleAggregator', () => {
  it('counts requests, status classes, causes and bytes per target and route', () => {
    const agg = new SampleAggregator({ startMs: T0 })
    agg.record(sample({ latencyUs: 2000, serviceTimeUs: 1500 }))
    agg.record(sample({ status: 503, route: 'GET /b' }))
    agg.record(sample({ status: 404 }))
    agg.record(sample({ status: 0, latencyUs: 0, bytes: 0, cause: 'connect-refused' }))
    agg.record(sample({ status: 0, latencyUs: 5_000_000, bytes: 0, cause: 'timeout' }))
    agg.record(sample({ target: 'candidate' }))
    const t = agg.totals('baseline')!
    expect(t).toMatchObject({ requests: 5, responses: 3, errors: 3, bytes: 30 })
    expect(t.byStatusClass).toEqual({ none: 2, '1xx': 0, '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 1 })
    expect(t.byCause).toEqual({ 'connect-refused': 1, timeout: 1 })
    // responses and the timeout carry a latency; the refused connection does not
    expect(t.latencyMs!.count).toBe(4)
    expect(t.latencyMs!.max).toBeCloseTo(5000, -1)
    expect(t.serviceTimeMs!.count).toBe(1)
    expect(agg.totals('baseline', 'GET /b')).toMatchObject({ requests: 1, errors: 1 })
    expect(agg.targets()).toEqual(['baseline', 'candidate'])
    expect(agg.routes('baseline')).toEqual(['GET /a', 'GET /b'])
    expect(agg.totals('nobody')).toBeUndefined()
  })

  it('keeps latency percentiles to 3 significant digits', () => {
    const agg = new SampleAggregator({ startMs: T0 })
    for (let i = 1; i <= 10_000; i++) agg.record(sample({ latencyUs: i * 100 })) // 0.1 ms … 1000 ms
    const l = agg.totals('baseline')!.latencyMs!
    expect(l.p50).toBeGreaterThan(500 * 0.999)
    expect(l.p50).toBeLessThan(500 * 1.001)
    expect(l.p99).toBeGreaterThan(990 * 0.999)
    expect(l.p99).toBeLessThan(990 * 1.001)
  })

  it('stays bounded on a long run by merging adjacent intervals, and loses no count', () => {
    const agg = new SampleAggregator({ startMs: T0, intervalMs: 1000, maxIntervals: 64 })
    const footprintAt: number[] = []
    let total = 0
    let most = 0
    for (let second = 0; second < 36_000; second++) {
      // 10 hours, 5 samples a second, latencies spread so histograms fill up
      for (let k = 0; k < 5; k++) {
        agg.record(sample({ at: T0 + second * 1000 + k * 100, latencyUs: 1000 + ((second * 7 + k * 13) % 500) * 100 }))
        total++
      }
      if (second === 3599 || second === 35_999) footprintAt.push(agg.footprintBytes())
      most = Math.max(most, agg.intervalCount)
    }
    expect(most).toBeLessThanOrEqual(64)
    expect(agg.intervalMs).toBe(1024_000) // 1 s doubled ten times
    expect(agg.intervalCount).toBeGreaterThan(32)
    // ten times the duration, not ten times the memory
    expect(footprintAt[1]!).toBeLessThan(footprintAt[0]! * 1.5)
    const requests = extractSeries(agg, { metric: 'requests' })[0]!.points
    expect(requests.reduce((sum, [, v]) => sum + v, 0)).toBe(total)
    expect(agg.totals('baseline')!.requests).toBe(total)
  })

  it('merges intervals when busy intervals would hold more histograms than the budget', () => {
    const agg = new SampleAggregator({ startMs: T0, maxIntervalHistograms: 8 })
    for (let second = 0; second < 20; second++) {
      for (let k = 0; k < 600; k++) {
        agg.record(sample({ at: T0 + second * 1000 + k, route: k % 2 ? 'GET /a' : 'GET /b', latencyUs: 1000 + k * 37 }))
      }
    }
    // 20 busy seconds × 3 scopes (target, two routes) would be 60 histograms: merged down to the budget
    expect(agg.intervalMs).toBeGreaterThanOrEqual(8000)
    expect(agg.totals('baseline')!.requests).toBe(12_000)
    const points = extractSeries(agg, { metric: 'requests', route: 'GET /a' })[0]!.points
    expect(points.reduce((sum, [, v]) => sum + v, 0)).toBe(6000)
    expect(agg.distribution('baseline', { fromMs: T0 }).total).toBe(12_000)
  })

  it('counts routes beyond the cap under (other)', () => {
    const agg = new SampleAggregator({ startMs: T0, maxRoutesPerTarget: 3 })
    for (let i = 0; i < 50; i++) agg.record(sample({ route: `GET /item/${i}` }))
    expect(agg.routes('baseline')).toEqual(['GET /item/0', 'GET /item/1', 'GET /item/2', OTHER_ROUTE])
    expect(agg.totals('baseline', OTHER_ROUTE)!.requests).toBe(47)
  })

  it('counts samples before the start in the first interval', () => {
    const agg = new SampleAggregator({ startMs: T0 })
    agg.record(sample({ at: T0 - 5000 }))
    expect(agg.timeline('baseline')!.cells[0]!.requests).toBe(1)
  })
})

describe('series extraction', () => {
  const agg = new SampleAggregator({ startMs: T0 })
  // second 0: 10 × 200 at 10 ms; second 1: nothing; second 2: 8 × 200 at 50 ms + 2 × 500; second 3: route b only
  for (let i = 0; i < 10; i++) agg.record(sample({ at: T0 + i * 10, latencyUs: 10_000 }))
  for (let i = 0; i < 8; i++) agg.record(sample({ at: T0 + 2000 + i, latencyUs: 50_000 }))
  for (let i = 0; i < 2; i++) agg.record(sample({ at: T0 + 2500, status: 500, latencyUs: 50_000 }))
  agg.record(sample({ at: T0 + 3000, route: 'GET /b', latencyUs: 20_000 }))
  agg.record(sample({ at: T0 + 3100, target: 'candidate', latencyUs: 30_000 }))

  it('gives counts for every interval and ratios/latencies only where there is data', () => {
    const [requests] = extractSeries(agg, { metric: 'requests', targets: ['baseline'] })
    expect(requests).toEqual({
      metric: 'requests',
      target: 'baseline',
      points: [
        [T0, 10],
        [T0 + 1000, 0],
        [T0 + 2000, 10],
        [T0 + 3000, 1],
      ],
    })
    const [rate] = extractSeries(agg, { metric: 'error_rate', targets: ['baseline'] })
    expect(rate!.points).toEqual([
      [T0, 0],
      [T0 + 2000, 0.2],
      [T0 + 3000, 0],
    ])
    const [p50] = extractSeries(agg, { metric: 'latency_p50', targets: ['baseline'] })
    expect(p50!.points.map(([t, v]) => [t, Math.round(v)])).toEqual([
      [T0, 10],
      [T0 + 2000, 50],
      [T0 + 3000, 20],
    ])
    const [throughput] = extractSeries(agg, { metric: 'throughput', targets: ['baseline'] })
    expect(throughput!.points[0]).toEqual([T0, 10])
    const [status5] = extractSeries(agg, { metric: 'status_5xx', targets: ['baseline'] })
    expect(status5!.points[2]).toEqual([T0 + 2000, 2])
  })

  it('merges intervals up to the step, filters a window, and splits by route', () => {
    const [merged] = extractSeries(agg, { metric: 'requests', targets: ['baseline'], stepMs: 2000 })
    expect(merged!.points).toEqual([
      [T0, 10],
      [T0 + 2000, 11],
    ])
    const [window] = extractSeries(agg, {
      metric: 'requests',
      targets: ['baseline'],
      startMs: T0 + 1000,
      endMs: T0 + 3000,
    })
    expect(window!.points).toEqual([
      [T0 + 1000, 0],
      [T0 + 2000, 10],
    ])
    const routes = extractSeries(agg, { metric: 'requests', route: '*' })
    expect(routes.map((s) => `${s.target} ${s.route}`)).toEqual([
      'baseline GET /a',
      'baseline GET /b',
      'candidate GET /a',
    ])
    expect(extractSeries(agg, { metric: 'requests' }).map((s) => s.target)).toEqual(['baseline', 'candidate'])
  })

  it('exports distributions as value/count pairs and as a bounded sorted array', () => {
    const d = agg.distribution('baseline')
    expect(d).toMatchObject({ target: 'baseline', requests: 21, errors: 2, total: 21 })
    expect(Array.from(d.counts).reduce((a, b) => a + b, 0)).toBe(21)
    expect(Array.from(d.values).map(Math.round)).toEqual([10, 20, 50])
    const all = d.expand()
    expect(all.length).toBe(21)
    expect(Array.from(all).every((v, i) => i === 0 || v >= all[i - 1]!)).toBe(true)
    const thin = d.expand(7)
    expect(thin.length).toBe(7)
    expect(Math.round(thin[0]!)).toBe(10)
    expect(Math.round(thin[6]!)).toBe(50)
    const late = agg.distribution('baseline', { fromMs: T0 + 2000 })
    expect(late).toMatchObject({ requests: 11, total: 11 })
    expect(agg.distribution('baseline', { route: 'GET /b' })).toMatchObject({ route: 'GET /b', requests: 1 })
    expect(agg.distribution('nobody').total).toBe(0)
  })

  it('answers through the built-in provider and names valid metrics on a typo', async () => {
    const provider = createBuiltinProvider(agg)
    const series = await provider.query({ metric: 'latency_p99', targets: ['candidate'] }, new AbortController().signal)
    expect(series).toHaveLength(1)
    expect(Math.round(series[0]!.points[0]![1])).toBe(30)
    await expect(provider.query({ metric: 'latency_p95' }, new AbortController().signal)).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TELEMETRY_UNKNOWN_METRIC' && /latency_p99/.test(e.hint ?? ''),
    )
    const cause = extractSeries(agg, { metric: 'cause_timeout' })
    expect(cause[0]!.points.every(([, v]) => v === 0)).toBe(true)
  })
})
