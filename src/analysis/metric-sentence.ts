/**
 * @module analysis/metric-sentence
 * The one sentence that explains a metric's outcome to a person: which metric, which way it
 * moved, by how much with its interval, against which tolerance, and the figures behind it —
 * "checkout p99 rose 38% (95% CI 21–55%), above the 10% tolerance: p99 240 ms → 331 ms,
 * p = 0.0004."
 */
import {
  count,
  percent,
  pValueText,
  quantity,
  rateText,
  relativeInterval,
  roughCount,
  signedPercent,
} from './explain-format.ts'
import type { MetricEvidence } from './metric-evidence.ts'
import { watches } from './metric-evidence.ts'
import type { MetricOutcome } from './types.ts'

export type SentenceContext = {
  outcome: MetricOutcome
  decided: boolean
  adjustedP: number
  alpha: number
  /** Metrics the correction counted (for "after correcting for N metrics"). */
  tests: number
}

/** The sentence for one metric's outcome. */
export function explainMetric(e: MetricEvidence, ctx: SentenceContext): string {
  const { metric } = e
  const name = metricName(e)
  if (e.status === 'no-data') {
    const where = e.missing === 'both' ? 'on either side' : `for the ${e.missing}`
    return `${name} has no data ${where}, so it cannot be judged.`
  }
  if (e.status === 'too-few') {
    const unit = metric.kind === 'rate' ? 'requests' : 'samples'
    return `${name} has only ${count(e.baseline.n)} baseline and ${count(e.candidate.n)} candidate ${unit}, fewer than the ${count(metric.minSamples)} needed to judge it.`
  }
  const effect = e.effect!
  const tolerance = `the ${percent(metric.tolerance)} tolerance`
  const stats = statistics(e, ctx)
  const motion = movement(e)
  switch (ctx.outcome) {
    case 'high':
      return `${name} ${motion}, above ${tolerance}${figures(e)}; ${stats}.`
    case 'low':
      return `${name} ${motion}, beyond ${tolerance}${figures(e)}; ${stats}.`
    case 'pass': {
      const relativeOk =
        (!watches(metric.direction, 'increase') || effect.interval.upper <= metric.tolerance) &&
        (!watches(metric.direction, 'decrease') || effect.interval.lower >= -metric.tolerance)
      if (!relativeOk && e.added) {
        const bound = watches(metric.direction, 'increase') ? e.added.interval.upper : -e.added.interval.lower
        const verb = watches(metric.direction, 'increase') ? 'added' : 'lost'
        return `${name} went from ${rateText(e.baseline.events!, e.baseline.trials!)} to ${rateText(e.candidate.events!, e.candidate.trials!)}; the ${verb} rate is at most ${percent(Math.max(0, bound))} (${Math.round(e.added.interval.level * 100)}% bound), within the ${percent(metric.absoluteTolerance)} absolute tolerance.`
      }
      return `${name} ${motion}, within ${tolerance}${figures(e)}.`
    }
    default: {
      const rising = watches(metric.direction, 'increase') && effect.interval.upper > metric.tolerance
      const allows = rising ? `a rise above ${tolerance}` : `a fall beyond ${tolerance}`
      const figs = figures(e)
      const more = ctx.decided ? `, so it needs more data${needed(e, rising)}` : '; not settled yet at this look'
      return `${name} ${motion}, which cannot yet rule out ${allows}${figs ? ` (${figs.slice(2)})` : ''}${more}.`
    }
  }
}

/** The metric's name as sentences use it ("checkout p99" for a quantile metric). */
export function metricName(e: MetricEvidence): string {
  const { metric } = e
  if (metric.kind !== 'quantile') return metric.label
  const tag = `p${Math.round(metric.quantile * 1000) / 10}`
  return metric.label.toLowerCase().includes(tag) ? metric.label : `${metric.label} ${tag}`
}

/** "rose 38% (95% CI 21–55%)", or for a rate that started at zero "rose from 0% … to …". */
function movement(e: MetricEvidence): string {
  const { estimate, interval } = e.effect!
  if (e.metric.kind === 'rate' && !Number.isFinite(estimate)) {
    return `rose from ${rateText(e.baseline.events!, e.baseline.trials!)} to ${rateText(e.candidate.events!, e.candidate.trials!)} ${relativeInterval(interval, 'rise')}`
  }
  if (estimate > 0) return `rose ${percent(estimate)} ${relativeInterval(interval, 'rise')}`
  if (estimate < 0) return `fell ${percent(estimate)} ${relativeInterval(interval, 'fall')}`
  return `did not change ${relativeInterval(interval, 'change')}`
}

/** ": median 120 ms → 166 ms" — the figures a person would check first. */
function figures(e: MetricEvidence): string {
  const { metric, baseline: b, candidate: c } = e
  if (metric.kind === 'rate') {
    if (!Number.isFinite(e.effect!.estimate)) return ''
    return `: ${rateText(b.events!, b.trials!)} → ${rateText(c.events!, c.trials!)}`
  }
  if (metric.kind === 'quantile') {
    const tag = `p${Math.round(metric.quantile * 1000) / 10}`
    return `: ${tag} ${quantity(b.quantile!, metric.unit)} → ${quantity(c.quantile!, metric.unit)}`
  }
  return `: median ${quantity(b.median!, metric.unit)} → ${quantity(c.median!, metric.unit)}`
}

function statistics(e: MetricEvidence, ctx: SentenceContext): string {
  let text = pValueText(e.pValue)
  if (e.pValue < ctx.alpha && ctx.adjustedP >= ctx.alpha) {
    text += ` (${pValueText(ctx.adjustedP).replace('p = ', '')} after correcting for ${ctx.tests} metrics)`
  }
  return `${text}, ${e.test}`
}

/** " (about 4,800 per side)": how much data would shrink the interval inside the tolerance. */
function needed(e: MetricEvidence, rising: boolean): string {
  const { metric } = e
  const { estimate, interval } = e.effect!
  const room = rising ? metric.tolerance - estimate : estimate + metric.tolerance
  const half = rising ? interval.upper - estimate : estimate - interval.lower
  let factor = room > 0 && Number.isFinite(half) ? (half / room) ** 2 : Number.NaN
  if (e.added && !(factor > 0 && Number.isFinite(factor))) {
    const added = e.added
    const addedRoom = metric.absoluteTolerance - Math.abs(added.estimate)
    const addedHalf = rising ? added.interval.upper - added.estimate : added.estimate - added.interval.lower
    factor = addedRoom > 0 ? (addedHalf / addedRoom) ** 2 : Number.NaN
  }
  if (!(factor > 1) || !Number.isFinite(factor)) return ''
  const unit = metric.kind === 'rate' ? 'requests' : 'samples'
  return ` (about ${roughCount(e.n * factor)} ${unit} per side)`
}

/** "+38%" etc., exported for summaries. */
export function effectText(e: MetricEvidence): string {
  return e.effect ? signedPercent(e.effect.estimate) : 'n/a'
}
