/**
 * @module analysis/hodges-lehmann
 * The Hodges–Lehmann shift estimate (median of all candidate − baseline differences) and its
 * confidence interval by inverting the Mann–Whitney test, as R's `wilcox.test(conf.int = TRUE)`.
 *
 * The n·m differences are never materialised: order statistics of the implicit sorted matrix
 * (row i = candidate[i] − baseline[·]) come from a randomized selection that narrows each row's
 * window of candidates around a pivot, counting in O(n + m) per step (Monahan's approach,
 * ACM TOMS Algorithm 616). Memory stays O(n + m); time is O((n + m) log(n·m)) expected.
 */
import { sortedFinite } from './descriptive.ts'
import { normalQuantile } from './normal-distribution.ts'
import { tieTermSorted } from './ranks.ts'
import { seededRandom } from './seeded-random.ts'
import type { ShiftEstimate, TestMethodChoice } from './types.ts'
import { EXACT_LIMIT, wilcoxonQuantile } from './wilcoxon-distribution.ts'

export type HodgesLehmannOptions = {
  /** Confidence level of the interval. Default 0.95. */
  confLevel?: number
  /** 'auto' (default): exact order statistics under 50 per side without ties, as R. */
  method?: TestMethodChoice
  /** Continuity correction of the normal approximation (default true, as R). */
  correct?: boolean
}

/** Hodges–Lehmann shift of candidate over baseline, with its interval. NaN values are dropped. */
export function hodgesLehmann(
  baseline: readonly number[],
  candidate: readonly number[],
  options: HodgesLehmannOptions = {},
): ShiftEstimate {
  return hodgesLehmannSorted(sortedFinite(baseline), sortedFinite(candidate), options)
}

/** As `hodgesLehmann`, for sorted samples without NaN. */
export function hodgesLehmannSorted(
  sortedBaseline: ArrayLike<number>,
  sortedCandidate: ArrayLike<number>,
  options: HodgesLehmannOptions = {},
): ShiftEstimate {
  const level = options.confLevel ?? 0.95
  const n = sortedBaseline.length
  const m = sortedCandidate.length
  if (n === 0 || m === 0) {
    return { estimate: Number.NaN, interval: { lower: Number.NaN, upper: Number.NaN, level }, method: 'normal' }
  }
  const mn = m * n
  const kth = pairwiseDifferenceSelector(sortedBaseline, sortedCandidate)
  let estimate: number
  if (mn % 2 === 1) estimate = kth((mn + 1) / 2)
  else {
    const low = kth(mn / 2)
    estimate = (low + smallestAbove(sortedBaseline, sortedCandidate, low, mn / 2)) / 2
  }
  const alpha = 1 - level
  const withinTies = tieTermSorted(sortedBaseline) + tieTermSorted(sortedCandidate)
  const choice = options.method ?? 'auto'
  const exact =
    choice === 'exact' ||
    (choice === 'auto' &&
      m < EXACT_LIMIT &&
      n < EXACT_LIMIT &&
      withinTies === 0 &&
      !hasCrossTies(sortedBaseline, sortedCandidate))

  if (exact) {
    let qu = wilcoxonQuantile(alpha / 2, m, n)
    if (qu === 0) qu = 1
    const ql = mn - qu
    return { estimate, interval: { lower: kth(qu), upper: kth(ql + 1), level }, method: 'exact' }
  }

  // Between jumps of U(d), only ties inside each sample remain, so σ is constant there and the
  // roots R's uniroot finds sit exactly on order statistics of the differences.
  const sigma = Math.sqrt((mn / 12) * (m + n + 1 - withinTies / ((m + n) * (m + n - 1))))
  const z = normalQuantile(1 - alpha / 2)
  const half = (options.correct ?? true) ? 0.5 : 0
  const clamp = (k: number) => Math.min(mn, Math.max(1, k))
  const lowerIndex = clamp(Math.ceil(mn / 2 - half - z * sigma - 1e-9))
  const upperIndex = clamp(Math.ceil(mn / 2 + half + z * sigma - 1e-9))
  return { estimate, interval: { lower: kth(lowerIndex), upper: kth(upperIndex), level }, method: 'normal' }
}

function hasCrossTies(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) return true
    if (a[i]! < b[j]!) i++
    else j++
  }
  return false
}

