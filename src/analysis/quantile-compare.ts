/**
 * @module analysis/quantile-compare
 * Comparison of one quantile (p99, p95…) between baseline and candidate.
 *
 * Interval: a nonparametric bootstrap of the inverse-ECDF quantile. A resample's k-th order
 * statistic has a known distribution over the sorted sample — P(X*₍ₖ₎ ≤ x₍ⱼ₎) = P(Bin(n, j/n) ≥ k)
 * — so each bootstrap replicate is drawn directly from it (one uniform and a binary search)
 * instead of resampling n values: the same distribution as the textbook bootstrap, at a cost
 * independent of n. Draws come from a seeded generator, so the interval is reproducible.
 *
 * Test: under "same distribution", which pooled values fall above the pooled quantile is a
 * random split, so Fisher's exact test on the exceedance counts is an exact permutation test of
 * equal tails (Mood's median test, generalised to any quantile).
 */
import { inverseCdfIndex, quantileSorted, sortedFinite } from './descriptive.ts'
import { fisherExact } from './proportion-test.ts'
import { seededRandom } from './seeded-random.ts'
import { regularizedBeta } from './special-functions.ts'
import type { QuantileComparison } from './types.ts'

export type QuantileCompareOptions = {
  /** Which quantile, in (0, 1). Default 0.99. */
  quantile?: number
  /** Confidence level. Default 0.95. */
  level?: number
  /** Bootstrap replicates. Default 2000. */
  resamples?: number
  seed?: number
}

/** Compare the `quantile` of candidate against baseline. NaN values are dropped. */
export function compareQuantiles(
  baseline: readonly number[],
  candidate: readonly number[],
  options: QuantileCompareOptions = {},
): QuantileComparison {
  return compareQuantilesSorted(sortedFinite(baseline), sortedFinite(candidate), options)
}

/** As `compareQuantiles`, for sorted samples without NaN. */
export function compareQuantilesSorted(
  b: Float64Array,
  c: Float64Array,
  options: QuantileCompareOptions = {},
): QuantileComparison {
  const p = options.quantile ?? 0.99
  const level = options.level ?? 0.95
  const resamples = options.resamples ?? 2000
  const random = seededRandom(options.seed ?? 1)
  const qb = b.length ? b[inverseCdfIndex(b.length, p)]! : Number.NaN
  const qc = c.length ? c[inverseCdfIndex(c.length, p)]! : Number.NaN
  const relative = (x: number, y: number) => (x - y) / Math.abs(y)

  const drawB = quantileBootstrapSampler(b, p)
  const drawC = quantileBootstrapSampler(c, p)
  const changes = new Float64Array(resamples)
  let logSum = 0
  let logSquares = 0
  let positive = true
  for (let r = 0; r < resamples; r++) {
    const vb = drawB(random.next())
    const vc = drawC(random.next())
    changes[r] = relative(vc, vb)
    if (vb > 0 && vc > 0) {
      const l = Math.log(vc / vb)
      logSum += l
      logSquares += l * l
    } else positive = false
  }
  changes.sort()
  const a = 1 - level
  const logMean = logSum / resamples
  const logVariance = (logSquares - resamples * logMean * logMean) / (resamples - 1)

  // The exceedance test against the pooled quantile.
  const pooled = new Float64Array(b.length + c.length)
  pooled.set(b)
  pooled.set(c, b.length)
  pooled.sort()
  const threshold = pooled.length ? pooled[inverseCdfIndex(pooled.length, p)]! : Number.NaN
  const above = (s: Float64Array) => s.length - upperBound(s, threshold)
  const exceedances = { baseline: above(b), candidate: above(c), threshold }
  const test = fisherExact(
    { events: exceedances.baseline, trials: b.length },
    { events: exceedances.candidate, trials: c.length },
  )
  return {
    quantile: p,
    baseline: qb,
    candidate: qc,
    relativeChange: relative(qc, qb),
    interval: { lower: quantileSorted(changes, a / 2), upper: quantileSorted(changes, 1 - a / 2), level },
    logRatioStandardError: positive ? Math.sqrt(Math.max(0, logVariance)) : Number.NaN,
    pValue: test.pValue,
    exceedances,
  }
}

/** Index of the first element greater than v in a sorted array. */
function upperBound(sorted: Float64Array, v: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= v) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * A function mapping a uniform u to a draw of the bootstrap distribution of the type-1
 * p-quantile of `sorted`. Only a window of ±8 standard deviations of order statistics carries
 * probability mass above 1e-15, so only that window is tabulated.
 */
export function quantileBootstrapSampler(sorted: Float64Array, p: number): (u: number) => number {
  const n = sorted.length
  if (n === 0) return () => Number.NaN
  const k = inverseCdfIndex(n, p) + 1 // 1-based rank of the quantile
  const spread = Math.ceil(8 * Math.sqrt(n * p * (1 - p))) + 2
  const from = Math.max(1, k - spread)
  const to = Math.min(n, k + spread)
  // cdf[i] = P(X*(k) ≤ sorted[from − 1 + i − 1]); cdf at from − 1 is the mass below the window.
  const cdf = new Float64Array(to - from + 2)
  for (let j = from - 1; j <= to; j++)
    cdf[j - from + 1] = j === 0 ? 0 : j === n ? 1 : regularizedBeta(j / n, k, n - k + 1)
  const low = cdf[0]!
  const high = cdf[cdf.length - 1]!
  return (u: number): number => {
    const target = low + u * (high - low)
    let lo = 1
    let hi = cdf.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! > target) hi = mid
      else lo = mid + 1
    }
    return sorted[from - 1 + lo - 1]!
  }
}
