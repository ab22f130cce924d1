/**
 * @module analysis/metric-evidence
 * The numbers behind one metric's judgement: what each side looked like, the relative effect of
 * the candidate with its interval, the p-value of the test that fits the metric's kind, and
 * (for sequential runs) the always-valid versions of both. No decision is made here; the judge
 * combines the evidence of all metrics, corrects the p-values and decides.
 */
import { median, quantileInverseCdf, quantileSorted, sortedFinite } from './descriptive.ts'
import { hodgesLehmannSorted } from './hodges-lehmann.ts'
import { mannWhitneySorted } from './mann-whitney.ts'
import { normalQuantile } from './normal-distribution.ts'
import { fisherExact, newcombeInterval, rateRatio } from './proportion-test.ts'
import { compareQuantilesSorted } from './quantile-compare.ts'
import { binomialMixture, normalMixture, shareToRatio } from './sequential.ts'
import type { CanaryMetricConfig, Direction, Interval, MetricKind, RateCounts, SideData, SideSummary } from './types.ts'

/** A metric's configuration with every default filled in. */
export type ResolvedMetric = Required<Omit<CanaryMetricConfig, 'label' | 'unit'>> & {
  label: string
  unit: string
}

export type MetricEvidence = {
  metric: ResolvedMetric
  baseline: SideSummary
  candidate: SideSummary
  /** 'no-data': a side is missing or empty; 'too-few': below minSamples. */
  status: 'ok' | 'no-data' | 'too-few'
  missing?: 'baseline' | 'candidate' | 'both'
  /** Relative change of the candidate (0.38 = +38%) and its interval. */
  effect?: { estimate: number; interval: Interval }
  /** Rates: the added rate (candidate − baseline) and its interval. */
  added?: { estimate: number; interval: Interval }
  pValue: number
  test: string
  /** For an "insufficient evidence" estimate of the data needed: observations (or trials) now. */
  n: number
}

/** Relative change accepted unless configured (10%). */
export const DEFAULT_TOLERANCE = 0.1
/** Added rate accepted for rates unless configured (0.1 percentage point). */
export const DEFAULT_ABSOLUTE_TOLERANCE = 0.001

/** Fills in defaults; the kind defaults to 'rate' for counts and 'latency' for values. */
export function resolveMetric(config: CanaryMetricConfig, data: SideData | undefined): ResolvedMetric {
  const kind: MetricKind = config.kind ?? (data !== undefined && !Array.isArray(data) ? 'rate' : 'latency')
  const quantile = config.quantile ?? 0.99
  const minSamples =
    config.minSamples ??
    (kind === 'rate' ? 50 : kind === 'quantile' ? Math.max(20, Math.ceil(10 / (1 - quantile))) : 20)
  return {
    name: config.name,
    kind,
    direction: config.direction ?? 'increase',
    tolerance: config.tolerance ?? DEFAULT_TOLERANCE,
    absoluteTolerance: config.absoluteTolerance ?? DEFAULT_ABSOLUTE_TOLERANCE,
    quantile,
    critical: config.critical ?? false,
    muted: config.muted ?? false,
    weight: config.weight ?? 1,
    group: config.group ?? 'default',
    minSamples,
    label: config.label ?? config.name,
    unit: config.unit ?? (kind === 'latency' || kind === 'quantile' ? 'ms' : ''),
  }
}

/**
 * `sequential`: p-values are always valid. Intervals are always valid too, except on the `final`
 * look, where the run has reached its planned length and the fixed-horizon interval decides
 * whether the data rule out a regression (a failure still needs the always-valid p-value, so the
 * false-failure guarantee is untouched).
 */
export type EvidenceSettings = { alpha: number; sequential: boolean; final: boolean; seed: number }

