/**
 * @module analysis/multiple-testing
 * Adjusted p-values across the metrics of one judgement, as R's `p.adjust`. Benjamini–Hochberg
 * is the default: with many metrics, a run of noise should not fail the candidate just because
 * one of twenty metrics crossed 5% by chance, and under the all-null A/A case BH keeps the
 * chance of any failure at alpha.
 */
import type { PValueCorrection } from './types.ts'

/** Adjusted p-values in the input order (NaN stays NaN and does not count as a test). */
export function adjustPValues(pValues: readonly number[], method: PValueCorrection = 'bh'): number[] {
  const index = pValues.map((_, i) => i).filter((i) => !Number.isNaN(pValues[i]!))
  const n = index.length
  const out = pValues.map(() => Number.NaN)
  if (n === 0) return out
  if (method === 'none') {
    for (const i of index) out[i] = pValues[i]!
    return out
  }
  if (method === 'bonferroni') {
    for (const i of index) out[i] = Math.min(1, pValues[i]! * n)
    return out
  }
  if (method === 'holm') {
    const order = [...index].sort((a, b) => pValues[a]! - pValues[b]!)
    let running = 0
    order.forEach((i, rank) => {
      running = Math.max(running, Math.min(1, (n - rank) * pValues[i]!))
      out[i] = running
    })
    return out
  }
  // Benjamini–Hochberg: step up from the largest p-value.
  const order = [...index].sort((a, b) => pValues[b]! - pValues[a]!)
  let running = 1
  order.forEach((i, k) => {
    const rank = n - k
    running = Math.min(running, (n / rank) * pValues[i]!)
    out[i] = Math.min(1, running)
  })
  return out
}
