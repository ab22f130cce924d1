import { describe, expect, it } from 'vitest'
import { isRehearseError } from '../core/errors.ts'
import { judgeCanary } from './canary-judge.ts'
import { seededRandom } from './seeded-random.ts'
import type { CanaryConfig, CanaryData, CanaryMetricConfig } from './types.ts'

const lognormal = (seed: number | string, n: number, median: number, sigma = 0.5) => {
  const r = seededRandom(seed)
  return Array.from({ length: n }, () => median * Math.exp(sigma * r.normal()))
}
const rate = (events: number, trials: number) => ({ events, trials })
const metric = (name: string, extra: Partial<CanaryMetricConfig> = {}): CanaryMetricConfig => ({ name, ...extra })
const judge = (metrics: CanaryMetricConfig[], data: CanaryData['metrics'], extra: Partial<CanaryConfig> = {}) =>
  judgeCanary({ metrics, ...extra }, { metrics: data })

describe('judgeCanary: outcomes and the sentence that explains each', () => {
  it('a latency regression is high, and its sentence names metric, direction, effect, CI and tolerance', () => {
    const j = judge([metric('checkout', { kind: 'quantile', quantile: 0.99 })], {
      checkout: { baseline: lognormal(1, 5000, 120), candidate: lognormal(2, 5000, 120 * 1.4) },
    })
    const m = j.metrics[0]!
    expect(m.outcome).toBe('high')
    expect(m.sentence).toMatch(
      /^checkout p99 rose \d+% \(95% CI \d+–\d+%\), above the 10% tolerance: p99 \d+ ms → \d+ ms; p < 0\.0001, /,
    )
    expect(m.effect!.estimate).toBeGreaterThan(0.25)
    expect(m.effect!.interval.lower).toBeGreaterThan(0.1)
    expect(j.verdict).toBe('fail')
    expect(j.reasons[0]).toBe(m.sentence)
  })

  it('a typical-latency rise uses Hodges–Lehmann on the log scale and quotes the medians', () => {
    const j = judge([metric('latency')], {
      latency: { baseline: lognormal(3, 2000, 50), candidate: lognormal(4, 2000, 65) },
    })
    const m = j.metrics[0]!
    expect(m.outcome).toBe('high')
    expect(m.test).toBe('Mann–Whitney U (normal)')
    expect(m.effect!.estimate).toBeGreaterThan(0.2)
    expect(m.effect!.estimate).toBeLessThan(0.4)
    expect(m.sentence).toMatch(
      /^latency rose \d+% \(95% CI \d+–\d+%\), above the 10% tolerance: median \d+(\.\d)? ms → \d+(\.\d)? ms; p < 0\.0001/,
    )
  })

  it('a change inside the tolerance passes and says so', () => {
    const j = judge([metric('latency')], {
      latency: { baseline: lognormal(5, 3000, 50), candidate: lognormal(6, 3000, 51) },
    })
    const m = j.metrics[0]!
    expect(m.outcome).toBe('pass')
    expect(m.effect!.interval.upper).toBeLessThanOrEqual(0.1)
    expect(m.sentence).toMatch(/^latency (rose|fell) [\d.]+% \(95% CI .+\), within the 10% tolerance: median/)
    expect(j.verdict).toBe('pass')
    expect(j.score).toBe(100)
    expect(j.summary).toBe('The candidate passes with score 100: its one metric is within tolerance.')
  })

  it('0 errors on the baseline and 7 on the candidate fails a critical error metric (Kayenta would pass it)', () => {
    const config: CanaryConfig = { metrics: [metric('latency'), metric('errors', { kind: 'rate', critical: true })] }
    const j = judgeCanary(config, {
      metrics: {
        latency: { baseline: lognormal(7, 2000, 50), candidate: lognormal(8, 2000, 50) },
        errors: { baseline: rate(0, 10_000), candidate: rate(7, 10_000) },
      },
    })
    const errors = j.metrics.find((m) => m.name === 'errors')!
    expect(errors.outcome).toBe('high')
    expect(errors.pValue).toBeCloseTo(0.0156085970318243, 12) // Fisher's exact, as R
    expect(errors.sentence).toBe(
      "errors rose from 0% (0 of 10,000) to 0.07% (7 of 10,000) (95% CI +44% or more), above the 10% tolerance; p = 0.016, Fisher's exact test.",
    )
    expect(j.criticalFailures).toEqual(['errors'])
    expect(j.verdict).toBe('fail')
    expect(j.summary).toContain('critical metric errors regressed')
  })

  it('no errors on either side passes on the added-rate bound, not silently', () => {
    const j = judge([metric('errors', { kind: 'rate', critical: true })], {
      errors: { baseline: rate(0, 10_000), candidate: rate(0, 10_000) },
    })
    expect(j.metrics[0]!.outcome).toBe('pass')
    expect(j.metrics[0]!.sentence).toBe(
      'errors went from 0% (0 of 10,000) to 0% (0 of 10,000); the added rate is at most 0.038% (95% bound), within the 0.1% absolute tolerance.',
    )
    expect(j.verdict).toBe('pass')
  })

  it('too little evidence is insufficient-evidence, with how much more data would settle it', () => {
    const j = judge([metric('latency', { critical: true })], {
      latency: { baseline: lognormal(9, 60, 50, 0.8), candidate: lognormal(10, 60, 52, 0.8) },
    })
    const m = j.metrics[0]!
    expect(m.outcome).toBe('insufficient-evidence')
    expect(m.sentence).toMatch(
      /^latency (rose|fell) [\d.]+% \(95% CI .+\), which cannot yet rule out a rise above the 10% tolerance \(median .+\), so it needs more data \(about [\d,]+ samples per side\)\.$/,
    )
    expect(j.verdict).toBe('inconclusive')
    expect(j.summary).toContain('lack the evidence to decide')
  })

  it('a rare error rate that rose a little is insufficient, not a pass', () => {
    const j = judge([metric('errors', { kind: 'rate' })], {
      errors: { baseline: rate(2, 2000), candidate: rate(5, 2000) },
    })
    expect(j.metrics[0]!.outcome).toBe('insufficient-evidence')
    expect(j.verdict).not.toBe('pass')
  })

  it('missing data is no-data, and a side with too few samples is insufficient', () => {
    const j = judge([metric('a'), metric('b'), metric('c', { kind: 'rate' })], {
      a: { baseline: lognormal(11, 100, 10) },
      b: { baseline: lognormal(12, 100, 10), candidate: lognormal(13, 5, 10) },
      c: { baseline: rate(0, 0), candidate: rate(1, 100) },
    })
    expect(j.metrics.map((m) => m.outcome)).toEqual(['no-data', 'insufficient-evidence', 'no-data'])
    expect(j.metrics[0]!.sentence).toBe('a has no data for the candidate, so it cannot be judged.')
    expect(j.metrics[1]!.sentence).toBe(
      'b has only 100 baseline and 5 candidate samples, fewer than the 20 needed to judge it.',
    )
    expect(j.verdict).toBe('inconclusive')
    expect(j.scoreRange).toEqual({ min: 0, max: 100 })
  })

  it('watches the direction: a throughput drop is low, a latency drop is fine', () => {
    const r = seededRandom(14)
    const tp = (mean: number) => Array.from({ length: 300 }, () => mean + 10 * r.normal())
    const j = judge(
      [metric('throughput', { kind: 'distribution', direction: 'decrease', unit: 'req/s' }), metric('latency')],
      {
        throughput: { baseline: tp(200), candidate: tp(140) },
        latency: { baseline: lognormal(15, 2000, 50), candidate: lognormal(16, 2000, 35) },
      },
    )
    expect(j.metrics[0]!.outcome).toBe('low')
    expect(j.metrics[0]!.sentence).toMatch(
      /^throughput fell 3\d% \(95% CI \d+–\d+%\), beyond the 10% tolerance: median \d+ req\/s → \d+ req\/s; p < 0\.0001/,
    )
    expect(j.metrics[1]!.outcome).toBe('pass')
    expect(j.metrics[1]!.sentence).toMatch(/^latency fell \d+% \(95% CI \d+–\d+%\), within the 10% tolerance/)
  })

  it("direction 'either' fails both ways", () => {
    const j = judge([metric('size', { kind: 'distribution', direction: 'either' })], {
      size: { baseline: lognormal(17, 500, 1000, 0.2), candidate: lognormal(18, 500, 700, 0.2) },
    })
    expect(j.metrics[0]!.outcome).toBe('low')
  })
})