/** Gathers the evidence for one metric. */
export function gatherEvidence(
  metric: ResolvedMetric,
  baselineData: SideData | undefined,
  candidateData: SideData | undefined,
  settings: EvidenceSettings,
): MetricEvidence {
  if (metric.kind === 'rate') return rateEvidence(metric, asCounts(baselineData), asCounts(candidateData), settings)
  const b = sortedFinite(asValues(baselineData))
  const c = sortedFinite(asValues(candidateData))
  const baseline = summarise(b, metric)
  const candidate = summarise(c, metric)
  const shell = { metric, baseline, candidate, pValue: Number.NaN, test: '', n: Math.min(b.length, c.length) }
  const missing =
    b.length === 0 && c.length === 0 ? 'both' : b.length === 0 ? 'baseline' : c.length === 0 ? 'candidate' : undefined
  if (missing) return { ...shell, status: 'no-data', missing }
  if (b.length < metric.minSamples || c.length < metric.minSamples) return { ...shell, status: 'too-few' }
  if (metric.kind === 'quantile') return quantileEvidence(shell, b, c, settings)
  return shiftEvidence(shell, b, c, settings)
}

function asValues(data: SideData | undefined): readonly number[] {
  if (data === undefined) return []
  return Array.isArray(data) ? data : ((data as { series?: readonly number[] }).series ?? [])
}

function asCounts(data: SideData | undefined): RateCounts | undefined {
  if (data === undefined || Array.isArray(data)) return undefined
  return data as RateCounts
}

function summarise(sorted: Float64Array, metric: ResolvedMetric): SideSummary {
  if (sorted.length === 0) return { n: 0 }
  let sum = 0
  for (const v of sorted) sum += v
  const summary: SideSummary = {
    n: sorted.length,
    median: median(sorted),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    mean: sum / sorted.length,
  }
  if (metric.kind === 'quantile') summary.quantile = quantileInverseCdf(sorted, metric.quantile)
  return summary
}

type Shell = Omit<MetricEvidence, 'status'>

/** Latency and distributions: Mann–Whitney for the p-value, Hodges–Lehmann for the effect. */
function shiftEvidence(shell: Shell, b: Float64Array, c: Float64Array, s: EvidenceSettings): MetricEvidence {
  const { metric } = shell
  const level = 1 - s.alpha
  const mw = mannWhitneySorted(b, c)
  const test = `Mann–Whitney U (${mw.method})`
  // Latency is multiplicative: a shift of log-latency is a ratio, so the effect is relative by
  // construction. Ranks do not change under log, so the p-value is the same either way.
  const logScale = metric.kind === 'latency' && b[0]! > 0 && c[0]! > 0
  const scale = logScale ? 1 : Math.abs(shell.baseline.median!) || Math.abs(shell.baseline.mean!) || 1
  const toRelative = (v: number) => (logScale ? Math.expm1(v) : v / scale)
  const hb = logScale ? b.map(Math.log) : b
  const hc = logScale ? c.map(Math.log) : c
  const hl = hodgesLehmannSorted(hb, hc, { confLevel: level })
  let interval: Interval = { lower: toRelative(hl.interval.lower), upper: toRelative(hl.interval.upper), level }
  let pValue = mw.pValue
  if (s.sequential) {
    const z = normalQuantile(1 - s.alpha / 2)
    const variance = ((hl.interval.upper - hl.interval.lower) / (2 * z)) ** 2
    const tau = logScale ? Math.log1p(Math.max(metric.tolerance, 0.05)) : Math.max(metric.tolerance, 0.05) * scale
    const av = normalMixture(hl.estimate, variance, tau, s.alpha)
    pValue = av.pValue
    if (!s.final) interval = { lower: toRelative(av.interval.lower), upper: toRelative(av.interval.upper), level }
  }
  return {
    ...shell,
    status: 'ok',
    effect: { estimate: toRelative(hl.estimate), interval },
    pValue,
    test: s.sequential ? `${test}, always-valid` : test,
  }
}

