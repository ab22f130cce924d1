/**
 * @module telemetry/sample-aggregator
 * The `SampleSink` that the load generator and the proxy write into. It keeps, per target and per
 * (target, route): counters and an HDR latency histogram for each fixed-length interval, and one
 * cumulative histogram for the whole run (plus one of service times). Memory stays bounded
 * however long the run: when intervals would exceed `maxIntervals`, or interval histograms
 * `maxIntervalHistograms`, adjacent intervals are merged and the interval length doubles; routes
 * beyond `maxRoutesPerTarget` are counted under `(other)`.
 */
import { ERROR_CAUSES, type ErrorCause, type Sample, type SampleSink } from '../core/types.ts'
import { AggregateCell, STATUS_CLASSES, type StatusClass } from './aggregate-cell.ts'
import {
  createLatencyHistogram,
  expandValueCounts,
  histogramValueCounts,
  type LatencyHistogram,
  recordLatency,
  type ValueCounts,
} from './latency-histogram.ts'

/** The route key that collects routes beyond `maxRoutesPerTarget`. */
export const OTHER_ROUTE = '(other)'

export type SampleAggregatorOptions = {
  /** Length of one interval at the start, milliseconds (default 1000). */
  intervalMs?: number
  /** Most intervals kept before adjacent ones are merged (default 600; at least 2). */
  maxIntervals?: number
  /** Distinct routes kept per target before the rest go to `(other)` (default 100). */
  maxRoutesPerTarget?: number
  /**
   * Interval cells that may hold a full histogram (25–60 KB each; quieter cells keep raw values)
   * before intervals are merged (default 2048, about 50–120 MB at most).
   */
  maxIntervalHistograms?: number
  /** Epoch ms of interval 0; defaults to the first sample's `at`, floored to the interval length. */
  startMs?: number
}

/** The time-bucketed cells of one target or route, as series extraction reads them. */
export type Timeline = { startMs: number; intervalMs: number; cells: ReadonlyArray<AggregateCell | undefined> }

/** Run-wide figures of one target or (target, route). Latencies in milliseconds. */
export type AggregateTotals = {
  requests: number
  responses: number
  errors: number
  bytes: number
  byStatusClass: Record<StatusClass, number>
  byCause: Partial<Record<ErrorCause, number>>
  latencyMs?: LatencySummary
  serviceTimeMs?: LatencySummary
}

export type LatencySummary = {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  p999: number
  max: number
}

/** A latency distribution with its counts, ready for `analysis/`. Values in milliseconds. */
export type LatencyDistribution = ValueCounts & {
  target: string
  route?: string
  requests: number
  errors: number
  /** The distribution as one sorted array of at most `maxValues` observations. */
  expand(maxValues?: number): Float64Array
}

type Scope = {
  intervals: Array<AggregateCell | undefined>
  total: AggregateCell
  service: LatencyHistogram | undefined
}
type TargetState = Scope & { routes: Map<string, Scope> }

function newScope(): Scope {
  return { intervals: [], total: new AggregateCell({ dense: true }), service: undefined }
}

export class SampleAggregator implements SampleSink {
  #intervalMs: number
  #startMs: number | undefined
  readonly maxIntervals: number
  readonly maxRoutesPerTarget: number
  readonly maxIntervalHistograms: number
  readonly #targets = new Map<string, TargetState>()
  #length = 0
  #histograms = 0

  constructor(options: SampleAggregatorOptions = {}) {
    this.#intervalMs = Math.max(1, options.intervalMs ?? 1000)
    this.maxIntervals = Math.max(2, Math.floor(options.maxIntervals ?? 600))
    this.maxRoutesPerTarget = Math.max(1, Math.floor(options.maxRoutesPerTarget ?? 100))
    this.maxIntervalHistograms = Math.max(1, Math.floor(options.maxIntervalHistograms ?? 2048))
    this.#startMs = options.startMs
  }