describe('judgeCanary: scoring and verdict', () => {
  const good = { baseline: lognormal(21, 2000, 50), candidate: lognormal(22, 2000, 50) }
  const bad = { baseline: lognormal(23, 2000, 50), candidate: lognormal(24, 2000, 80) }

  it('scores weighted groups; unlisted groups share what is left of 100', () => {
    const j = judge(
      [metric('a', { group: 'latency' }), metric('b', { group: 'latency' }), metric('c', { group: 'system' })],
      { a: good, b: bad, c: good },
      { groups: { latency: 60 } },
    )
    expect(j.groups).toEqual([
      { name: 'latency', weight: 60, score: 50, metrics: 2, noData: false },
      { name: 'system', weight: 40, score: 100, metrics: 1, noData: false },
    ])
    expect(j.score).toBe(70)
    expect(j.verdict).toBe('fail') // below the marginal 75
  })

  it('marginal between the thresholds; muted metrics do not count', () => {
    const metrics = [metric('a'), metric('b'), metric('c'), metric('d'), metric('e', { muted: true })]
    const j = judge(metrics, { a: good, b: good, c: good, d: bad, e: bad }, { thresholds: { pass: 90, marginal: 70 } })
    expect(j.score).toBe(75)
    expect(j.verdict).toBe('marginal')
    expect(j.metrics[4]!.outcome).toBe('high')
    expect(j.reasons).not.toContain(j.metrics[4]!.sentence)
  })

  it('a non-critical regression among many can still pass; a critical one never does', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't']
    const data = Object.fromEntries(names.map((n) => [n, n === 't' ? bad : good]))
    expect(
      judge(
        names.map((n) => metric(n)),
        data,
      ).verdict,
    ).toBe('pass')
    expect(
      judge(
        names.map((n) => metric(n, { critical: n === 't' })),
        data,
      ).verdict,
    ).toBe('fail')
  })

  it('notes when the correction across metrics, not the data, kept a metric from failing', () => {
    const base = lognormal(31, 400, 50, 0.9)
    const j = judge([metric('x', { tolerance: 0 }), ...['a', 'b', 'c', 'd', 'e', 'f'].map((n) => metric(n))], {
      x: { baseline: base, candidate: lognormal(32, 400, 58, 0.9) },
      ...Object.fromEntries(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => [
          n,
          { baseline: lognormal(40 + i, 3000, 5), candidate: lognormal(50 + i, 3000, 5) },
        ]),
      ),
    })
    const x = j.metrics[0]!
    expect(x.pValue).toBeLessThan(0.05)
    expect(x.adjustedPValue).toBeGreaterThanOrEqual(0.05)
    expect(x.outcome).not.toBe('high')
  })

  it('a sample-ratio mismatch makes the run inconclusive and says why', () => {
    const j = judgeCanary(
      { metrics: [metric('a')] },
      { metrics: { a: good }, traffic: { baseline: 10_000, candidate: 9_000 } },
    )
    expect(j.srm!.mismatch).toBe(true)
    expect(j.verdict).toBe('inconclusive')
    expect(j.reasons[0]).toMatch(
      /^The traffic split is off: the candidate got 47\.4% of requests where 50\.0% was expected/,
    )
  })

  it('is deterministic and serialisable', () => {
    const config: CanaryConfig = { metrics: [metric('a', { kind: 'quantile' }), metric('b', { kind: 'rate' })] }
    const data: CanaryData = {
      metrics: {
        a: { baseline: lognormal(60, 3000, 5), candidate: lognormal(61, 3000, 5) },
        b: { baseline: rate(3, 4000), candidate: rate(4, 4000) },
      },
    }
    const one = judgeCanary(config, data)
    expect(judgeCanary(config, data)).toEqual(one)
    expect(JSON.parse(JSON.stringify(one)).verdict).toBe(one.verdict)
  })
})

