/**
 * @module gates/evaluate-gates
 * Evaluates a list of gate entries in order, each with its own options; a gate sees the outcomes
 * of those before it (the webhook gate sends them on). The run and `rehearse rejudge` both use it.
 */

import { decideVerdict } from './decide-verdict.ts'
import type { GateContext, GateOutcome } from './gate.ts'
import { CRITICAL_GATES, gateOf } from './gate-registry.ts'

export async function evaluateGates(
  entries: ReadonlyArray<{ kind: string; options?: unknown }>,
  context: Omit<GateContext, 'earlier' | 'verdictSoFar'>,
  signal: AbortSignal,
  onOutcome?: (outcome: GateOutcome) => void,
): Promise<GateOutcome[]> {
  const outcomes: GateOutcome[] = []
  for (const { kind, options } of entries) {
    const gate = gateOf(kind)
    const earlier = [...outcomes]
    const result = gate
      ? await gate.evaluate(
          { ...context, earlier, verdictSoFar: earlier.length ? decideVerdict(earlier).verdict : null },
          options as never,
          signal,
        )
      : { status: 'fail' as const, reasons: [`Rehearse has no ${kind} gate`] }
    const outcome: GateOutcome = { kind, critical: CRITICAL_GATES.has(kind), ...result }
    outcomes.push(outcome)
    onOutcome?.(outcome)
  }
  return outcomes
}