  /** Current interval length, ms (doubles each time the aggregator coarsens). */
  get intervalMs(): number {
    return this.#intervalMs
  }

  /** Epoch ms of interval 0 (undefined until the first sample when not given). */
  get startMs(): number | undefined {
    return this.#startMs
  }

  /** Number of intervals in use (the highest index seen, plus one). */
  get intervalCount(): number {
    return this.#length
  }

  record(sample: Sample): void {
    this.#startMs ??= Math.floor(sample.at / this.#intervalMs) * this.#intervalMs
    const start = this.#startMs
    let index = Math.floor((sample.at - start) / this.#intervalMs)
    if (!(index > 0)) index = 0 // earlier than the start (or NaN): counted in the first interval
    if (index >= this.maxIntervals) index = this.#coarsen(index)
    if (index >= this.#length) this.#length = index + 1

    let target = this.#targets.get(sample.target)
    if (!target) {
      target = { ...newScope(), routes: new Map() }
      this.#targets.set(sample.target, target)
    }
    let route = target.routes.get(sample.route)
    if (!route) route = this.#addRoute(target, sample.route)

    let grew = addTo(target, index, sample)
    if (addTo(route, index, sample)) grew++
    if (grew > 0) {
      this.#histograms += grew
      if (this.#histograms > this.maxIntervalHistograms && this.#length > 1) this.#coarsen(this.#length)
    }
  }

  #addRoute(target: TargetState, name: string): Scope {
    const key = target.routes.size >= this.maxRoutesPerTarget ? OTHER_ROUTE : name
    let scope = target.routes.get(key)
    if (!scope) {
      scope = newScope()
      target.routes.set(key, scope)
    }
    return scope
  }

  /**
   * Merges adjacent intervals (doubling their length) until `index` fits under `maxIntervals` and
   * the interval histograms fit their budget; returns `index` in the new intervals.
   */
  #coarsen(index: number): number {
    do {
      this.#histograms = 0
      for (const target of this.#targets.values()) {
        this.#histograms += halve(target.intervals)
        for (const route of target.routes.values()) this.#histograms += halve(route.intervals)
      }
      this.#intervalMs *= 2
      this.#length = Math.ceil(this.#length / 2)
      index = Math.floor(index / 2)
    } while (index >= this.maxIntervals || (this.#histograms > this.maxIntervalHistograms && this.#length > 1))
    return index
  }

  /** Names of the targets seen, in order of first sample. */
  targets(): string[] {
    return [...this.#targets.keys()]
  }

  /** Route keys seen for a target, in order of first sample. */
  routes(target: string): string[] {
    return [...(this.#targets.get(target)?.routes.keys() ?? [])]
  }

  /** The interval cells of a target (or one of its routes); undefined when never seen. */
  timeline(target: string, route?: string): Timeline | undefined {
    const scope = this.#scope(target, route)
    if (!scope || this.#startMs === undefined) return undefined
    const cells = Array.from({ length: this.#length }, (_, i) => scope.intervals[i])
    return { startMs: this.#startMs, intervalMs: this.#intervalMs, cells }
  }

  /** Run-wide counters and latency summaries of a target or (target, route). */
  totals(target: string, route?: string): AggregateTotals | undefined {
    const scope = this.#scope(target, route)
    if (!scope) return undefined
    const cell = scope.total
    const byStatusClass = Object.fromEntries(STATUS_CLASSES.map((c, i) => [c, cell.statusClasses[i]!])) as Record<
      StatusClass,
      number
    >
    const byCause: Partial<Record<ErrorCause, number>> = {}
    ERROR_CAUSES.forEach((c, i) => {
      if (cell.causes[i]! > 0) byCause[c] = cell.causes[i]!
    })
    const latencyMs = summarize(cell.histogram())
    const serviceTimeMs = summarize(scope.service)
    return {
      requests: cell.requests,
      responses: cell.responses,
      errors: cell.errors,
      bytes: cell.bytes,
      byStatusClass,
      byCause,
      ...(latencyMs ? { latencyMs } : {}),
      ...(serviceTimeMs ? { serviceTimeMs } : {}),
    }
  }

  /**
   * The latency distribution of a target or (target, route), with its request and error counts.
   * Without a window it is the whole run's; with `fromMs`/`toMs` it merges the intervals that start
   * inside `[fromMs, toMs)` (interval resolution).
   */
  distribution(target: string, options: { route?: string; fromMs?: number; toMs?: number } = {}): LatencyDistribution {
    const scope = this.#scope(target, options.route)
    let cell = scope?.total
    if (scope && (options.fromMs !== undefined || options.toMs !== undefined) && this.#startMs !== undefined) {
      cell = new AggregateCell({ dense: true })
      const from = options.fromMs ?? Number.NEGATIVE_INFINITY
      const to = options.toMs ?? Number.POSITIVE_INFINITY
      for (let i = 0; i < this.#length; i++) {
        const at = this.#startMs + i * this.#intervalMs
        const c = scope.intervals[i]
        if (c && at >= from && at < to) cell.merge(c)
      }
    }
    const histogram = cell?.histogram()
    const counts = histogram
      ? histogramValueCounts(histogram)
      : { values: new Float64Array(0), counts: new Float64Array(0), total: 0 }
    return {
      ...counts,
      target,
      ...(options.route !== undefined ? { route: options.route } : {}),
      requests: cell?.requests ?? 0,
      errors: cell?.errors ?? 0,
      expand: (maxValues?: number) => expandValueCounts(counts, maxValues),
    }
  }

  /** A rough estimate of the memory held, bytes (for tests of the bound and for diagnostics). */
  footprintBytes(): number {
    let bytes = 0
    const scopeBytes = (s: Scope) => {
      bytes += s.total.footprintBytes() + (s.service?.estimatedFootprintInBytes ?? 0)
      for (const c of s.intervals) bytes += c ? c.footprintBytes() : 8
    }
    for (const t of this.#targets.values()) {
      scopeBytes(t)
      for (const r of t.routes.values()) scopeBytes(r)
    }
    return bytes
  }

  #scope(target: string, route: string | undefined): Scope | undefined {
    const t = this.#targets.get(target)
    return route === undefined ? t : t?.routes.get(route)
  }
}

/** Adds a sample to a scope; returns 1 when its interval cell just built a histogram, else 0. */
function addTo(scope: Scope, index: number, sample: Sample): number {
  let cell = scope.intervals[index]
  if (!cell) {
    while (scope.intervals.length < index) scope.intervals.push(undefined)
    cell = new AggregateCell({ dense: false })
    scope.intervals[index] = cell
  }
  const grew = cell.add(sample)
  scope.total.add(sample)
  if (sample.serviceTimeUs !== undefined && sample.status > 0) {
    scope.service ??= createLatencyHistogram()
    recordLatency(scope.service, sample.serviceTimeUs)
  }
  return grew ? 1 : 0
}

/** Merges cells pairwise in place ([a, b, c] → [a+b, c]); returns how many hold a histogram. */
function halve(cells: Array<AggregateCell | undefined>): number {
  const n = Math.ceil(cells.length / 2)
  let dense = 0
  for (let i = 0; i < n; i++) {
    const a = cells[2 * i]
    const b = cells[2 * i + 1]
    if (a && b) a.merge(b)
    const merged = a ?? b
    cells[i] = merged
    if (merged?.dense) dense++
  }
  cells.length = n
  return dense
}

function summarize(h: LatencyHistogram | undefined): LatencySummary | undefined {
  if (!h || h.totalCount === 0) return undefined
  return {
    count: h.totalCount,
    mean: h.mean / 1000,
    p50: h.getValueAtPercentile(50) / 1000,
    p90: h.getValueAtPercentile(90) / 1000,
    p99: h.getValueAtPercentile(99) / 1000,
    p999: h.getValueAtPercentile(99.9) / 1000,
    max: h.maxValue / 1000,
  }
}
