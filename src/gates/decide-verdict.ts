/**
 * @module gates/decide-verdict
 * From gate outcomes to the verdict. The rule is strict on purpose: a candidate is promoted only
 * when every gate passes. A failed gate means rollback; a warning or a pending gate (marginal
 * score, insufficient evidence, an approval not given yet) means hold, for a person to look.
 */
import { EXIT } from '../core/error-codes.ts'
import type { Verdict } from '../core/types.ts'
import type { GateOutcome } from './gate.ts'

export type Decision = { verdict: Verdict; exitCode: 0 | 1; summary: string }

export function decideVerdict(gates: GateOutcome[]): Decision {
  const failed = gates.filter((g) => g.status === 'fail')
  const held = gates.filter((g) => g.status === 'warn' || g.status === 'pending')
  if (failed.length) {
    return {
      verdict: 'rollback',
      exitCode: EXIT.gateFailed,
      summary: `rollback: ${failed.map((g) => `${g.kind} gate failed — ${g.reasons[0] ?? 'no reason given'}`).join('; ')}`,
    }
  }
  if (held.length) {
    return {
      verdict: 'hold',
      exitCode: EXIT.gateFailed,
      summary: `hold: ${held.map((g) => `${g.kind} gate ${g.status === 'warn' ? 'warns' : 'is pending'} — ${g.reasons[0] ?? ''}`).join('; ')}`,
    }
  }
  if (gates.length === 0) {
    return {
      verdict: 'hold',
      exitCode: EXIT.gateFailed,
      summary: 'hold: no gate judged the candidate (gates: is empty)',
    }
  }
  return {
    verdict: 'promote',
    exitCode: EXIT.promote,
    summary: `promote: all ${gates.length} gates passed (${gates.map((g) => g.kind).join(', ')})`,
  }
}
