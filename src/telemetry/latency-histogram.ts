/**
 * @module telemetry/latency-histogram
 * HDR histograms of latencies in microseconds (3 significant digits, auto-resizing), and the
 * export of their contents as plain number arrays for the statistics in `analysis/`.
 */
import { build, type Histogram } from 'hdr-histogram-js'

/** A latency histogram: values are microseconds, kept to 3 significant digits. */
export type LatencyHistogram = Histogram

/**
 * A new histogram with 32-bit counts. (The packed variant of hdr-histogram-js is smaller but costs
 * several microseconds per record on sparse data: too slow for the hot path.)
 */
export function createLatencyHistogram(): LatencyHistogram {
  return build({
    bitBucketSize: 32,
    numberOfSignificantValueDigits: 3,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    autoResize: true,
  })
}

/** Records one latency; negative or non-finite values are ignored, fractions are rounded. */
export function recordLatency(histogram: LatencyHistogram, microseconds: number): void {
  if (!(microseconds >= 0) || microseconds === Number.POSITIVE_INFINITY) return
  histogram.recordValue(Math.round(microseconds))
}

/** The subset of hdr-histogram-js's JsHistogram iteration that the export needs. */
type Iterable = {
  recordedValuesIterator: {
    reset(): void
    hasNext(): boolean
    next(): { valueIteratedTo: number; countAtValueIteratedTo: number }
  }
  medianEquivalentValue(value: number): number
}

/** A distribution as parallel arrays: distinct values ascending and how often each occurred. */
export type ValueCounts = { values: Float64Array; counts: Float64Array; total: number }

/**
 * The recorded values of a histogram, each as the middle of its HDR equivalence range, divided by
 * `scale` (1000 turns microseconds into milliseconds).
 */
export function histogramValueCounts(histogram: LatencyHistogram, scale = 1000): ValueCounts {
  const h = histogram as unknown as Iterable
  const values: number[] = []
  const counts: number[] = []
  let total = 0
  const it = h.recordedValuesIterator
  it.reset()
  while (it.hasNext()) {
    const step = it.next()
    values.push(h.medianEquivalentValue(step.valueIteratedTo) / scale)
    counts.push(step.countAtValueIteratedTo)
    total += step.countAtValueIteratedTo
  }
  return { values: Float64Array.from(values), counts: Float64Array.from(counts), total }
}

/**
 * A distribution as one sorted array of at most `maxValues` observations, for tests that want raw
 * samples (Mann–Whitney U). When the distribution holds more, it is thinned by taking evenly spaced
 * quantiles, so the shape is kept and the result stays deterministic.
 */
export function expandValueCounts(dist: ValueCounts, maxValues = 100_000): Float64Array {
  const n = Math.min(dist.total, Math.max(0, Math.floor(maxValues)))
  const out = new Float64Array(n)
  if (n === 0) return out
  if (n === dist.total) {
    let k = 0
    for (let i = 0; i < dist.values.length; i++) {
      out.fill(dist.values[i]!, k, k + dist.counts[i]!)
      k += dist.counts[i]!
    }
    return out
  }
  // The j-th output is the value at rank (j + 0.5) / n of the whole distribution.
  let i = 0
  let cumulative = dist.counts[0] ?? 0
  for (let j = 0; j < n; j++) {
    const rank = ((j + 0.5) / n) * dist.total
    while (cumulative <= rank && i < dist.values.length - 1) cumulative += dist.counts[++i]!
    out[j] = dist.values[i]!
  }
  return out
}
