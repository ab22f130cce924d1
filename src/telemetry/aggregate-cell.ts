/**
 * @module telemetry/aggregate-cell
 * The counters and latencies of one (target, route, interval), or of a whole run. Cells are merged
 * when the aggregator coarsens its intervals and when a query asks for a wider step.
 *
 * A latency histogram with 3 significant digits costs 25–60 KB whatever it holds, so an interval
 * cell first keeps its latencies as raw integers (4 bytes each) and turns them into a histogram
 * only past `RAW_LIMIT` samples: quiet routes stay cheap, busy ones get the histogram they need.
 */
import { ERROR_CAUSES, type ErrorCause, type Sample } from '../core/types.ts'
import { createLatencyHistogram, type LatencyHistogram, recordLatency } from './latency-histogram.ts'

/** Status classes as counted: index 0 is "no response", 1..5 are 1xx..5xx. */
export const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const
export type StatusClass = (typeof STATUS_CLASSES)[number]

/** Latencies an interval cell keeps raw before it builds a histogram. */
export const RAW_LIMIT = 256

const CAUSE_INDEX: Record<string, number> = Object.fromEntries(ERROR_CAUSES.map((c, i) => [c, i]))

/** 0 for no response, 1..5 for 1xx..5xx (anything beyond 599 counts as 5xx). */
export function statusClassIndex(status: number): number {
  if (!(status >= 100)) return 0
  return status >= 600 ? 5 : Math.floor(status / 100)
}

/**
 * Whether a sample is an error: no response at all (a cause and status 0), a 5xx, or a response
 * the proxy made up (a cause next to a status, e.g. an injected 503). 4xx are the client's.
 */
export function isErrorSample(sample: Sample): boolean {
  return sample.status === 0 || sample.status >= 500 || sample.cause !== undefined
}

/**
 * Whether a sample's latency belongs in the latency histogram: every response, and timeouts (the
 * time waited is a lower bound of the truth, and leaving it out would flatter a slow target).
 * Refused, reset and dropped requests have no meaningful latency.
 */
export function hasLatency(sample: Sample): boolean {
  return sample.status > 0 || sample.cause === 'timeout'
}

export class AggregateCell {
  requests = 0
  /** Samples that got an HTTP response (status > 0). */
  responses = 0
  errors = 0
  bytes = 0
  readonly statusClasses = new Float64Array(STATUS_CLASSES.length)
  readonly causes = new Float64Array(ERROR_CAUSES.length)
  /** The histogram, once the cell has one (run-wide cells have one from the start). */
  #histogram: LatencyHistogram | undefined
  /** Raw latencies (µs, rounded) until the histogram exists. */
  #raw: Uint32Array | undefined
  #rawCount = 0

  constructor(options: { dense: boolean }) {
    if (options.dense) this.#histogram = createLatencyHistogram()
  }

  /** Whether the cell holds a histogram (the aggregator counts them against its memory budget). */
  get dense(): boolean {
    return this.#histogram !== undefined
  }

  /** Latencies recorded. */
  get latencyCount(): number {
    return this.#histogram ? this.#histogram.totalCount : this.#rawCount
  }

  /** Adds a sample; returns true when this made the cell build its histogram. */
  add(sample: Sample): boolean {
    this.requests++
    if (sample.status > 0) this.responses++
    if (isErrorSample(sample)) this.errors++
    if (sample.bytes > 0) this.bytes += sample.bytes
    this.statusClasses[statusClassIndex(sample.status)]!++
    if (sample.cause !== undefined) {
      const i = CAUSE_INDEX[sample.cause]
      if (i !== undefined) this.causes[i]!++
    }
    return hasLatency(sample) ? this.#addLatency(sample.latencyUs) : false
  }

  #addLatency(us: number): boolean {
    if (this.#histogram) {
      recordLatency(this.#histogram, us)
      return false
    }
    if (!(us >= 0) || us === Number.POSITIVE_INFINITY) return false
    if (this.#rawCount < RAW_LIMIT) {
      if (!this.#raw || this.#rawCount === this.#raw.length) {
        const grown = new Uint32Array(Math.min(RAW_LIMIT, Math.max(8, this.#rawCount * 2)))
        if (this.#raw) grown.set(this.#raw)
        this.#raw = grown
      }
      this.#raw[this.#rawCount++] = Math.min(Math.round(us), 0xffffffff)
      return false
    }
    this.#densify()
    recordLatency(this.#histogram!, us)
    return true
  }

  #densify(): void {
    const h = createLatencyHistogram()
    for (let i = 0; i < this.#rawCount; i++) h.recordValue(this.#raw![i]!)
    this.#histogram = h
    this.#raw = undefined
    this.#rawCount = 0
  }

  /** Adds another cell's counts and latencies to this one. */
  merge(other: AggregateCell): void {
    this.requests += other.requests
    this.responses += other.responses
    this.errors += other.errors
    this.bytes += other.bytes
    for (let i = 0; i < this.statusClasses.length; i++) this.statusClasses[i]! += other.statusClasses[i]!
    for (let i = 0; i < this.causes.length; i++) this.causes[i]! += other.causes[i]!
    if (other.#histogram) {
      if (!this.#histogram) this.#densify()
      this.#histogram!.add(other.#histogram)
    } else {
      for (let i = 0; i < other.#rawCount; i++) this.#addLatency(other.#raw![i]!)
    }
  }

  /**
   * The cell's latencies as a histogram (µs): its own, or one built for the call from the raw
   * values. Undefined when it has no latency.
   */
  histogram(): LatencyHistogram | undefined {
    if (this.#histogram) return this.#histogram.totalCount > 0 ? this.#histogram : undefined
    if (this.#rawCount === 0) return undefined
    const h = createLatencyHistogram()
    for (let i = 0; i < this.#rawCount; i++) h.recordValue(this.#raw![i]!)
    return h
  }

  /** Count of one cause. */
  cause(cause: ErrorCause): number {
    return this.causes[CAUSE_INDEX[cause]!] ?? 0
  }

  /** A rough size in bytes (counters, raw values, the histogram's own estimate). */
  footprintBytes(): number {
    return 200 + (this.#raw?.byteLength ?? 0) + (this.#histogram?.estimatedFootprintInBytes ?? 0)
  }
}
