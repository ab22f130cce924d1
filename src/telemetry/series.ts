/**
 * @module telemetry/series
 * Time series out of the aggregator: one point per interval (or per query step) for counts,
 * rates and latency percentiles. Latencies are in milliseconds, throughput in responses per
 * second, error_rate a fraction in [0, 1]; counts are per interval.
 */
import { RehearseError } from '../core/errors.ts'
import { ERROR_CAUSES, type ErrorCause } from '../core/types.ts'
import { AggregateCell, STATUS_CLASSES } from './aggregate-cell.ts'
import type { MetricQuery, Series, SeriesPoint } from './metric-provider.ts'
import type { SampleAggregator, Timeline } from './sample-aggregator.ts'

/** The metrics the built-in provider answers, besides `status_<class>` and `cause_<cause>`. */
export const BUILTIN_METRICS = [
  'requests',
  'responses',
  'errors',
  'error_rate',
  'throughput',
  'bytes',
  'latency_mean',
  'latency_p50',
  'latency_p90',
  'latency_p99',
  'latency_p999',
  'latency_max',
] as const
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number]

/** Computes one metric of one cell covering `ms` milliseconds; undefined means "no value". */
type Evaluate = (cell: AggregateCell | undefined, ms: number) => number | undefined

const count =
  (pick: (c: AggregateCell) => number): Evaluate =>
  (c) =>
    c ? pick(c) : 0
const percentile =
  (p: number): Evaluate =>
  (c) => {
    const h = c?.histogram()
    return h ? h.getValueAtPercentile(p) / 1000 : undefined
  }

const EVALUATORS: Record<BuiltinMetric, Evaluate> = {
  requests: count((c) => c.requests),
  responses: count((c) => c.responses),
  errors: count((c) => c.errors),
  bytes: count((c) => c.bytes),
  error_rate: (c) => (c && c.requests > 0 ? c.errors / c.requests : undefined),
  throughput: (c, ms) => ((c?.responses ?? 0) * 1000) / ms,
  latency_mean: (c) => {
    const h = c?.histogram()
    return h ? h.mean / 1000 : undefined
  },
  latency_p50: percentile(50),
  latency_p90: percentile(90),
  latency_p99: percentile(99),
  latency_p999: percentile(99.9),
  latency_max: (c) => {
    const h = c?.histogram()
    return h ? h.maxValue / 1000 : undefined
  },
}

/** The evaluator of a metric name, or a TELEMETRY_UNKNOWN_METRIC error naming the valid ones. */
export function metricEvaluator(metric: string): Evaluate {
  if (metric in EVALUATORS) return EVALUATORS[metric as BuiltinMetric]
  const status = /^status_(none|[1-5]xx)$/.exec(metric)
  if (status) {
    const i = STATUS_CLASSES.indexOf(status[1] as (typeof STATUS_CLASSES)[number])
    return count((c) => c.statusClasses[i]!)
  }
  const cause = /^cause_(.+)$/.exec(metric)
  if (cause && (ERROR_CAUSES as readonly string[]).includes(cause[1]!)) {
    const name = cause[1] as ErrorCause
    return count((c) => c.cause(name))
  }
  throw new RehearseError('TELEMETRY_UNKNOWN_METRIC', `The built-in metrics have no "${metric}".`, {
    hint: `Use one of ${BUILTIN_METRICS.join(', ')}, status_2xx…status_5xx, or cause_<cause> (${ERROR_CAUSES.join(', ')}).`,
    details: { metric },
  })
}

/** Points of one metric over a timeline, intervals merged `factor` at a time. */
export function timelinePoints(
  timeline: Timeline,
  evaluate: Evaluate,
  options: { startMs?: number; endMs?: number; factor?: number } = {},
): SeriesPoint[] {
  const factor = Math.max(1, Math.floor(options.factor ?? 1))
  const stepMs = timeline.intervalMs * factor
  const from = options.startMs ?? Number.NEGATIVE_INFINITY
  const to = options.endMs ?? Number.POSITIVE_INFINITY
  const points: SeriesPoint[] = []
  for (let i = 0; i < timeline.cells.length; i += factor) {
    const at = timeline.startMs + i * timeline.intervalMs
    if (at < from || at >= to) continue
    let cell = timeline.cells[i]
    if (factor > 1) {
      const merged = new AggregateCell({ dense: false })
      let any = false
      for (let j = i; j < i + factor && j < timeline.cells.length; j++) {
        const c = timeline.cells[j]
        if (c) {
          merged.merge(c)
          any = true
        }
      }
      cell = any ? merged : undefined
    }
    const value = evaluate(cell, stepMs)
    if (value !== undefined) points.push([at, value])
  }
  return points
}

/**
 * Series of one metric from the aggregator. `query.route`: absent → one target-wide series per
 * target; a route key → that route; `*` → one series per (target, route).
 */
export function extractSeries(aggregator: SampleAggregator, query: MetricQuery): Series[] {
  const evaluate = metricEvaluator(query.metric)
  const factor = query.stepMs ? Math.max(1, Math.round(query.stepMs / aggregator.intervalMs)) : 1
  const window = { factor, startMs: query.startMs, endMs: query.endMs }
  const targets = query.targets ?? aggregator.targets()
  const out: Series[] = []
  for (const target of targets) {
    const routes: Array<string | undefined> =
      query.route === '*' ? aggregator.routes(target) : [query.route === undefined ? undefined : query.route]
    for (const route of routes) {
      const timeline = aggregator.timeline(target, route)
      if (!timeline) continue
      out.push({
        metric: query.metric,
        target,
        ...(route !== undefined ? { route } : {}),
        points: timelinePoints(timeline, evaluate, window),
      })
    }
  }
  return out
}
