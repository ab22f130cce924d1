import { describe, expect, it } from 'vitest'
import { hodgesLehmann, pairwiseDifferenceSelector } from './hodges-lehmann.ts'
import { seededRandom } from './seeded-random.ts'

const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
const y = [1.15, 0.88, 0.9, 0.74, 1.21]

/** Same generator as mann-whitney.test.ts; R's values come from these samples written to files. */
function referenceSamples() {
  const r = seededRandom(42)
  const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d
  const med = {
    b: Array.from({ length: 60 }, () => round(100 + 15 * r.normal(), 3)),
    c: Array.from({ length: 55 }, () => round(108 + 15 * r.normal(), 3)),
  }
  const big = {
    b: Array.from({ length: 2000 }, () => round(Math.exp(4 + 0.5 * r.normal()), 2)),
    c: Array.from({ length: 1500 }, () => round(Math.exp(4.05 + 0.5 * r.normal()), 2)),
  }
  return { med, big }
}

describe('hodgesLehmann against R wilcox.test(conf.int = TRUE), R 4.2.2', () => {
  it('exact interval for small samples without ties (R: 0.305, [-0.15, 0.76])', () => {
    const r = hodgesLehmann(y, x)
    expect(r.method).toBe('exact')
    expect(r.estimate).toBeCloseTo(0.305, 12)
    expect(r.interval.lower).toBeCloseTo(-0.15, 12)
    expect(r.interval.upper).toBeCloseTo(0.76, 12)
    const r90 = hodgesLehmann(y, x, { confLevel: 0.9 }) // R: [-0.08, 0.72]
    expect(r90.interval.lower).toBeCloseTo(-0.08, 12)
    expect(r90.interval.upper).toBeCloseTo(0.72, 12)
  })

  it('a second exact case (R: estimate 2.15, 95% CI [0.3, 3.5])', () => {
    const r = hodgesLehmann([1.2, 2.8, 3.3, 1.9, 2.5, 3.0], [3.1, 4.7, 2.2, 5.9, 6.3, 4.4, 5.1])
    expect(r.estimate).toBeCloseTo(2.15, 12)
    expect(r.interval.lower).toBeCloseTo(0.3, 12)
    expect(r.interval.upper).toBeCloseTo(3.5, 12)
  })

  // With ties or 50+ per side R finds the interval with uniroot(tol = 1e-4) on a step function;
  // the roots are order statistics of the differences, which is what we return exactly.
  it('normal-approximation interval with ties matches R within its uniroot tolerance', () => {
    const r = hodgesLehmann([1, 2, 2, 3, 3, 3, 4, 5], [2, 3, 4, 4, 5, 5, 6])
    expect(r.method).toBe('normal')
    expect(r.interval.lower).toBeCloseTo(-4.58962880836716e-5, 3) // R: -4.59e-5, i.e. 0
    expect(r.interval.upper).toBeCloseTo(2.999995434456, 3) // R: 3
    expect(r.estimate).toBe(1) // R: median(outer(b, a, '-')) = 1
  })

  it('matches R on 55×60 and 1500×2000 samples (the latter without building 3 million differences)', () => {
    const { med, big } = referenceSamples()
    const m = hodgesLehmann(med.b, med.c)
    expect(m.estimate).toBeCloseTo(11.008, 10) // R: median(outer(cc, bb, '-'))
    expect(m.interval.lower).toBeCloseTo(4.58497511423866, 3)
    expect(m.interval.upper).toBeCloseTo(17.5090200014774, 3)
    const g = hodgesLehmann(big.b, big.c)
    expect(g.estimate).toBeCloseTo(0.979999999999997, 9)
    expect(g.interval.lower).toBeCloseTo(-0.789948647270055, 3)
    expect(g.interval.upper).toBeCloseTo(2.74001923229631, 3)
    const l = hodgesLehmann(big.b.map(Math.log), big.c.map(Math.log))
    expect(l.estimate).toBeCloseTo(0.01889677008448, 12)
    expect(l.interval.lower).toBeCloseTo(-0.0151591123973078, 4)
    expect(l.interval.upper).toBeCloseTo(0.0527409220936009, 4)
  })

  it('matches R at 98% with the continuity correction (the interval Kayenta uses)', () => {
    const c = [12.1, 14.3, 11.8, 15.2, 13.9, 16.4, 12.7, 14.8, 13.3, 15.9, 14.1, 17.2]
    const b = [11.2, 12.9, 10.8, 13.1, 12.2, 11.9, 13.4, 12.5, 11.1, 12.8, 13.0, 12.0]
    const r = hodgesLehmann(b, c, { confLevel: 0.98, method: 'normal', correct: true })
    expect(r.interval.lower).toBeCloseTo(0.5999368705182504, 3) // R: exact = FALSE, correct = TRUE
    expect(r.interval.upper).toBeCloseTo(3.5999170356071781, 3)
  })
})

describe('pairwise difference selection', () => {
  it('returns every order statistic of the n·m differences, ties included', () => {
    const r = seededRandom(9)
    for (const [n, m] of [
      [1, 1],
      [3, 40],
      [37, 29],
      [120, 80],
    ] as const) {
      const b = Float64Array.from({ length: n }, () => Math.round(r.normal() * 5)).sort()
      const c = Float64Array.from({ length: m }, () => Math.round(r.normal() * 5 + 1)).sort()
      const all: number[] = []
      for (const ci of c) for (const bj of b) all.push(ci - bj)
      all.sort((p, q) => p - q)
      const kth = pairwiseDifferenceSelector(b, c)
      for (let k = 1; k <= all.length; k += Math.max(1, Math.floor(all.length / 97))) expect(kth(k)).toBe(all[k - 1])
      expect(kth(all.length)).toBe(all[all.length - 1])
    }
  })

  it('handles 100,000 × 100,000 (10¹⁰ differences) in memory proportional to n + m', () => {
    const r = seededRandom(3)
    const b = Float64Array.from({ length: 100_000 }, () => r.normal()).sort()
    const c = Float64Array.from({ length: 100_000 }, () => r.normal() + 0.25).sort()
    const est = hodgesLehmann(Array.from(b), Array.from(c))
    expect(est.estimate).toBeGreaterThan(0.23)
    expect(est.estimate).toBeLessThan(0.27)
    expect(est.interval.lower).toBeLessThan(est.estimate)
    expect(est.interval.upper).toBeGreaterThan(est.estimate)
  })
})
