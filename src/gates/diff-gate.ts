/**
 * @module gates/diff-gate
 * The `diff` gate: the three-way response diff of the replayed traffic. It fails when a field of
 * an endpoint differs on the candidate significantly more often than between two baselines
 * (one reason per endpoint × field, with both rates), warns when too little was replayed to judge,
 * and passes otherwise. The findings, each with a redacted example pair, travel in `details`.
 * A difference that is the feature being released belongs in the spec's `diff.ignore`.
 */
import type { ResponseDiffResult } from '../analysis/response-diff.ts'
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext } from './gate.ts'

export const diffGate: Gate = {
  kind: 'diff',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const evidence = ctx.evidence['diff'] as ResponseDiffResult | undefined
    if (!evidence) {
      return {
        status: 'fail',
        reasons: [
          'no responses were compared: the diff needs a `replay:` section and a `diff:` section (which starts a second baseline)',
        ],
      }
    }
    const { gate, findings, omittedFindings, requests, fieldsTested } = evidence
    return {
      status: gate.status,
      reasons: gate.reasons,
      details: {
        requests,
        fieldsTested,
        omittedFindings,
        findings: findings.map((f) => ({
          endpoint: f.endpoint,
          field: f.kind === 'body' ? f.path : f.kind === 'header' ? `header ${f.path}` : 'status',
          requests: f.requests,
          candidateDiffs: f.candidateDiffs,
          noiseDiffs: f.noiseDiffs,
          qValue: f.qValue,
          example: f.example,
        })),
      },
    }
  },
}
