/**
 * @module analysis/burn-rate
 * Error-budget burn rates over multiwindow, multi-burn-rate alert pairs (Google SRE Workbook,
 * "Alerting on SLOs"): page when the burn rate exceeds 14.4× over both 1 h and 5 min (2% of a
 * 30-day budget in an hour), or 6× over both 6 h and 30 min (5% in six hours).
 *
 * A rehearsal lasts minutes, not a month, so the windows are scaled to its length: the longest
 * long window (6 h) becomes the whole run and every other window shrinks by the same factor, which
 * keeps the 12:1 long/short ratio and the 6:1 ratio between the pairs. The thresholds stay as
 * they are — a burn rate is dimensionless (error rate / allowed error rate), so "14.4×" still
 * means "this candidate, in production, would page". Windows are evaluated at the end of every
 * bucket once the long window has filled; a window shorter than one bucket is widened to it.
 */
import type { BurnWindowPair, BurnWindowResult, Sli } from './types.ts'

/** The SRE Workbook's page-severity pairs for a 30-day SLO. */
export const DEFAULT_BURN_WINDOWS: readonly BurnWindowPair[] = [
  { longMs: 3_600_000, shortMs: 300_000, threshold: 14.4, severity: 'page' },
  { longMs: 21_600_000, shortMs: 1_800_000, threshold: 6, severity: 'page' },
]

export type BurnRateOptions = {
  windows?: readonly BurnWindowPair[]
  /** Length of the rehearsal (ms); default: the span of the series. */
  durationMs?: number
  /** Width of one bucket (ms); default: the smallest step between points, or 1 s. */
  bucketMs?: number
}

/** Burn-rate alert pairs for an SLI against an objective, scaled to the rehearsal's length. */
export function burnRateWindows(sli: Sli, objective: number, options: BurnRateOptions = {}): BurnWindowResult[] {
  const pairs = options.windows ?? DEFAULT_BURN_WINDOWS
  const points = sli.points
  const budget = 1 - objective
  const bucket = options.bucketMs ?? smallestStep(points.map((p) => p.at))
  const start = points.length ? points[0]!.at : 0
  const span = points.length ? points[points.length - 1]!.at + bucket - start : 0
  const duration = options.durationMs ?? span
  const reference = Math.max(...pairs.map((p) => p.longMs))
  const scale = reference > 0 ? duration / reference : 0

  // Prefix sums so any window's totals cost two lookups.
  const goodSum = new Float64Array(points.length + 1)
  const validSum = new Float64Array(points.length + 1)
  points.forEach((p, i) => {
    goodSum[i + 1] = goodSum[i]! + p.good
    validSum[i + 1] = validSum[i]! + p.valid
  })
  /** Burn over the buckets starting in [end − width, end), points[0..k] being those before `end`. */
  const burnAt = (k: number, end: number, width: number): number => {
    let first = k
    while (first > 0 && points[first - 1]!.at >= end - Math.max(width, bucket) - 1e-9) first--
    const valid = validSum[k + 1]! - validSum[first]!
    const bad = valid - (goodSum[k + 1]! - goodSum[first]!)
    return valid > 0 && budget > 0 ? bad / valid / budget : 0
  }

  return pairs.map((pair) => {
    const scaledLongMs = pair.longMs * scale
    const scaledShortMs = pair.shortMs * scale
    let longBurn = 0
    let shortBurn = 0
    let firing = false
    for (let k = 0; k < points.length; k++) {
      const end = points[k]!.at + bucket
      if (end - start < Math.max(scaledLongMs, bucket) - 1e-6) continue
      const long = burnAt(k, end, scaledLongMs)
      const short = burnAt(k, end, scaledShortMs)
      if (long > pair.threshold && short > pair.threshold) firing = true
      longBurn = Math.max(longBurn, long)
      shortBurn = Math.max(shortBurn, short)
    }
    return { ...pair, scaledLongMs, scaledShortMs, longBurn, shortBurn, firing }
  })
}

function smallestStep(ats: readonly number[]): number {
  let step = Number.POSITIVE_INFINITY
  for (let i = 1; i < ats.length; i++) {
    const d = ats[i]! - ats[i - 1]!
    if (d > 0 && d < step) step = d
  }
  return Number.isFinite(step) ? step : 1000
}
