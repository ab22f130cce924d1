/**
 * @module rehearsal/steps/gates-step
 * Evaluates every gate of the spec's `gates:` list against the evidence the run gathered, each
 * with its own options, in order: a gate sees the outcomes of those before it (the webhook gate
 * sends them on).
 */

import type { GateContext, GateOutcome } from '../../gates/gate.ts'
import { CRITICAL_GATES, gateOf } from '../../gates/gate-registry.ts'
import type { Step } from '../step.ts'
import { decideVerdict } from '../verdict.ts'

export const gatesStep: Step = {
  name: 'gates',
  async run(ctx, signal) {
    const approvals = await ctx.store.listApprovals(ctx.rehearsalId)
    const gateContext: GateContext = {
      rehearsalId: ctx.rehearsalId,
      project: ctx.spec.name,
      dir: ctx.loaded.dir,
      ...(ctx.state.smoke ? { smoke: ctx.state.smoke } : {}),
      approvals,
      evidence: ctx.state.evidence,
    }
    const outcomes: GateOutcome[] = []
    for (const { kind, options } of ctx.spec.gates) {
      const gate = gateOf(kind)
      const earlier = [...outcomes]
      const result = gate
        ? await gate.evaluate(
            { ...gateContext, earlier, verdictSoFar: earlier.length ? decideVerdict(earlier).verdict : null },
            options,
            signal,
          )
        : {
            status: 'fail' as const,
            reasons: [`the ${kind} gate has no evidence: this version of Rehearse does not gather it yet`],
          }
      const outcome: GateOutcome = { kind, critical: CRITICAL_GATES.has(kind), ...result }
      outcomes.push(outcome)
      ctx.events.emit('gate.evaluated', outcome)
    }
    ctx.state.gates = outcomes
  },
}
