/**
 * @module rehearsal/evidence
 * From what the load generator measured to what the statistics take: per metric and route, the
 * baseline's and the candidate's latency values or error counts (canary), and good/valid series
 * per interval (SLOs). Only the judged window counts: warm-up phases are left out.
 */
import type { AnalysisSpec, SloSpec } from '../analysis/analysis-schema.ts'
import { toCanaryConfig, toSloObjective } from '../analysis/analysis-schema.ts'
import { availabilitySli } from '../analysis/sli.ts'
import type { CanaryConfig, CanaryData, CanaryMetricConfig, Sli, SliPoint, SloObjective } from '../analysis/types.ts'
import { expandValueCounts, histogramValueCounts } from '../telemetry/latency-histogram.ts'
import type { SampleAggregator } from '../telemetry/sample-aggregator.ts'

export type Window = { fromMs: number; toMs: number }

/**
 * Where the canary's numbers come from: the live aggregator (during and right after the traffic)
 * or the `telemetry.distribution` events of a stored rehearsal (`rehearse rejudge`).
 */
export type CanarySource = {
  routes(target: string): string[]
  /** Latency values (ms, at most `max`), requests and errors of a target, overall or one route. */
  side(target: string, route: string | undefined, max: number): { values: number[]; requests: number; errors: number }
}

/** A source over the aggregator, limited to the judged window. */
export function aggregatorSource(aggregator: SampleAggregator, window: Window): CanarySource {
  return {
    routes: (target) => aggregator.routes(target),
    side: (target, route, max) => {
      const d = aggregator.distribution(target, { ...(route ? { route } : {}), ...window })
      return { values: max > 0 ? Array.from(d.expand(max)) : [], requests: d.requests, errors: d.errors }
    },
  }
}

/** The payload of a `telemetry.distribution` event. */
export type DistributionEvent = {
  target: string
  route: string | null
  unit: 'ms'
  requests: number
  errors: number
  values: number[]
  counts: number[]
}

/** A source over the distributions a rehearsal recorded. */
export function recordedSource(distributions: DistributionEvent[]): CanarySource {
  const find = (target: string, route: string | undefined) =>
    distributions.find((d) => d.target === target && d.route === (route ?? null))
  return {
    routes: (target) => distributions.filter((d) => d.target === target && d.route !== null).map((d) => d.route!),
    side: (target, route, max) => {
      const d = find(target, route)
      if (!d) return { values: [], requests: 0, errors: 0 }
      const counts = {
        values: Float64Array.from(d.values),
        counts: Float64Array.from(d.counts),
        total: d.counts.reduce((a, b) => a + b, 0),
      }
      return {
        values: max > 0 ? Array.from(expandValueCounts(counts, max)) : [],
        requests: d.requests,
        errors: d.errors,
      }
    },
  }
}

/** What the judge looks at when the spec names no metrics: latency, and errors as critical. */
export const DEFAULT_METRICS: AnalysisSpec['metrics'] = [
  {
    name: 'latency',
    kind: 'latency',
    direction: 'increase',
    tolerance: 0.1,
    critical: false,
    muted: false,
    weight: 1,
    scope: 'both',
  },
  { name: 'errors', kind: 'rate', direction: 'increase', critical: true, muted: false, weight: 1, scope: 'both' },
]

/** Most values per side handed to rank tests (the distribution is thinned evenly beyond it). */
const MAX_VALUES = 20_000

/**
 * The judge's configuration and data. Every metric is judged over all routes together and, unless
 * it names one `route`, for each route that both versions served, so a regression confined to one
 * route is found and named. Multiple testing across them is the judge's (Benjamini–Hochberg).
 */
