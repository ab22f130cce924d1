/**
 * @module rehearsal/report/judgement-views
 * The canary judgement and the SLO judgements as the report shows them, read back from the log.
 * A judgement has been through JSON on its way to the store: unbounded interval ends came back as
 * null, so they are restored to ±Infinity here, and every field is checked before it is trusted.
 */
import type { Interval, SideSummary } from '../../analysis/types.ts'
import { bool, finite, intervalOf, isObject, type Json, list, objectOr, text, texts } from './payload-readers.ts'

export type MetricView = {
  name: string
  label: string
  /** The route the metric is limited to, from the judgement, the spec, or a breakdown metric's name. */
  route: string | null
  /** One route's share of a metric also judged over all routes (it can only fail the gate). */
  breakdown: boolean
  kind: string
  direction: string
  outcome: string
  critical: boolean
  muted: boolean
  tolerance: number | null
  /** Relative change; `estimate` is +Infinity for a rate that rose from zero. */
  effect: { estimate: number; interval: Interval } | null
  baseline: SideSummary
  candidate: SideSummary
  /** Unit of the figures (`ms` for latency unless the spec says otherwise). */
  unit: string
  /** Quantile metrics: which quantile (0.99). */
  quantile: number | null
  test: string
  pValue: number | null
  adjustedPValue: number | null
  sentence: string
}

export type CanaryView = {
  verdict: string
  score: number | null
  scoreRange: { min: number; max: number } | null
  thresholds: { pass: number; marginal: number } | null
  mode: string
  summary: string
  reasons: string[]
  criticalFailures: string[]
  metrics: MetricView[]
  srm: { mismatch: boolean; baseline: number | null; candidate: number | null; pValue: number | null } | null
  look: number | null
  final: boolean
}

export type SloSideView = {
  attainment: number | null
  interval: Interval | null
  good: number | null
  valid: number | null
  burnRate: number | null
  budgetUsed: number | null
}

export type SloView = {
  name: string
  objective: number | null
  status: string
  sentence: string
  candidate: SloSideView | null
  baseline: SloSideView | null
  /** Burn-rate window pairs that would have alerted on the candidate. */
  firing: string[]
}

type SpecMetric = { route?: string; unit?: string; quantile?: number }

/** The spec's analysis metrics by name (for the route, unit and quantile a judgement does not carry). */
function specMetrics(spec: unknown): Map<string, SpecMetric> {
  const analysis = objectOr(objectOr(spec)['analysis'])
  const map = new Map<string, SpecMetric>()
  for (const m of list(analysis['metrics']).filter(isObject)) {
    const name = text(m['name'])
    if (!name) continue
    const quantile = finite(m['quantile']) ?? quantileText(m['quantile'])
    map.set(name, {
      ...(text(m['route']) ? { route: text(m['route'])! } : {}),
      ...(text(m['unit']) !== null ? { unit: text(m['unit'])! } : {}),
      ...(quantile !== null ? { quantile } : {}),
    })
  }
  return map
}