function quantileEvidence(shell: Shell, b: Float64Array, c: Float64Array, s: EvidenceSettings): MetricEvidence {
  const { metric } = shell
  const q = compareQuantilesSorted(b, c, { quantile: metric.quantile, level: 1 - s.alpha, seed: s.seed })
  let interval = q.interval
  let pValue = q.pValue
  if (s.sequential && q.baseline > 0 && q.candidate > 0 && q.logRatioStandardError > 0) {
    const av = normalMixture(
      Math.log(q.candidate / q.baseline),
      q.logRatioStandardError ** 2,
      Math.log1p(Math.max(metric.tolerance, 0.05)),
      s.alpha,
    )
    pValue = av.pValue
    if (!s.final)
      interval = { lower: Math.expm1(av.interval.lower), upper: Math.expm1(av.interval.upper), level: 1 - s.alpha }
  }
  return {
    ...shell,
    status: 'ok',
    effect: { estimate: q.relativeChange, interval },
    pValue,
    test: `p${trimQuantile(metric.quantile)} exceedance (Fisher's exact)${s.sequential ? ', always-valid' : ''}`,
  }
}

function trimQuantile(q: number): string {
  return String(Math.round(q * 1000) / 10)
}

/** Rates: Fisher's exact test, an exact interval for the ratio, Newcombe's for the difference. */
function rateEvidence(
  metric: ResolvedMetric,
  b: RateCounts | undefined,
  c: RateCounts | undefined,
  s: EvidenceSettings,
): MetricEvidence {
  const side = (r: RateCounts | undefined): SideSummary =>
    r
      ? { n: r.trials, events: r.events, trials: r.trials, rate: r.trials > 0 ? r.events / r.trials : Number.NaN }
      : { n: 0 }
  const baseline = side(b)
  const candidate = side(c)
  const shell = { metric, baseline, candidate, pValue: Number.NaN, test: '', n: Math.min(baseline.n, candidate.n) }
  const bMissing = !b || b.trials <= 0
  const cMissing = !c || c.trials <= 0
  if (bMissing || cMissing) {
    return { ...shell, status: 'no-data', missing: bMissing && cMissing ? 'both' : bMissing ? 'baseline' : 'candidate' }
  }
  if (b.trials < metric.minSamples || c.trials < metric.minSamples) return { ...shell, status: 'too-few' }
  const level = 1 - s.alpha
  const pb = b.events / b.trials
  const pc = c.events / c.trials
  const relative = pb > 0 ? pc / pb - 1 : pc > 0 ? Number.POSITIVE_INFINITY : 0
  const ratio = rateRatio(b, c, level)
  const noEvents = b.events + c.events === 0
  let effect = {
    estimate: relative,
    interval: noEvents
      ? { lower: -1, upper: Number.POSITIVE_INFINITY, level }
      : { lower: ratio.interval.lower - 1, upper: ratio.interval.upper - 1, level },
  }
  let added = { estimate: pc - pb, interval: newcombeInterval(b, c, level) }
  let pValue = fisherExact(b, c).pValue
  let test = "Fisher's exact test"
  if (s.sequential) {
    const av = binomialMixture(c.events, b.events + c.events, c.trials / (b.trials + c.trials), s.alpha)
    pValue = av.pValue
    test = 'conditional binomial mixture (always-valid)'
    if (!s.final) {
      effect = {
        estimate: relative,
        interval: noEvents
          ? effect.interval
          : {
              lower: shareToRatio(av.interval.lower, b.trials, c.trials) - 1,
              upper: shareToRatio(av.interval.upper, b.trials, c.trials) - 1,
              level,
            },
      }
      // The added rate, bounded by each side's own confidence sequence at alpha/2.
      const cs = binomialMixture(c.events, c.trials, 0.5, s.alpha / 2).interval
      const bs = binomialMixture(b.events, b.trials, 0.5, s.alpha / 2).interval
      added = { estimate: pc - pb, interval: { lower: cs.lower - bs.upper, upper: cs.upper - bs.lower, level } }
    }
  }
  return { ...shell, status: 'ok', effect, added, pValue, test }
}

/** Whether a direction counts a rise (or a fall) as a regression. */
export function watches(direction: Direction, move: 'increase' | 'decrease'): boolean {
  return direction === 'either' || direction === move
}
