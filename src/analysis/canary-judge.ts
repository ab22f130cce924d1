/**
 * @module analysis/canary-judge
 * The canary judge: compares every metric of the candidate with the baseline, corrects the
 * p-values across metrics (Benjamini–Hochberg by default), classifies each metric
 * pass / high / low / no-data / insufficient-evidence with one explaining sentence, scores the
 * candidate 0–100 from weighted groups and gives a verdict. A critical metric that fails fails
 * the whole judgement; an undecided critical metric can never pass it.
 *
 * With `sequential: true` the judge may be called at every look while traffic runs, passing back
 * the `state` of the previous look: p-values and intervals are always valid, so looking often
 * does not raise the false-failure rate, and `stop` says when the evidence is already enough.
 *
 * `mode: 'kayenta'` hands over to a faithful reproduction of Kayenta's NetflixACAJudge.
 */
import { DEFAULT_THRESHOLDS, scoreMetrics } from './canary-score.ts'
import { pValueText } from './explain-format.ts'
import { judgeKayenta } from './kayenta-judge.ts'
import { decideMetric } from './metric-decision.ts'
import { gatherEvidence, resolveMetric } from './metric-evidence.ts'
import { explainMetric } from './metric-sentence.ts'
import { adjustPValues } from './multiple-testing.ts'
import { sampleRatioMismatch } from './sample-ratio.ts'
import type {
  CanaryConfig,
  CanaryData,
  CanaryJudgement,
  CanaryVerdict,
  MetricJudgement,
  SequentialState,
} from './types.ts'
import { validateCanaryConfig, validateCanaryData } from './validate-config.ts'

/** Two-sided false-failure rate per metric unless the config says otherwise. */
export const DEFAULT_ALPHA = 0.05

/**
 * Judges the candidate against the baseline. Pure: the same input always gives the same output.
 * Throws ANALYSIS_INVALID_CONFIG / ANALYSIS_DATA_SHAPE for input it cannot judge.
 */
export function judgeCanary(config: CanaryConfig, data: CanaryData, previous?: SequentialState): CanaryJudgement {
  validateCanaryConfig(config)
  validateCanaryData(config, data)
  if (config.mode === 'kayenta') return judgeKayenta(config, data)
  const alpha = config.alpha ?? DEFAULT_ALPHA
  const sequential = config.sequential ?? false
  const final = sequential ? (data.final ?? false) : true
  const thresholds = config.thresholds ?? DEFAULT_THRESHOLDS
  const settings = { alpha, sequential, final, seed: config.seed ?? 1 }

  const evidence = config.metrics.map((m) => {
    const d = data.metrics[m.name] ?? {}
    return gatherEvidence(resolveMetric(m, d.candidate ?? d.baseline), d.baseline, d.candidate, settings)
  })
  // Sequential p-values are kept as running minima: once evidence was seen, it stays seen.
  const state: SequentialState = { looks: (previous?.looks ?? 0) + 1, minPValues: {} }
  const pValues = evidence.map((e) => {
    const before = previous?.minPValues[e.metric.name]
    const p =
      sequential && before !== undefined ? (Number.isNaN(e.pValue) ? before : Math.min(before, e.pValue)) : e.pValue
    if (sequential && !Number.isNaN(p)) state.minPValues[e.metric.name] = p
    return p
  })
  // Muted metrics are judged but take no part in the correction of the others.
  const testable = evidence.map((e, i) => (e.metric.muted ? Number.NaN : pValues[i]!))
  const corrected = adjustPValues(testable, config.correction ?? 'bh')
  const tests = testable.filter((p) => !Number.isNaN(p)).length

  const metrics: MetricJudgement[] = evidence.map((e, i) => {
    const p = pValues[i]!
    const adjustedP = e.metric.muted ? p : corrected[i]!
    const decision = decideMetric({ ...e, pValue: p }, adjustedP, alpha, final)
    const sentence = explainMetric({ ...e, pValue: p }, { ...decision, adjustedP, alpha, tests })
    const { metric } = e
    return {
      name: metric.name,
      label: metric.label,
      kind: metric.kind,
      direction: metric.direction,
      outcome: decision.outcome,
      critical: metric.critical,
      muted: metric.muted,
      group: metric.group,
      weight: metric.weight,
      tolerance: metric.tolerance,
      ...(e.effect ? { effect: e.effect } : {}),
      baseline: e.baseline,
      candidate: e.candidate,
      test: e.test,
      pValue: p,
      adjustedPValue: adjustedP,
      sentence,
      decided: decision.decided,
    }
  })

  const srm = data.traffic ? sampleRatioMismatch(data.traffic, config.srm ?? {}) : undefined
  const { score, scoreRange, groups } = scoreMetrics(metrics, config.groups)
  const counted = metrics.filter((m) => !m.muted)
  const criticalFailures = counted.filter((m) => m.critical && (m.outcome === 'high' || m.outcome === 'low'))
  const verdict = decideVerdict(counted, score, scoreRange, thresholds, srm?.mismatch ?? false)
  const settled = counted.every((m) => m.decided && m.outcome !== 'insufficient-evidence' && m.outcome !== 'no-data')
  const stop = final || criticalFailures.length > 0 || scoreRange.max < thresholds.marginal || settled

  const reasons = orderReasons(counted)
  if (srm?.mismatch) {
    reasons.unshift(
      `The traffic split is off: the candidate got ${(srm.observedCandidateShare * 100).toFixed(1)}% of requests where ${(srm.expectedCandidateShare * 100).toFixed(1)}% was expected (sample-ratio mismatch, ${pValueText(srm.pValue)}), so the comparison may be biased.`,
    )
  }
  return {
    mode: 'rehearse',
    verdict: sequential && !stop ? 'inconclusive' : verdict,
    score,
    scoreRange,
    thresholds,
    alpha,
    groups,
    metrics,
    criticalFailures: criticalFailures.map((m) => m.name),
    ...(srm ? { srm } : {}),
    stop,
    summary: summarise(verdict, score, counted, criticalFailures, srm?.mismatch ?? false, sequential && !stop),
    reasons,
    ...(sequential ? { state } : {}),
  }
}

