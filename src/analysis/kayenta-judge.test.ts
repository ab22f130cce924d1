import { describe, expect, it } from 'vitest'
import { judgeCanary } from './canary-judge.ts'
import { seededRandom } from './seeded-random.ts'
import type { CanaryMetricConfig } from './types.ts'

const normal = (seed: number, n: number, mean: number, sd: number) => {
  const r = seededRandom(seed)
  return Array.from({ length: n }, () => mean + sd * r.normal())
}
const kayenta = (
  metrics: CanaryMetricConfig[],
  data: Record<string, { baseline?: number[]; candidate?: number[] }>,
  groups?: Record<string, number>,
) => judgeCanary({ mode: 'kayenta', metrics, ...(groups ? { groups } : {}) }, { metrics: data })

describe("mode: kayenta reproduces NetflixACAJudge's classification", () => {
  // R 4.2.2: wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98, exact = FALSE, correct = TRUE)
  // gives the 98% interval [0.59994, 3.59992] Kayenta's port of the same R code computes.
  const candidate = [12.1, 14.3, 11.8, 15.2, 13.9, 16.4, 12.7, 14.8, 13.3, 15.9, 14.1, 17.2]
  const baseline = [11.2, 12.9, 10.8, 13.1, 12.2, 11.9, 13.4, 12.5, 11.1, 12.8, 13.0, 12.0]

  it('High when the 98% interval clears 25% of the shift estimate and the mean ratio reaches 1.0', () => {
    const j = kayenta([{ name: 'latency' }], { latency: { baseline, candidate } })
    const m = j.metrics[0]!
    expect(m.outcome).toBe('high')
    expect(m.sentence).toMatch(
      /^latency was classified High: the 98% CI of the shift \(0\.6 to 3\.6\) lies above ±25% of the shift estimate \(±0\.5\)/,
    )
    expect(j.score).toBe(0) // one group, its only metric failed
    expect(j.verdict).toBe('fail')
  })

  it('Pass for an increase on a metric that only watches decreases', () => {
    expect(kayenta([{ name: 'tp', direction: 'decrease' }], { tp: { baseline, candidate } }).metrics[0]!.outcome).toBe(
      'pass',
    )
  })

  it('the mean-ratio gate: a tolerance of 50% (allowedIncrease 1.5) keeps a 15% rise a Pass', () => {
    expect(kayenta([{ name: 'x', tolerance: 0.5 }], { x: { baseline, candidate } }).metrics[0]!.outcome).toBe('pass')
  })

  it('identical data and a single value overall are Pass; two different constants are jittered and High', () => {
    const j = kayenta([{ name: 'a' }, { name: 'b' }, { name: 'c' }], {
      a: { baseline: [3, 1, 2], candidate: [1, 2, 3] },
      b: { baseline: [5, 5, 5], candidate: [5, 5] },
      c: { baseline: [5, 5, 5, 5, 5, 5, 5, 5], candidate: [9, 9, 9, 9, 9, 9, 9, 9] },
    })
    expect(j.metrics.map((m) => m.outcome)).toEqual(['pass', 'pass', 'high'])
    expect(j.metrics[0]!.sentence).toBe('a: baseline and candidate data are identical: Pass.')
  })

  it("keeps Kayenta's blind spot: a sparse error series (0 → a few spikes) passes", () => {
    const zeros = Array.from({ length: 30 }, () => 0)
    const spikes = [...Array.from({ length: 27 }, () => 0), 2, 3, 2]
    const j = judgeCanary(
      { mode: 'kayenta', metrics: [{ name: 'errors', kind: 'rate', critical: true }] },
      {
        metrics: {
          errors: {
            baseline: { events: 0, trials: 10_000, series: zeros },
            candidate: { events: 7, trials: 10_000, series: spikes },
          },
        },
      },
    )
    expect(j.metrics[0]!.outcome).toBe('pass')
    expect(j.verdict).toBe('pass')
    // …where the Rehearse judge fails it on the counts (canary-judge.test.ts).
    expect(
      judgeCanary(
        { metrics: [{ name: 'errors', kind: 'rate', critical: true }] },
        { metrics: { errors: { baseline: { events: 0, trials: 10_000 }, candidate: { events: 7, trials: 10_000 } } } },
      ).verdict,
    ).toBe('fail')
  })
})

describe("mode: kayenta reproduces WeightedSumScorer's score", () => {
  const same = { baseline: normal(1, 50, 100, 10), candidate: normal(2, 50, 100, 10) }
  const worse = { baseline: normal(3, 50, 100, 10), candidate: normal(4, 50, 160, 10) }

  it('group score = passes / (passes + highs + lows); unweighted groups share what is left of 100', () => {
    const j = kayenta(
      [
        { name: 'a', group: 'requests' },
        { name: 'b', group: 'requests' },
        { name: 'c', group: 'system' },
        { name: 'd', group: 'system' },
      ],
      { a: same, b: worse, c: same, d: same },
      { requests: 60 },
    )
    expect(j.groups.map((g) => [g.name, g.weight, g.score])).toEqual([
      ['requests', 60, 50],
      ['system', 40, 100],
    ])
    expect(j.score).toBe(70)
    expect(j.verdict).toBe('fail')
  })

  it('75 is marginal, 95 passes (the thresholds of Kayenta’s documented config)', () => {
    const four = [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }]
    expect(kayenta(four, { a: same, b: same, c: same, d: worse }).verdict).toBe('marginal')
    expect(kayenta(four, { a: same, b: same, c: same, d: same }).verdict).toBe('pass')
  })

  it('a group with only Nodata counts 100; 50% or more Nodata fails the canary', () => {
    const j = kayenta(
      [
        { name: 'a', group: 'x' },
        { name: 'b', group: 'x' },
        { name: 'c', group: 'y' },
      ],
      { a: same, b: same, c: {} },
    )
    expect(j.metrics[2]!.outcome).toBe('no-data')
    expect(j.score).toBe(100)
    const half = kayenta([{ name: 'a' }, { name: 'b' }], { a: same, b: {} })
    expect(half.score).toBe(0)
    expect(half.summary).toBe('Canary failed: 50% or more of the metrics returned no data.')
  })

  it('a critical High or a critical Nodata scores 0; muted metrics are ignored', () => {
    expect(kayenta([{ name: 'a', critical: true }, { name: 'b' }], { a: worse, b: same }).score).toBe(0)
    expect(kayenta([{ name: 'a', critical: true }, { name: 'b' }, { name: 'c' }], { b: same, c: same }).score).toBe(0)
    expect(kayenta([{ name: 'a', muted: true }, { name: 'b' }], { a: worse, b: same }).score).toBe(100)
  })
})

describe('mode: kayenta takes series for any kind', () => {
  it('judges a rate metric given as a per-interval series', () => {
    const j = kayenta([{ name: 'errors', kind: 'rate' }], {
      errors: { baseline: [0.1, 0.2, 0.1, 0.3, 0.2, 0.1], candidate: [2.1, 2.5, 1.9, 2.8, 2.2, 2.4] },
    })
    expect(j.metrics[0]!.outcome).toBe('high')
  })
})
