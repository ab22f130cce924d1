/**
 * @module analysis/metric-decision
 * How one metric's evidence becomes an outcome. The rule, in words:
 * - high / low: the change is statistically significant after the correction across metrics
 *   (adjusted p < alpha) AND its estimate is beyond the tolerance, in a direction the metric
 *   watches. Significance guards against noise; the tolerance guards against trivia.
 * - pass: the interval's bad-side bound is inside the tolerance — the data rule out a regression
 *   larger than the tolerance. For rates, also when the added rate's bound is inside the absolute
 *   tolerance (sparse errors cannot bound a ratio, but they can bound an added rate).
 * - insufficient-evidence: neither — the interval still allows a regression beyond the
 *   tolerance, but the data do not show one. Never silently a pass.
 */
import type { MetricEvidence } from './metric-evidence.ts'
import { watches } from './metric-evidence.ts'
import type { MetricOutcome } from './types.ts'

export type Decision = { outcome: MetricOutcome; decided: boolean }

/** The outcome of one metric; `decided` is false while a sequential run may still settle it. */
export function decideMetric(evidence: MetricEvidence, adjustedP: number, alpha: number, final: boolean): Decision {
  if (evidence.status === 'no-data') return { outcome: 'no-data', decided: final }
  if (evidence.status === 'too-few') return { outcome: 'insufficient-evidence', decided: final }
  const { metric, effect } = evidence
  const { direction, tolerance } = metric
  const significant = adjustedP < alpha
  if (effect) {
    if (significant && watches(direction, 'increase') && effect.estimate > tolerance && effect.interval.lower > 0) {
      return { outcome: 'high', decided: true }
    }
    if (significant && watches(direction, 'decrease') && effect.estimate < -tolerance && effect.interval.upper < 0) {
      return { outcome: 'low', decided: true }
    }
  }
  if (withinTolerance(evidence)) return { outcome: 'pass', decided: true }
  return { outcome: 'insufficient-evidence', decided: final }
}

/** The data rule out a regression beyond the tolerance on every side the metric watches. */
export function withinTolerance(evidence: MetricEvidence): boolean {
  const { metric, effect, added } = evidence
  if (!effect) return false
  const up = !watches(metric.direction, 'increase') || effect.interval.upper <= metric.tolerance
  const down = !watches(metric.direction, 'decrease') || effect.interval.lower >= -metric.tolerance
  if (up && down) return true
  if (!added) return false
  const addedUp = !watches(metric.direction, 'increase') || up || added.interval.upper <= metric.absoluteTolerance
  const addedDown = !watches(metric.direction, 'decrease') || down || added.interval.lower >= -metric.absoluteTolerance
  return addedUp && addedDown
}