describe('judgeCanary: sequential looks', () => {
  const config: CanaryConfig = {
    sequential: true,
    metrics: [metric('latency'), metric('errors', { kind: 'rate', critical: true })],
  }
  const look = (b: number[], c: number[], eb: number, ec: number, n: number, final = false) => ({
    metrics: {
      latency: { baseline: b.slice(0, n), candidate: c.slice(0, n) },
      errors: { baseline: rate(eb, n), candidate: rate(ec, n) },
    },
    final,
  })

  it('a clear regression stops the run early with a fail', () => {
    const b = lognormal(70, 20_000, 50)
    const c = lognormal(71, 20_000, 80)
    const first = judgeCanary(config, look(b, c, 0, 0, 200))
    expect(first.state!.looks).toBe(1)
    const second = judgeCanary(config, look(b, c, 0, 1, 1000), first.state)
    expect(second.stop).toBe(true)
    expect(second.verdict).toBe('fail')
    expect(second.metrics[0]!.test).toContain('always-valid')
    expect(second.state!.looks).toBe(2)
  })

  it('a clean run keeps going while undecided, then stops with a pass once the evidence is in', () => {
    const b = lognormal(72, 30_000, 50)
    const c = lognormal(73, 30_000, 50)
    const early = judgeCanary(config, look(b, c, 0, 0, 100))
    expect(early.stop).toBe(false)
    expect(early.verdict).toBe('inconclusive')
    expect(early.metrics[1]!.decided).toBe(false)
    expect(early.metrics[1]!.sentence).toMatch(/not settled yet at this look\.$/)
    const later = judgeCanary(config, look(b, c, 0, 0, 30_000), early.state)
    expect(later.metrics.map((m) => m.outcome)).toEqual(['pass', 'pass'])
    expect(later.stop).toBe(true)
    expect(later.verdict).toBe('pass')
  })

  it('keeps the running minimum p-value across looks', () => {
    const j = judgeCanary(config, look([1, 2], [1, 2], 0, 0, 2), {
      looks: 3,
      minPValues: { latency: 0.0001, errors: 0.5 },
    })
    expect(j.state!.looks).toBe(4)
    expect(j.state!.minPValues).toEqual({ latency: 0.0001, errors: 0.5 })
  })

  it('on the final look, what is still undecided stays insufficient — never a pass', () => {
    const b = lognormal(74, 100, 50, 0.9)
    const c = lognormal(75, 100, 50, 0.9)
    const j = judgeCanary(config, look(b, c, 0, 0, 100, true))
    expect(j.stop).toBe(true)
    expect(j.metrics[0]!.outcome).toBe('insufficient-evidence')
    expect(j.verdict).toBe('inconclusive')
  })
})

