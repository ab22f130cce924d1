/**
 * @module gates/canary-gate
 * The canary gate: the judge's verdict on the candidate, with one policy on top for the per-route
 * breakdown. A metric judged over all routes (or a metric the spec ties to one route) is primary:
 * the candidate must be shown to be within its tolerance, and evidence too thin to show it holds
 * the release. A per-route breakdown of a metric can only fail the candidate — it is how a
 * regression confined to one route is found and named — and a route with too little traffic to
 * judge is listed, never counted as a pass or a failure.
 */
import type { CanaryJudgement, MetricJudgement } from '../analysis/types.ts'
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext } from './gate.ts'

/** What the rehearsal records as canary evidence. */
export type CanaryEvidence = { judgement: CanaryJudgement; breakdown: string[] }

const UNDECIDED = new Set(['insufficient-evidence', 'no-data'])

export const canaryGate: Gate = {
  kind: 'canary',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const evidence = ctx.evidence['canary'] as CanaryEvidence | undefined
    if (!evidence) {
      return {
        status: 'fail',
        reasons: ['no canary judgement: the rehearsal has no traffic section, so nothing was compared'],
      }
    }
    return judgeCanaryGate(evidence)
  },
}

/** The gate's decision from a judgement (pure; `rehearse rejudge` calls it too). */
export function judgeCanaryGate({ judgement, breakdown }: CanaryEvidence): GateResult {
  const isBreakdown = new Set(breakdown)
  const counted = judgement.metrics.filter((m) => !m.muted)
  const regressed = counted.filter((m) => m.outcome === 'high' || m.outcome === 'low')
  const undecidedPrimary = counted.filter((m) => !isBreakdown.has(m.name) && UNDECIDED.has(m.outcome))
  const undecidedRoutes = counted.filter((m) => isBreakdown.has(m.name) && UNDECIDED.has(m.outcome))
  const details = { score: judgement.score, verdict: judgement.verdict, criticalFailures: judgement.criticalFailures }
  const sentences = (ms: MetricJudgement[]) => ms.map((m) => m.sentence)

  if (judgement.verdict === 'fail') {
    return { status: 'fail', reasons: [judgement.summary, ...sentences(regressed)], details }
  }
  if (judgement.srm?.mismatch) {
    return {
      status: 'warn',
      reasons: [
        `the baseline and the candidate did not get the traffic split asked for (sample-ratio mismatch, p = ${judgement.srm.pValue.toPrecision(2)}): the comparison is not trustworthy`,
      ],
      details,
    }
  }
  if (undecidedPrimary.length) {
    return {
      status: 'warn',
      reasons: [
        `not enough evidence to show the candidate is within tolerance on ${undecidedPrimary.map((m) => m.label).join(', ')} — run longer or with more traffic`,
        ...sentences(undecidedPrimary),
        ...sentences(regressed),
      ],
      details,
    }
  }
  if (judgement.verdict === 'marginal' || regressed.length) {
    return { status: 'warn', reasons: [judgement.summary, ...sentences(regressed)], details }
  }
  const passed = counted.filter((m) => m.outcome === 'pass')
  return {
    status: 'pass',
    reasons: [
      `score ${Math.round(judgement.score)}: every metric over all routes is within its tolerance, and no route regressed (${passed.length} metrics judged)`,
      ...(undecidedRoutes.length
        ? [`too little traffic to judge, not counted: ${undecidedRoutes.map((m) => m.label).join(', ')}`]
        : []),
    ],
    details,
  }
}