/**
 * The (k + 1)-th smallest difference given the k-th, v: v itself when more than k differences
 * are at most v, otherwise the least difference above v (one staircase walk, O(n + m)).
 */
function smallestAbove(
  sortedBaseline: ArrayLike<number>,
  sortedCandidate: ArrayLike<number>,
  v: number,
  k: number,
): number {
  const n = sortedBaseline.length
  let atMost = 0
  let next = Number.POSITIVE_INFINITY
  let j = n
  // Row i: candidate[i] − baseline[n − 1 − j'] ascending in j'; count entries ≤ v as j shrinks.
  for (let i = 0; i < sortedCandidate.length; i++) {
    const ci = sortedCandidate[i]!
    while (j > 0 && ci - sortedBaseline[n - j]! > v) j--
    atMost += j
    if (j < n) next = Math.min(next, ci - sortedBaseline[n - 1 - j]!)
  }
  return atMost > k ? v : next
}

/**
 * A function returning the k-th smallest (1-based) of the differences candidate[i] − baseline[j],
 * for sorted inputs, without building them.
 */
export function pairwiseDifferenceSelector(
  sortedBaseline: ArrayLike<number>,
  sortedCandidate: ArrayLike<number>,
): (k: number) => number {
  const m = sortedCandidate.length
  const n = sortedBaseline.length
  // Row i is a[i] + c[j] with c ascending, so every row is sorted and rows shift monotonically.
  const a = sortedCandidate
  const c = new Float64Array(n)
  for (let j = 0; j < n; j++) c[j] = -sortedBaseline[n - 1 - j]!
  const random = seededRandom(0x5eed)

  /** For each row, how many entries are below t (strict) or at most t. */
  const countRows = (t: number, strict: boolean, out: Int32Array): number => {
    let j = n
    let total = 0
    for (let i = 0; i < m; i++) {
      const ai = a[i]!
      if (strict) while (j > 0 && ai + c[j - 1]! >= t) j--
      else while (j > 0 && ai + c[j - 1]! > t) j--
      out[i] = j
      total += j
    }
    return total
  }

  return (k: number): number => {
    const lo = new Int32Array(m)
    const hi = new Int32Array(m).fill(n)
    const less = new Int32Array(m)
    const atMost = new Int32Array(m)
    let below = 0
    for (let guard = 0; guard < 10_000; guard++) {
      let active = 0
      for (let i = 0; i < m; i++) active += hi[i]! - lo[i]!
      if (active <= 2 * (m + n) + 64) {
        const rest = new Float64Array(active)
        let p = 0
        for (let i = 0; i < m; i++) for (let j = lo[i]!; j < hi[i]!; j++) rest[p++] = a[i]! + c[j]!
        return quickselect(rest, k - below - 1)
      }
      let r = random.int(active)
      let pivot = Number.NaN
      for (let i = 0; i < m; i++) {
        const width = hi[i]! - lo[i]!
        if (r < width) {
          pivot = a[i]! + c[lo[i]! + r]!
          break
        }
        r -= width
      }
      const l = countRows(pivot, true, less)
      const e = countRows(pivot, false, atMost)
      if (k <= l) {
        for (let i = 0; i < m; i++) hi[i] = Math.min(hi[i]!, less[i]!)
      } else if (k > e) {
        for (let i = 0; i < m; i++) lo[i] = Math.max(lo[i]!, atMost[i]!)
        below = e
      } else {
        return pivot
      }
    }
    throw new Error('pairwise difference selection did not converge')
  }
}

/** The k-th smallest (0-based) of `values`, rearranging them (Hoare's selection, median-of-three). */
export function quickselect(values: Float64Array, k: number): number {
  let left = 0
  let right = values.length - 1
  while (right > left) {
    const mid = (left + right) >>> 1
    // Median of three as pivot keeps sorted and reversed inputs linear.
    const x = values[left]!
    const y = values[mid]!
    const z = values[right]!
    const pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z))
    let i = left
    let j = right
    while (i <= j) {
      while (values[i]! < pivot) i++
      while (values[j]! > pivot) j--
      if (i <= j) {
        const t = values[i]!
        values[i] = values[j]!
        values[j] = t
        i++
        j--
      }
    }
    if (k <= j) right = j
    else if (k >= i) left = i
    else return values[k]!
  }
  return values[k]!
}