function decideVerdict(
  counted: MetricJudgement[],
  score: number,
  range: { min: number; max: number },
  thresholds: { pass: number; marginal: number },
  srmMismatch: boolean,
): CanaryVerdict {
  if (counted.length === 0) return 'inconclusive'
  if (counted.some((m) => m.critical && (m.outcome === 'high' || m.outcome === 'low'))) return 'fail'
  if (range.max < thresholds.marginal) return 'fail'
  if (srmMismatch) return 'inconclusive'
  const undecided = (m: MetricJudgement) => m.outcome === 'no-data' || m.outcome === 'insufficient-evidence'
  if (counted.some((m) => m.critical && undecided(m))) return 'inconclusive'
  if (!counted.some(undecided))
    return score >= thresholds.pass ? 'pass' : score >= thresholds.marginal ? 'marginal' : 'fail'
  if (range.min >= thresholds.pass) return 'pass'
  if (range.min >= thresholds.marginal && range.max < thresholds.pass) return 'marginal'
  return 'inconclusive'
}

/** Failures first (critical before others), then what lacks evidence, then the passes. */
function orderReasons(counted: MetricJudgement[]): string[] {
  const rank = (m: MetricJudgement) =>
    m.outcome === 'high' || m.outcome === 'low' ? (m.critical ? 0 : 1) : m.outcome === 'pass' ? 3 : 2
  return [...counted].sort((a, b) => rank(a) - rank(b)).map((m) => m.sentence)
}

function summarise(
  verdict: CanaryVerdict,
  score: number,
  counted: MetricJudgement[],
  critical: MetricJudgement[],
  srm: boolean,
  running: boolean,
): string {
  const failed = counted.filter((m) => m.outcome === 'high' || m.outcome === 'low')
  const open = counted.filter((m) => m.outcome === 'no-data' || m.outcome === 'insufficient-evidence')
  const names = (ms: MetricJudgement[]) => ms.map((m) => m.label).join(', ')
  const undecided = open.length ? `; ${names(open)} undecided` : ''
  if (counted.length === 0) return 'Nothing to judge: no metric is configured or every metric is muted.'
  if (critical.length > 0)
    return `The candidate fails: critical metric ${names(critical)} regressed — ${critical[0]!.sentence}`
  if (running) {
    return `Still gathering evidence (score so far ${score}): ${open.length} of ${counted.length} metrics not settled yet (${names(open)}).`
  }
  switch (verdict) {
    case 'fail':
      return failed.length
        ? `The candidate fails with score ${score}: ${names(failed)} regressed${undecided}.`
        : `The candidate fails with score ${score}: ${names(open)} could not be judged.`
    case 'marginal':
      return `The candidate is marginal with score ${score}: ${names(failed)} regressed${undecided}.`
    case 'inconclusive':
      if (srm)
        return 'Inconclusive: the traffic split between baseline and candidate is not what was asked for, so the comparison cannot be trusted.'
      return `Inconclusive (score ${score} on the metrics with evidence): ${names(open)} lack the evidence to decide — run longer or with more traffic.`
    default: {
      if (failed.length > 0 || open.length > 0) {
        return `The candidate passes with score ${score}${failed.length ? `, although ${names(failed)} regressed` : ''}${undecided}.`
      }
      const all = counted.length === 1 ? 'its one metric is' : `all ${counted.length} metrics are`
      return `The candidate passes with score ${score}: ${all} within tolerance.`
    }
  }
}
