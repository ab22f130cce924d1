/**
 * @module telemetry/metric-provider
 * The boundary between Rehearse and wherever metrics live: the built-in aggregator of samples the
 * load generator and the proxy produced, or a Prometheus server the user already runs. Analysis
 * and gates read `Series` through this contract and never know which one answered.
 */

/** One point of a series: epoch milliseconds (the start of the interval it covers) and a value. */
export type SeriesPoint = [epochMs: number, value: number]

/** A metric of one target (and optionally one route) over time. */
export interface Series {
  /** The metric's name as the query asked for it (`latency_p99`, `error_rate`, or a user's label). */
  metric: string
  /** Which side: `baseline`, `candidate`, or any other target name. */
  target: string
  /** A route key such as `GET /products`; absent for a target-wide series. */
  route?: string
  /** Points in ascending time order. Intervals without data have no point for ratios and latencies. */
  points: SeriesPoint[]
}

/** What to read. Every field but `metric` is optional; a provider ignores what it cannot use. */
export type MetricQuery = {
  /**
   * The metric. For the built-in provider one of `BUILTIN_METRICS` (or `status_5xx`, `cause_timeout`…);
   * for Prometheus a label for the series (the expression is `expr`, or this name when `expr` is absent).
   */
  metric: string
  /**
   * A provider-specific expression (PromQL for Prometheus). `$target` in it is replaced by each name
   * of `targets` in turn, for services whose versions are told apart by a label value.
   */
  expr?: string
  /** Only these targets (all targets when absent). */
  targets?: string[]
  /** A route key for one route, `*` for one series per route, absent for target-wide series. */
  route?: string
  /** Time window, epoch milliseconds: `[startMs, endMs)`. Absent bounds are open. */
  startMs?: number
  endMs?: number
  /**
   * Resolution of a range query, milliseconds. Prometheus: the range query's `step` (an instant
   * query is made when `startMs`/`endMs` are absent). Built-in: intervals are merged up to this step.
   */
  stepMs?: number
}

/** A source of metric series. Implementations: the built-in aggregator, Prometheus. */
export interface MetricProvider {
  /** Short name for messages and reports (`builtin`, `prometheus`). */
  readonly name: string
  /**
   * Answers one query with zero or more series. Rejects with a `RehearseError` whose code starts
   * with `TELEMETRY_` when the source cannot answer, or with the signal's reason when aborted.
   */
  query(query: MetricQuery, signal: AbortSignal): Promise<Series[]>
}
