/**
 * @module gates/approval-gate
 * The approval gate: a person decides. Until someone runs `rehearse approve <id>` or
 * `rehearse reject <id>` the gate is pending (the verdict holds); then the latest decision
 * counts — approve passes, reject fails — and who decided, when and why are the reasons.
 */
import type { GateResult } from '../core/types.ts'
import type { ApprovalEvidence, Gate, GateContext } from './gate.ts'

export const approvalGate: Gate = {
  kind: 'approval',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    return judgeApprovals(ctx.rehearsalId, ctx.approvals ?? [])
  },
}

/** The gate's decision from the recorded decisions, oldest first (pure). */
export function judgeApprovals(rehearsalId: string, approvals: readonly ApprovalEvidence[]): GateResult {
  const latest = approvals.at(-1)
  if (!latest) {
    return {
      status: 'pending',
      reasons: [
        `waiting for a person to decide: run \`rehearse approve ${rehearsalId}\` (or \`rehearse reject ${rehearsalId}\`)`,
      ],
      details: { approvals: [] },
    }
  }
  const describe = (a: ApprovalEvidence) =>
    `${a.decision === 'approve' ? 'approved' : 'rejected'} by ${a.by} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`
  const earlier = approvals.slice(0, -1)
  const reasons = [describe(latest), ...(earlier.length ? [`earlier: ${earlier.map(describe).join('; ')}`] : [])]
  return { status: latest.decision === 'approve' ? 'pass' : 'fail', reasons, details: { approvals } }
}
