/**
 * @module analysis/mann-whitney
 * The Mann–Whitney U test (Wilcoxon rank-sum), computed the way R's `wilcox.test` does: the exact
 * null distribution for samples under 50 without ties, otherwise the normal approximation with
 * the tie-corrected variance and a continuity correction. U counts the pairs in which the
 * candidate is larger than the baseline (ties count one half), so it equals R's W for
 * `wilcox.test(candidate, baseline)` and scipy's U1 for `mannwhitneyu(candidate, baseline)`.
 */
import { sortedFinite } from './descriptive.ts'
import { normalCdf, normalSf } from './normal-distribution.ts'
import type { Alternative, MannWhitneyResult, TestMethodChoice } from './types.ts'
import { EXACT_LIMIT, wilcoxonCdf, wilcoxonSf } from './wilcoxon-distribution.ts'

export type MannWhitneyOptions = {
  /** 'greater': the candidate tends to be larger than the baseline. Default 'two-sided'. */
  alternative?: Alternative
  /** 'auto' (default): exact when both samples are under 50 and there are no ties. */
  method?: TestMethodChoice
  /** Continuity correction of the normal approximation (default true, as in R). */
  correct?: boolean
}

/** Mann–Whitney U test of candidate against baseline. NaN values are dropped. */
export function mannWhitneyU(
  baseline: readonly number[],
  candidate: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  return mannWhitneySorted(sortedFinite(baseline), sortedFinite(candidate), options)
}

/** The counts U is made of, from two sorted samples: one merge, no ranking of the union. */
export function rankSumCounts(
  sortedBaseline: ArrayLike<number>,
  sortedCandidate: ArrayLike<number>,
): { u: number; tieTerm: number } {
  const n = sortedBaseline.length
  const m = sortedCandidate.length
  let u = 0
  let tieTerm = 0
  let i = 0
  let j = 0
  // Walk both sorted arrays in step, one distinct value at a time.
  while (i < n || j < m) {
    const b = i < n ? sortedBaseline[i]! : Number.POSITIVE_INFINITY
    const c = j < m ? sortedCandidate[j]! : Number.POSITIVE_INFINITY
    const v = Math.min(b, c)
    let tb = 0
    let tc = 0
    while (i < n && sortedBaseline[i] === v) {
      i++
      tb++
    }
    while (j < m && sortedCandidate[j] === v) {
      j++
      tc++
    }
    // Each candidate at v beats the i − tb baseline values below v and ties tb of them.
    u += tc * (i - tb) + 0.5 * tc * tb
    const t = tb + tc
    if (t > 1) tieTerm += t * t * t - t
  }
  return { u, tieTerm }
}

/** As `mannWhitneyU`, for samples already sorted ascending and free of NaN. */
export function mannWhitneySorted(
  sortedBaseline: ArrayLike<number>,
  sortedCandidate: ArrayLike<number>,
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const alternative = options.alternative ?? 'two-sided'
  const correct = options.correct ?? true
  const n = sortedBaseline.length
  const m = sortedCandidate.length
  const base = { nBaseline: n, nCandidate: m }
  if (n === 0 || m === 0) {
    return { ...base, u: Number.NaN, probabilityIndex: Number.NaN, z: Number.NaN, pValue: Number.NaN, method: 'normal' }
  }
  const { u, tieTerm } = rankSumCounts(sortedBaseline, sortedCandidate)
  const mn = m * n
  const probabilityIndex = u / mn
  const choice = options.method ?? 'auto'
  const exact = choice === 'exact' || (choice === 'auto' && m < EXACT_LIMIT && n < EXACT_LIMIT && tieTerm === 0)

  const centred = u - mn / 2
  const sigma = Math.sqrt((mn / 12) * (m + n + 1 - tieTerm / ((m + n) * (m + n - 1))))
  let correction = 0
  if (correct)
    correction = alternative === 'two-sided' ? Math.sign(centred) * 0.5 : alternative === 'greater' ? 0.5 : -0.5
  const z = sigma > 0 ? (centred - correction) / sigma : 0

  let pValue: number
  if (exact) {
    const upper = () => wilcoxonSf(u, m, n)
    const lower = () => wilcoxonCdf(u, m, n)
    if (alternative === 'greater') pValue = upper()
    else if (alternative === 'less') pValue = lower()
    else pValue = Math.min(1, 2 * (u > mn / 2 ? upper() : lower()))
  } else if (sigma === 0) {
    pValue = 1 // every value tied: the data cannot tell the samples apart
  } else if (alternative === 'greater') pValue = normalSf(z)
  else if (alternative === 'less') pValue = normalCdf(z)
  else pValue = Math.min(1, 2 * Math.min(normalCdf(z), normalSf(z)))

  return { ...base, u, probabilityIndex, z, pValue, method: exact ? 'exact' : 'normal' }
}
