/**
 * @module analysis/response-diff/diff-gate
 * The `diff` gate's verdict from a response diff: fail with one reason per finding (endpoint,
 * field, both rates, q-value), warn when nothing could be judged or fields went uncompared,
 * pass otherwise.
 */
import type { GateResult } from '../../core/types.ts'
import type { ResponseDiffResult } from '../response-diff.ts'

/** The gate result for a diff; `significant` counts all findings, also those not listed. */
export function diffGate(
  result: Omit<ResponseDiffResult, 'gate'>,
  significant: number,
  minRequests: number,
): GateResult {
  const judged = result.endpoints.filter((e) => e.judged)
  const pct = (r: number) => `${(r * 100).toFixed(r < 0.1 ? 1 : 0)}%`
  if (significant > 0) {
    const reasons = result.findings.slice(0, 10).map((f) => {
      const what = f.kind === 'body' ? f.path : f.kind === 'header' ? `header ${f.path}` : 'status'
      return `${f.endpoint} ${what}: candidate differs in ${f.candidateDiffs}/${f.requests} (${pct(f.candidateRate)}), noise ${f.noiseDiffs}/${f.requests} (${pct(f.noiseRate)}), q=${f.qValue.toPrecision(2)}`
    })
    if (significant > reasons.length) reasons.push(`… and ${significant - reasons.length} more fields`)
    return { status: 'fail', reasons, details: { findings: significant } }
  }
  if (judged.length === 0) {
    return {
      status: 'warn',
      reasons: [
        result.requests === 0
          ? 'no replayed requests were compared'
          : `no endpoint had the ${minRequests} requests needed to judge it (${result.requests} requests over ${result.endpoints.length} endpoints)`,
      ],
    }
  }
  const reasons = [
    `no field differs more often on the candidate than between two baselines (${result.requests} requests, ${judged.length} endpoints, ${result.fieldsTested} fields)`,
  ]
  const skipped = result.endpoints.length - judged.length
  if (skipped) reasons.push(`${skipped} endpoints had fewer than ${minRequests} requests and were not judged`)
  const untracked = result.endpoints.reduce((n, e) => n + e.untrackedFields, 0)
  if (untracked) reasons.push(`${untracked} fields beyond the per-endpoint limit were not compared`)
  return { status: untracked ? 'warn' : 'pass', reasons }
}
