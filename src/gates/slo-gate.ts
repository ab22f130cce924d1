/**
 * @module gates/slo-gate
 * The SLO gate: every SLO's judgement on the candidate (its objective, its error-budget burn, and
 * how it compares with the baseline). Any failure fails the gate; an SLO that could not be judged
 * holds it, never passes it.
 */
import type { SloJudgement } from '../analysis/types.ts'
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext } from './gate.ts'

type SloEvidence = { judgements: SloJudgement[]; notJudged: string[] }

export const sloGate: Gate = {
  kind: 'slo',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const evidence = ctx.evidence['slo'] as SloEvidence | undefined
    if (!evidence) return { status: 'fail', reasons: ['no SLO was judged: the rehearsal has no traffic section'] }
    const { judgements, notJudged } = evidence
    if (judgements.length === 0 && notJudged.length === 0) {
      return {
        status: 'warn',
        reasons: ['the spec declares no SLOs (slos:), so there is nothing for this gate to judge'],
      }
    }
    const failed = judgements.filter((j) => j.status === 'fail')
    const undecided = judgements.filter((j) => j.status === 'inconclusive' || j.status === 'no-data')
    const reasons = [...failed, ...undecided, ...judgements.filter((j) => j.status === 'pass')].map((j) => j.sentence)
    const details = { judgements: judgements.map((j) => ({ name: j.name, status: j.status })) }
    if (failed.length) return { status: 'fail', reasons: [...reasons, ...notJudged], details }
    if (undecided.length || notJudged.length) return { status: 'warn', reasons: [...reasons, ...notJudged], details }
    return { status: 'pass', reasons, details }
  },
}
