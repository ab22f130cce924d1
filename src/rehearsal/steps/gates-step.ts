/**
 * @module rehearsal/steps/gates-step
 * Evaluates every gate of the spec's `gates:` list against the evidence the run gathered, each
 * with its own options, in order: a gate sees the outcomes of those before it (the webhook gate
 * sends them on).
 */

import { evaluateGates } from '../../gates/evaluate-gates.ts'
import type { Step } from '../step.ts'

export const gatesStep: Step = {
  name: 'gates',
  async run(ctx, signal) {
    const approvals = await ctx.store.listApprovals(ctx.rehearsalId)
    const gateContext = {
      rehearsalId: ctx.rehearsalId,
      project: ctx.spec.name,
      dir: ctx.loaded.dir,
      ...(ctx.state.smoke ? { smoke: ctx.state.smoke } : {}),
      approvals,
      evidence: ctx.state.evidence,
    }
    const outcomes = await evaluateGates(ctx.spec.gates, gateContext, signal, (outcome) =>
      ctx.events.emit('gate.evaluated', outcome),
    )
    ctx.state.gates = outcomes
  },
}