export function canaryInputs(
  analysis: AnalysisSpec | undefined,
  source: CanarySource,
  final: boolean,
): { config: CanaryConfig; data: CanaryData; breakdown: string[] } {
  const spec: AnalysisSpec = analysis ?? {
    mode: 'rehearse',
    metrics: DEFAULT_METRICS,
    alpha: 0.05,
    correction: 'bh',
    sequential: false,
    seed: 1,
  }
  const base = toCanaryConfig({ ...spec, metrics: spec.metrics.length ? spec.metrics : DEFAULT_METRICS })
  const routes = source.routes('baseline').filter((r) => source.routes('candidate').includes(r))
  const metrics: CanaryMetricConfig[] = []
  const breakdown: string[] = []
  const data: Record<string, CanaryData['metrics'][string]> = {}
  const specMetrics = spec.metrics.length ? spec.metrics : DEFAULT_METRICS
  base.metrics.forEach((metric, i) => {
    const declared = specMetrics[i]!
    const kind = metric.kind ?? (metric.name === 'errors' ? 'rate' : 'latency')
    const scope = declared.scope ?? 'both'
    const scopes: Array<string | undefined> = declared.route
      ? [declared.route]
      : [...(scope === 'routes' ? [] : [undefined]), ...(scope === 'overall' ? [] : routes)]
    for (const route of scopes) {
      const name = route ? `${metric.name} ${route}` : metric.name
      const label = route ? `${route} ${metric.label ?? metric.name}` : (metric.label ?? `${metric.name} (all routes)`)
      metrics.push({ ...metric, kind, name, label, group: metric.group ?? (route ? route : 'overall') })
      if (route && !declared.route) breakdown.push(name)
      if (declared.query) continue // a provider metric: no data measured here, so it is judged "no data"
      const side = (target: string) => {
        const d = source.side(target, route, MAX_VALUES)
        return kind === 'rate' ? { events: d.errors, trials: d.requests } : d.values
      }
      data[name] = { baseline: side('baseline'), candidate: side('candidate') }
    }
  })
  const totals = (target: string) => source.side(target, undefined, 0).requests
  return {
    config: { ...base, metrics },
    data: { metrics: data, traffic: { baseline: totals('baseline'), candidate: totals('candidate') }, final },
    breakdown,
  }
}

/** Good/valid points per interval of one target inside the window. */
function sliPoints(
  aggregator: SampleAggregator,
  target: string,
  window: Window,
  route: string | undefined,
  thresholdMs?: number,
): SliPoint[] {
  const timeline = aggregator.timeline(target, route)
  if (!timeline) return []
  const points: SliPoint[] = []
  timeline.cells.forEach((cell, i) => {
    const at = timeline.startMs + i * timeline.intervalMs
    if (!cell || at < window.fromMs || at >= window.toMs) return
    let good = cell.requests - cell.errors
    if (thresholdMs !== undefined) {
      const histogram = cell.histogram()
      good = 0
      if (histogram) {
        const { values, counts } = histogramValueCounts(histogram)
        for (let j = 0; j < values.length; j++) if (values[j]! <= thresholdMs) good += counts[j]!
      }
      // Failed requests are never good, whatever their latency.
      good = Math.max(0, Math.min(good, cell.requests - cell.errors))
    }
    points.push({ at, good, valid: cell.requests })
  })
  return points
}

export type SloInput = { objective: SloObjective; candidate: Sli; baseline: Sli }

/** The SLIs of every SLO of the spec (availability and latency; custom ones need a provider). */
export function sloInputs(
  slos: Record<string, SloSpec> | undefined,
  aggregator: SampleAggregator,
  window: Window,
): SloInput[] {
  const inputs: SloInput[] = []
  for (const [name, spec] of Object.entries(slos ?? {})) {
    const { objective, kind } = toSloObjective(name, spec)
    if (kind === 'custom') continue
    const threshold = kind === 'latency' ? objective.thresholdMs : undefined
    const sli = (target: string): Sli => {
      const points = sliPoints(aggregator, target, window, spec.route, threshold)
      return kind === 'latency'
        ? { kind: 'latency', points, description: `requests answered within ${threshold} ms` }
        : availabilitySli(points)
    }
    inputs.push({ objective, candidate: sli('candidate'), baseline: sli('baseline') })
  }
  return inputs
}
