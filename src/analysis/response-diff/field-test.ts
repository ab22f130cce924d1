/**
 * @module analysis/response-diff/field-test
 * The test behind every diff finding. For one field across n replayed requests we know, per
 * request, whether primary ≠ secondary (noise) and whether primary ≠ candidate. Secondary and
 * candidate answered the same request, so the pairs are matched: under "the candidate behaves
 * like the baseline" the two discordant kinds — candidate-only (b) and noise-only (c) — are equally
 * likely, and b given b + c is Binomial(b + c, ½). The one-sided exact McNemar (sign) test asks
 * whether b is too large. Fisher's exact test on the two rates (unpaired, more conservative) is
 * the alternative. Across fields, false discoveries are controlled by Benjamini–Hochberg after
 * Tarone's screen for discrete tests (Gilbert 2005): a field with too few discordant requests to
 * ever reach significance does not dilute the others.
 */
import { adjustPValues } from '../multiple-testing.ts'
import { fisherExact } from '../proportion-test.ts'
import { regularizedBeta } from '../special-functions.ts'

export const FIELD_TESTS = ['paired', 'fisher'] as const
export type FieldTest = (typeof FIELD_TESTS)[number]

/** Per-field counts across the requests of one endpoint. */
export type FieldCounts = {
  /** Requests in which the field appeared in at least one of the three responses. */
  n: number
  /** Requests with primary ≠ secondary. */
  noise: number
  /** Requests with primary ≠ candidate. */
  candidate: number
  /** Requests with primary ≠ candidate but primary = secondary. */
  candidateOnly: number
  /** Requests with primary ≠ secondary but primary = candidate. */
  noiseOnly: number
}

/** One-sided p-value (the candidate differs more often than noise) and the smallest p these margins allow. */
export function fieldPValue(counts: FieldCounts, test: FieldTest): { pValue: number; minAttainable: number } {
  if (test === 'fisher') {
    const events = counts.noise + counts.candidate
    if (events === 0 || counts.n === 0) return { pValue: 1, minAttainable: 1 }
    const p = (candidate: number, noise: number) =>
      fisherExact(
        { events: noise, trials: counts.n },
        { events: candidate, trials: counts.n },
        { alternative: 'greater' },
      ).pValue
    const extreme = Math.min(counts.n, events)
    return { pValue: p(counts.candidate, counts.noise), minAttainable: p(extreme, events - extreme) }
  }
  return signTest(counts.candidateOnly, counts.noiseOnly)
}

/** Exact one-sided McNemar: P(X ≥ b) for X ~ Binomial(b + c, ½), which is I_½(b, c + 1). */
export function signTest(b: number, c: number): { pValue: number; minAttainable: number } {
  const n = b + c
  if (n === 0) return { pValue: 1, minAttainable: 1 }
  const minAttainable = 0.5 ** n
  if (b === 0) return { pValue: 1, minAttainable }
  // All discordant requests one way: the tail is the one outcome, exactly ½ⁿ.
  if (c === 0) return { pValue: minAttainable, minAttainable }
  return { pValue: Math.min(1, Math.max(minAttainable, regularizedBeta(0.5, b, c + 1))), minAttainable }
}

/**
 * Benjamini–Hochberg q-values after Tarone's screen (Gilbert 2005): K is the smallest number
 * such that at most K tests could reach α/K at all; only those are adjusted together. Returns
 * NaN for tests screened out, and how many were kept.
 */
export function discreteFdr(
  tests: readonly { pValue: number; minAttainable: number }[],
  alpha: number,
): { qValues: number[]; testable: number } {
  const mins = tests.map((t) => t.minAttainable).sort((a, b) => a - b)
  // m(K) = #{min ≤ α/K} shrinks as K grows; find the first K with m(K) ≤ K.
  let k = 1
  let mK = countAtMost(mins, alpha)
  while (mK > k) {
    k++
    mK = countAtMost(mins, alpha / k)
  }
  const threshold = alpha / k
  const kept = tests.map((t) => t.minAttainable <= threshold)
  const adjusted = adjustPValues(
    tests.filter((_, i) => kept[i]).map((t) => t.pValue),
    'bh',
  )
  let next = 0
  return { qValues: tests.map((_, i) => (kept[i] ? adjusted[next++]! : Number.NaN)), testable: adjusted.length }
}

/** How many of the sorted values are ≤ x (binary search). */
function countAtMost(sorted: readonly number[], x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