describe('judgeCanary: input it cannot judge', () => {
  const code = (f: () => unknown) => {
    try {
      f()
    } catch (e) {
      return isRehearseError(e) ? e.code : 'not a RehearseError'
    }
    return 'no error'
  }
  it('rejects a metric listed twice, a negative tolerance, a bad quantile', () => {
    expect(code(() => judge([metric('a'), metric('a')], {}))).toBe('ANALYSIS_INVALID_CONFIG')
    expect(code(() => judge([metric('a', { tolerance: -0.1 })], {}))).toBe('ANALYSIS_INVALID_CONFIG')
    expect(code(() => judge([metric('a', { kind: 'quantile', quantile: 99 })], {}))).toBe('ANALYSIS_INVALID_CONFIG')
    expect(code(() => judge([metric('a')], {}, { thresholds: { pass: 50, marginal: 80 } }))).toBe(
      'ANALYSIS_INVALID_CONFIG',
    )
  })
  it('rejects data that does not fit the kind', () => {
    expect(code(() => judge([metric('a', { kind: 'rate' })], { a: { baseline: [1, 2, 3] } }))).toBe(
      'ANALYSIS_DATA_SHAPE',
    )
    expect(code(() => judge([metric('a', { kind: 'latency' })], { a: { baseline: rate(1, 2) } }))).toBe(
      'ANALYSIS_DATA_SHAPE',
    )
    expect(code(() => judge([metric('a', { kind: 'rate' })], { a: { baseline: rate(5, 2) } }))).toBe(
      'ANALYSIS_DATA_SHAPE',
    )
  })
})

describe('judgeCanary: sentences stay readable at the edges', () => {
  it('never print NaN, undefined or Infinity, whatever the data (300 random judgements)', () => {
    const r = seededRandom('edges')
    const kinds = ['latency', 'distribution', 'quantile', 'rate'] as const
    const directions = ['increase', 'decrease', 'either'] as const
    for (let i = 0; i < 300; i++) {
      const kind = kinds[r.int(4)]!
      const n = [0, 1, 5, 30, 300, 3000][r.int(6)]!
      const values = (scale: number) =>
        Array.from(
          { length: n },
          () =>
            (r.next() < 0.2 ? 0 : scale * Math.exp(r.normal())) * (kind === 'distribution' && r.next() < 0.3 ? -1 : 1),
        )
      const counts = () => {
        const trials = n * 10
        return { events: Math.min(trials, [0, 0, 1, 3, 40][r.int(5)]!), trials }
      }
      const side = () => (kind === 'rate' ? counts() : values(1 + r.next()))
      const j = judgeCanary(
        {
          sequential: r.next() < 0.3,
          metrics: [{ name: 'm', kind, direction: directions[r.int(3)]!, tolerance: [0, 0.1, 0.5][r.int(3)]! }],
        },
        { metrics: { m: { baseline: side(), candidate: side() } }, final: r.next() < 0.5 },
      )
      for (const text of [j.summary, ...j.reasons, ...j.metrics.map((m) => m.sentence)]) {
        expect(text).not.toMatch(/NaN|undefined|Infinity|null/)
        expect(text.endsWith('.')).toBe(true)
      }
    }
  })
})
