/**
 * @module analysis/sli
 * Service level indicators as time-bucketed good/valid counts, the one shape SLO attainment and
 * burn rates are computed from:
 * - availability: good = requests answered well, valid = requests that count;
 * - latency: good = requests at or under a threshold;
 * - custom: any numeric series, each point good when it meets a threshold (a time-slice SLI).
 */
import type { Sli, SliPoint } from './types.ts'

/** Availability from counts already bucketed (e.g. non-5xx / all per second). */
export function availabilitySli(points: readonly SliPoint[]): Sli {
  return { kind: 'availability', points: sortPoints(points), description: 'good requests / valid requests' }
}

/**
 * Latency SLI from individual requests: each is good when it is under `thresholdMs` (and did not
 * fail, when `ok` says so). Requests are bucketed by `bucketMs` of their `at` time.
 */
export function latencySli(
  requests: readonly { at: number; latencyMs: number; ok?: boolean }[],
  thresholdMs: number,
  bucketMs = 1000,
): Sli {
  const buckets = new Map<number, SliPoint>()
  for (const r of requests) {
    const at = Math.floor(r.at / bucketMs) * bucketMs
    let point = buckets.get(at)
    if (!point) {
      point = { at, good: 0, valid: 0 }
      buckets.set(at, point)
    }
    point.valid++
    if (r.latencyMs <= thresholdMs && r.ok !== false) point.good++
  }
  return { kind: 'latency', points: sortPoints([...buckets.values()]), description: `requests under ${thresholdMs} ms` }
}

/**
 * A custom SLI from a series: each point is one valid event, good when its value is on the good
 * side of `threshold` ('below' by default, e.g. queue depth; 'above' e.g. cache hit ratio).
 */
export function customSli(
  series: readonly { at: number; value: number }[],
  options: { threshold: number; good?: 'below' | 'above'; description?: string },
): Sli {
  const goodBelow = (options.good ?? 'below') === 'below'
  const points = series
    .filter((p) => !Number.isNaN(p.value))
    .map((p) => ({
      at: p.at,
      good: (goodBelow ? p.value <= options.threshold : p.value >= options.threshold) ? 1 : 0,
      valid: 1,
    }))
  return {
    kind: 'custom',
    points: sortPoints(points),
    description: options.description ?? `points ${goodBelow ? 'at or below' : 'at or above'} ${options.threshold}`,
  }
}

function sortPoints(points: readonly SliPoint[]): SliPoint[] {
  return [...points].sort((a, b) => a.at - b.at)
}

/** Totals of a series. */
export function sliTotals(sli: Sli): { good: number; valid: number } {
  let good = 0
  let valid = 0
  for (const p of sli.points) {
    good += p.good
    valid += p.valid
  }
  return { good, valid }
}
