import { describe, expect, it } from 'vitest'
import { quantileInverseCdf } from './descriptive.ts'
import { compareQuantiles, quantileBootstrapSampler } from './quantile-compare.ts'
import { seededRandom } from './seeded-random.ts'

const lognormal = (seed: number, n: number, mu: number, sigma: number) => {
  const r = seededRandom(seed)
  return Array.from({ length: n }, () => Math.exp(mu + sigma * r.normal()))
}

describe('quantile bootstrap by the order-statistic distribution', () => {
  it('draws the same distribution as resampling n values and taking the quantile', () => {
    const sample = Float64Array.from(lognormal(1, 40, 0, 1)).sort()
    const p = 0.9
    const draw = quantileBootstrapSampler(sample, p)
    const r = seededRandom(2)
    const runs = 20_000
    const direct = new Map<number, number>()
    const naive = new Map<number, number>()
    const resample = new Float64Array(sample.length)
    for (let i = 0; i < runs; i++) {
      const v = draw(r.next())
      direct.set(v, (direct.get(v) ?? 0) + 1)
      for (let j = 0; j < sample.length; j++) resample[j] = sample[r.int(sample.length)]!
      const q = quantileInverseCdf(resample.sort(), p)
      naive.set(q, (naive.get(q) ?? 0) + 1)
    }
    // Compare the two CDFs: the largest gap stays within Monte-Carlo noise (DKW at 99.9%: ~0.02).
    let cdfDirect = 0
    let cdfNaive = 0
    let gap = 0
    for (const v of sample) {
      cdfDirect += (direct.get(v) ?? 0) / runs
      cdfNaive += (naive.get(v) ?? 0) / runs
      gap = Math.max(gap, Math.abs(cdfDirect - cdfNaive))
    }
    expect(gap).toBeLessThan(0.02)
  })
})

describe('compareQuantiles', () => {
  const b = lognormal(3, 3000, 4, 0.5)
  const c = lognormal(4, 3000, 4 + Math.log(1.2), 0.5)

  it('is deterministic for a seed', () => {
    const one = compareQuantiles(b, c, { quantile: 0.95, seed: 7 })
    const two = compareQuantiles(b, c, { quantile: 0.95, seed: 7 })
    expect(two).toEqual(one)
    expect(compareQuantiles(b, c, { quantile: 0.95, seed: 8 }).interval).not.toEqual(one.interval)
  })

  it('finds a 20% rise of p95 and brackets it', () => {
    const q = compareQuantiles(b, c, { quantile: 0.95 })
    expect(q.relativeChange).toBeGreaterThan(0.1)
    expect(q.interval.lower).toBeGreaterThan(0.05)
    expect(q.interval.upper).toBeGreaterThan(0.2)
    expect(q.pValue).toBeLessThan(1e-4)
    expect(q.exceedances.baseline + q.exceedances.candidate).toBe(300)
  })

  it('covers the true ratio about as often as it claims (300 runs)', () => {
    const r = seededRandom(5)
    let covered = 0
    const runs = 300
    for (let i = 0; i < runs; i++) {
      const bb = Array.from({ length: 800 }, () => Math.exp(r.normal() * 0.5))
      const cc = Array.from({ length: 800 }, () => 1.2 * Math.exp(r.normal() * 0.5))
      const q = compareQuantiles(bb, cc, { quantile: 0.9, resamples: 500, seed: i })
      if (q.interval.lower <= 0.2 && 0.2 <= q.interval.upper) covered++
    }
    // Nominal 95%; a percentile bootstrap of a quantile runs a little under it at n = 800.
    expect(covered / runs).toBeGreaterThan(0.88)
  })

  it('the exceedance test is Fisher’s on the counts above the pooled quantile', () => {
    const base = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    const cand = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    const q = compareQuantiles(base, cand, { quantile: 0.5 })
    expect(q.exceedances).toEqual({ baseline: 0, candidate: 10, threshold: 10 })
    // R: fisher.test(matrix(c(10, 0, 0, 10), 2))$p.value = 1.082509e-05
    expect(q.pValue).toBeCloseTo(1.0825088224469026e-5, 12)
  })
})