/** The raw spec says `p99` or `99%`; the judge's config says 0.99. */
function quantileText(value: unknown): number | null {
  const match = typeof value === 'string' ? /^\s*(?:p(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*%)\s*$/i.exec(value) : null
  // 99.9 / 100 is 0.9990000000000001 in floating point; 12 significant digits give back 0.999.
  return match ? Number((Number(match[1] ?? match[2]) / 100).toPrecision(12)) : null
}

/** The `final` look of the judge, else the last one; null without any. */
export function canaryView(looks: Json[], spec: unknown): CanaryView | null {
  const chosen = looks.findLast((l) => bool(l['final'])) ?? looks.at(-1)
  const j = chosen?.['judgement']
  if (!chosen || !isObject(j)) return null
  const fromSpec = specMetrics(spec)
  const breakdown = new Set(texts(chosen['breakdown']))
  const srm = objectOr(j['srm'])
  const observed = objectOr(srm['observed'])
  const range = objectOr(j['scoreRange'])
  const thresholds = objectOr(j['thresholds'])
  return {
    verdict: text(j['verdict']) ?? 'inconclusive',
    score: finite(j['score']),
    scoreRange:
      finite(range['min']) !== null && finite(range['max']) !== null
        ? { min: finite(range['min'])!, max: finite(range['max'])! }
        : null,
    thresholds:
      finite(thresholds['pass']) !== null && finite(thresholds['marginal']) !== null
        ? { pass: finite(thresholds['pass'])!, marginal: finite(thresholds['marginal'])! }
        : null,
    mode: text(j['mode']) ?? 'rehearse',
    summary: text(j['summary']) ?? '',
    reasons: texts(j['reasons']),
    criticalFailures: texts(j['criticalFailures']),
    metrics: list(j['metrics'])
      .filter(isObject)
      .map((m) => metricView(m, fromSpec, breakdown)),
    srm: isObject(j['srm'])
      ? {
          mismatch: bool(srm['mismatch']),
          baseline: finite(observed['baseline']),
          candidate: finite(observed['candidate']),
          pValue: finite(srm['pValue']),
        }
      : null,
    look: finite(chosen['look']),
    final: bool(chosen['final']),
  }
}

/**
 * Spec metric names have no spaces, so the pipeline names a metric's per-route breakdown
 * `<metric> <route>` (label `<route> <label>`): the route is what follows the first space.
 */
function metricView(m: Json, fromSpec: Map<string, SpecMetric>, breakdown: Set<string>): MetricView {
  const name = text(m['name']) ?? '?'
  const space = name.indexOf(' ')
  const base = space > 0 ? name.slice(0, space) : name
  const spec = fromSpec.get(name) ?? fromSpec.get(base) ?? {}
  const route =
    text(m['route']) ?? (fromSpec.has(name) ? spec.route : undefined) ?? (space > 0 ? name.slice(space + 1) : null)
  const rawLabel = text(m['label']) ?? name
  const kind = text(m['kind']) ?? 'latency'
  const effect = objectOr(m['effect'])
  const interval = intervalOf(effect['interval'])
  // A rate that rose from zero has an infinite relative change: JSON stored it as null.
  const estimate =
    finite(effect['estimate']) ?? (interval && effect['estimate'] === null ? Number.POSITIVE_INFINITY : null)
  return {
    name,
    // The route has its own column: "GET /cart latency" reads as "latency" there.
    label: route && rawLabel.startsWith(`${route} `) ? rawLabel.slice(route.length + 1) : rawLabel,
    route: route ?? null,
    breakdown: breakdown.has(name),
    kind,
    direction: text(m['direction']) ?? 'increase',
    outcome: text(m['outcome']) ?? 'no-data',
    critical: bool(m['critical']),
    muted: bool(m['muted']),
    tolerance: finite(m['tolerance']),
    effect: interval && estimate !== null ? { estimate, interval } : null,
    baseline: sideSummary(m['baseline']),
    candidate: sideSummary(m['candidate']),
    unit: spec.unit ?? (kind === 'latency' || kind === 'quantile' ? 'ms' : ''),
    quantile: kind === 'quantile' ? (spec.quantile ?? 0.99) : null,
    test: text(m['test']) ?? '',
    pValue: finite(m['pValue']),
    adjustedPValue: finite(m['adjustedPValue']),
    sentence: text(m['sentence']) ?? '',
  }
}

function sideSummary(value: unknown): SideSummary {
  const s = objectOr(value)
  const summary: SideSummary = { n: finite(s['n']) ?? 0 }
  for (const key of ['median', 'p95', 'p99', 'mean', 'quantile', 'events', 'trials', 'rate'] as const) {
    const v = finite(s[key])
    if (v !== null) summary[key] = v
  }
  return summary
}

/** SLOs the pipeline could not judge, with why (custom SLOs without a metric provider). */
export function slosNotJudged(event: Json | undefined): string[] {
  return texts(event?.['notJudged'])
}

/** The SLO judgements of the `analysis.slo` event. */
export function sloViews(event: Json | undefined): SloView[] {
  return list(event?.['judgements'])
    .filter(isObject)
    .map((s) => {
      const candidate = objectOr(s['candidate'])
      return {
        name: text(s['name']) ?? '?',
        objective: finite(s['objective']),
        status: text(s['status']) ?? 'no-data',
        sentence: text(s['sentence']) ?? '',
        candidate: isObject(s['candidate']) ? sloSide(candidate) : null,
        baseline: isObject(s['baseline']) ? sloSide(s['baseline']) : null,
        firing: list(candidate['windows'])
          .filter(isObject)
          .filter((w) => bool(w['firing']))
          .map((w) => `${text(w['severity']) ?? 'page'} at ${finite(w['threshold']) ?? '?'}×`),
      }
    })
}

function sloSide(s: Json): SloSideView {
  return {
    attainment: finite(s['attainment']),
    interval: intervalOf(s['interval']),
    good: finite(s['good']),
    valid: finite(s['valid']),
    burnRate: finite(s['burnRate']),
    budgetUsed: finite(s['budgetUsed']),
  }
}
