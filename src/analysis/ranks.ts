/**
 * @module analysis/ranks
 * Ranks with ties (average ranks, as R's `rank` and scipy's `rankdata` give by default) and the
 * tie term Σ(t³ − t) that corrects the variance of rank statistics.
 */

export type Ranking = {
  /** 1-based average ranks, in the order of the input. */
  ranks: Float64Array
  /** Σ(t³ − t) over groups of t tied values (0 without ties). */
  tieTerm: number
  /** Whether any two values are equal. */
  hasTies: boolean
}

/** Average ranks of the values (NaN is not allowed: filter it first). */
export function rankWithTies(values: ArrayLike<number>): Ranking {
  const n = values.length
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  order.sort((a, b) => values[a]! - values[b]!)
  const ranks = new Float64Array(n)
  let tieTerm = 0
  let i = 0
  while (i < n) {
    let j = i
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++
    const t = j - i + 1
    const avg = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg
    if (t > 1) tieTerm += t * t * t - t
    i = j + 1
  }
  return { ranks, tieTerm, hasTies: tieTerm > 0 }
}

/** Σ(t³ − t) over tied groups of a sorted array. */
export function tieTermSorted(sorted: ArrayLike<number>): number {
  let term = 0
  let i = 0
  const n = sorted.length
  while (i < n) {
    let j = i
    while (j + 1 < n && sorted[j + 1] === sorted[i]) j++
    const t = j - i + 1
    if (t > 1) term += t * t * t - t
    i = j + 1
  }
  return term
}
