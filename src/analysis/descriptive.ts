/**
 * @module analysis/descriptive
 * Descriptive statistics the judge reports next to its tests: sorted copies, quantiles, means.
 * Quantiles come in two flavours: `quantileSorted` interpolates (R's default, type 7) for the
 * figures people read; `quantileInverseCdf` is the inverse empirical CDF (type 1), which is what
 * HdrHistogram reports and what the quantile comparison bootstraps.
 */

/** A sorted (ascending) copy, without NaN. */
export function sortedFinite(values: readonly number[]): Float64Array {
  let n = 0
  for (const v of values) if (!Number.isNaN(v)) n++
  const out = new Float64Array(n)
  let i = 0
  for (const v of values) if (!Number.isNaN(v)) out[i++] = v
  return out.sort()
}

/** The p-quantile of sorted data by linear interpolation (R type 7). NaN when empty. */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const h = (n - 1) * p
  const lo = Math.floor(h)
  const hi = Math.min(n - 1, lo + 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/** The p-quantile as the inverse empirical CDF: the ⌈p·n⌉-th smallest value (R type 1). */
export function quantileInverseCdf(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  return sorted[inverseCdfIndex(n, p)]!
}

/** The 0-based index of the type-1 p-quantile in a sorted sample of n. */
export function inverseCdfIndex(n: number, p: number): number {
  // Guard against p·n landing a hair above an integer through rounding.
  const k = Math.ceil(p * n - 1e-9)
  return Math.min(n - 1, Math.max(0, k - 1))
}

/** Median of sorted data (type 7). */
export function median(sorted: ArrayLike<number>): number {
  return quantileSorted(sorted, 0.5)
}

/** Arithmetic mean; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i]!
  return s / values.length
}

/** Sample standard deviation (n − 1). */
export function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length
  if (n < 2) return Number.NaN
  const m = mean(values)
  let s = 0
  for (let i = 0; i < n; i++) s += (values[i]! - m) ** 2
  return Math.sqrt(s / (n - 1))
}
