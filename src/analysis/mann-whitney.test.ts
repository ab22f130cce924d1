import { describe, expect, it } from 'vitest'
import { mannWhitneyU } from './mann-whitney.ts'
import { seededRandom } from './seeded-random.ts'
import { wilcoxonCdf, wilcoxonQuantile, wilcoxonSf } from './wilcoxon-distribution.ts'

// Hollander & Wolfe's example from R's ?wilcox.test (x: candidate, y: baseline).
const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
const y = [1.15, 0.88, 0.9, 0.74, 1.21]
// A small tied sample (a: baseline, b: candidate).
const a = [1, 2, 2, 3, 3, 3, 4, 5]
const b = [2, 3, 4, 4, 5, 5, 6]

/**
 * Larger samples, generated here and written out to R (rounded as below) to get the reference
 * values: wilcox.test(candidate, baseline) in R 4.2.2.
 */
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
  const disc = {
    b: Array.from({ length: 300 }, () => Math.floor(20 * r.next())),
    c: Array.from({ length: 250 }, () => Math.floor(22 * r.next())),
  }
  return { med, big, disc }
}

describe('mannWhitneyU against R wilcox.test and scipy mannwhitneyu', () => {
  it('small samples without ties use the exact distribution (R: W = 35, p = 0.2544; scipy U1 = 35)', () => {
    const r = mannWhitneyU(y, x)
    expect(r.method).toBe('exact')
    expect(r.u).toBe(35)
    expect(r.pValue).toBeCloseTo(0.254412254412254, 14)
    expect(mannWhitneyU(y, x, { alternative: 'greater' }).pValue).toBeCloseTo(0.127206127206127, 14)
  })

  it('a second exact case (R and scipy: W = 37, two-sided 0.022144522144522144, greater 0.011072261072261072)', () => {
    const c = [3.1, 4.7, 2.2, 5.9, 6.3, 4.4, 5.1]
    const d = [1.2, 2.8, 3.3, 1.9, 2.5, 3.0]
    expect(mannWhitneyU(d, c).u).toBe(37)
    expect(mannWhitneyU(d, c).pValue).toBeCloseTo(0.022144522144522144, 15)
    expect(mannWhitneyU(d, c, { alternative: 'greater' }).pValue).toBeCloseTo(0.011072261072261072, 15)
    expect(mannWhitneyU(d, c, { alternative: 'less' }).pValue).toBeGreaterThan(0.98)
  })

  it('ties switch to the normal approximation with tie and continuity correction', () => {
    const r = mannWhitneyU(a, b)
    expect(r.method).toBe('normal')
    expect(r.u).toBe(42.5)
    expect(r.pValue).toBeCloseTo(0.0983349877585014, 14) // R and scipy (asymptotic)
    expect(mannWhitneyU(a, b, { alternative: 'less' }).pValue).toBeCloseTo(0.961723782725076, 14) // R
    expect(mannWhitneyU(a, b, { alternative: 'greater' }).pValue).toBeCloseTo(0.0491674938792507, 14) // scipy
    expect(mannWhitneyU(a, b, { correct: false }).pValue).toBeCloseTo(0.0868939545966513, 14) // R correct = FALSE
  })

  it('matches R on larger continuous, log-normal and heavily tied samples', () => {
    const { med, big, disc } = referenceSamples()
    const m = mannWhitneyU(med.b, med.c)
    expect(m.u).toBe(2227)
    expect(m.pValue).toBeCloseTo(0.0012475473820127, 14)
    const g = mannWhitneyU(big.b, big.c)
    expect(g.u).toBe(1532097)
    expect(g.pValue).toBeCloseTo(0.277963811277166, 13)
    const t = mannWhitneyU(disc.b, disc.c)
    expect(t.u).toBe(38904)
    expect(t.pValue).toBeCloseTo(0.448923665760405, 13)
  })

  it('is symmetric: swapping the samples mirrors U and keeps the two-sided p', () => {
    const r1 = mannWhitneyU(a, b)
    const r2 = mannWhitneyU(b, a)
    expect(r1.u + r2.u).toBe(a.length * b.length)
    expect(r2.pValue).toBeCloseTo(r1.pValue, 14)
  })

  it('drops NaN, and reports NaN for an empty side', () => {
    expect(mannWhitneyU([...y, Number.NaN], x).u).toBe(35)
    expect(mannWhitneyU([], x).pValue).toBeNaN()
    expect(mannWhitneyU([5, 5, 5], [5, 5]).pValue).toBe(1)
  })
})

describe('exact Wilcoxon distribution (R dwilcox/pwilcox/qwilcox)', () => {
  it('sums to one and is symmetric', () => {
    expect(wilcoxonCdf(10 * 12, 10, 12)).toBe(1)
    for (let q = 0; q <= 60; q++) expect(wilcoxonCdf(q, 10, 12)).toBeCloseTo(wilcoxonSf(120 - q, 10, 12), 14)
  })

  it('gives R’s critical values (qwilcox(0.025, m, n))', () => {
    // qwilcox(0.025, c(5, 10, 20), c(5, 10, 20)) in R: 3 24 128
    expect(wilcoxonQuantile(0.025, 5, 5)).toBe(3)
    expect(wilcoxonQuantile(0.025, 10, 10)).toBe(24)
    expect(wilcoxonQuantile(0.025, 20, 20)).toBe(128)
  })

  it('keeps precision in the far tail (P(U = 0) = 1 / C(98, 49))', () => {
    expect(wilcoxonCdf(0, 49, 49)).toBeCloseTo(1 / 2.5477612258980968e28, 40)
    expect(wilcoxonCdf(0, 49, 49) * 2.5477612258980968e28).toBeCloseTo(1, 10)
  })
})
