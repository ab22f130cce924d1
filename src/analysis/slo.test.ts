import { describe, expect, it } from 'vitest'
import { isRehearseError } from '../core/errors.ts'
import { burnRateWindows } from './burn-rate.ts'
import { availabilitySli, customSli, latencySli, sliTotals } from './sli.ts'
import { attainmentInterval, evaluateSlo } from './slo.ts'
import type { SliPoint } from './types.ts'

/** One bucket per second, `rps` requests each, `errors(t)` of them bad. */
const series = (seconds: number, rps: number, errors: (t: number) => number): SliPoint[] =>
  Array.from({ length: seconds }, (_, t) => ({ at: t * 1000, good: rps - errors(t), valid: rps }))

describe('attainment interval (Clopper–Pearson) against R binom.test', () => {
  it('matches binom.test(x, n)$conf.int', () => {
    const a = attainmentInterval(9990, 10000)
    expect(a.lower).toBeCloseTo(0.99816173586578938, 12)
    expect(a.upper).toBeCloseTo(0.99952036027622893, 12)
    expect(attainmentInterval(10000, 10000).lower).toBeCloseTo(0.99963118008538121, 12)
    expect(attainmentInterval(10000, 10000).upper).toBe(1)
    expect(attainmentInterval(0, 50).upper).toBeCloseTo(0.071121736464197616, 12)
  })
})

describe('burn-rate windows scaled to the rehearsal', () => {
  it('scales 1h/5m and 6h/30m so that 6h is the whole run', () => {
    const w = burnRateWindows(availabilitySli(series(600, 100, () => 0)), 0.999)
    expect(w.map((x) => [x.scaledLongMs, Math.round(x.scaledShortMs)])).toEqual([
      [100_000, 8333],
      [600_000, 50_000],
    ])
    expect(w.every((x) => !x.firing && x.longBurn === 0)).toBe(true)
  })

  it('a steady 2% error rate burns 20×: both pages fire; 0.8% burns 8×: only the 6× page', () => {
    const hot = burnRateWindows(availabilitySli(series(600, 100, () => 2)), 0.999)
    expect(hot.map((x) => x.firing)).toEqual([true, true])
    expect(hot[0]!.longBurn).toBeCloseTo(20, 9)
    const warm = burnRateWindows(availabilitySli(series(600, 1000, () => 8)), 0.999)
    expect(warm.map((x) => x.firing)).toEqual([false, true])
    expect(warm[1]!.longBurn).toBeCloseTo(8, 9)
  })

  it('needs both windows: a one-second burst alone does not page, a 100-second one does', () => {
    const burst = burnRateWindows(availabilitySli(series(600, 100, (t) => (t === 300 ? 50 : 0))), 0.999)
    expect(burst[0]!.shortBurn).toBeGreaterThan(14.4)
    expect(burst[0]!.longBurn).toBeLessThan(14.4)
    expect(burst[0]!.firing).toBe(false)
    const long = burnRateWindows(availabilitySli(series(600, 100, (t) => (t >= 300 && t < 400 ? 5 : 0))), 0.999)
    expect(long[0]!.firing).toBe(true)
  })
})

describe('evaluateSlo', () => {
  const slo = { name: 'availability', objective: 0.999 }

  it('passes when the interval clears the objective and nothing would page', () => {
    const j = evaluateSlo(
      slo,
      availabilitySli(series(600, 50, (t) => (t % 200 === 0 ? 1 : 0))),
      availabilitySli(series(600, 50, () => 0)),
    )
    expect(j.status).toBe('pass')
    expect(j.sentence).toBe(
      'availability: candidate 99.99% (95% CI 99.971%–99.9979%) against the 99.9% objective, burning its error budget at 0.10× (baseline 100% at 0.00×; no significant difference, p = 0.25); no burn-rate alert would have fired, so the SLO holds.',
    )
  })

  it('fails a breach that is the candidate’s own, naming the alert that would have paged', () => {
    const j = evaluateSlo(
      slo,
      availabilitySli(series(600, 50, (t) => (t > 400 && t < 480 ? 3 : 0))),
      availabilitySli(series(600, 50, () => 0)),
    )
    expect(j.status).toBe('fail')
    expect(j.sentence).toMatch(
      /^availability: candidate 99\.2\d% .+ against the 99\.9% objective, burning its error budget at 7\.\d× \(baseline 100% at 0\.00×; the candidate is worse, p < 0\.0001\); the 14\.4× page over 1m40s and 8\.33s \(scaled from 1h\/5m\) would have fired, so the SLO fails\.$/,
    )
  })

  it('does not blame the candidate when the baseline breaches alike', () => {
    const j = evaluateSlo(slo, availabilitySli(series(600, 50, () => 1)), availabilitySli(series(600, 50, () => 1)))
    expect(j.status).toBe('inconclusive')
    expect(j.sentence).toMatch(
      /but the baseline breaches it alike, so the environment rather than the candidate may be at fault\.$/,
    )
  })

  it('is inconclusive with too little traffic, and says how much would settle it', () => {
    const j = evaluateSlo(slo, availabilitySli(series(60, 20, () => 0)))
    expect(j.status).toBe('inconclusive')
    expect(j.sentence).toMatch(
      /too few requests to show the objective is met \(about 3,700 requests at this rate would\)\.$/,
    )
  })

  it('judges a latency SLI built from requests, and a custom SLI from a series', () => {
    const requests = Array.from({ length: 5000 }, (_, i) => ({ at: i * 10, latencyMs: i % 50 === 0 ? 900 : 120 }))
    const sli = latencySli(requests, 300)
    expect(sliTotals(sli)).toEqual({ good: 4900, valid: 5000 })
    const j = evaluateSlo({ name: 'latency', objective: 0.99, thresholdMs: 300 }, sli)
    expect(j.status).toBe('fail')
    expect(j.sentence.startsWith('latency (requests under 300 ms): candidate 98% ')).toBe(true)
    const custom = customSli(
      [
        { at: 0, value: 3 },
        { at: 1000, value: 12 },
        { at: 2000, value: 4 },
      ],
      { threshold: 10 },
    )
    expect(sliTotals(custom)).toEqual({ good: 2, valid: 3 })
    expect(customSli([{ at: 0, value: 0.9 }], { threshold: 0.8, good: 'above' }).points[0]!.good).toBe(1)
  })

  it('no data is its own status, and an objective of 100% is refused', () => {
    expect(evaluateSlo(slo, availabilitySli([])).status).toBe('no-data')
    try {
      evaluateSlo({ name: 'x', objective: 1 }, availabilitySli([]))
      expect.unreachable()
    } catch (e) {
      expect(isRehearseError(e) && e.code).toBe('ANALYSIS_INVALID_CONFIG')
    }
  })
})
