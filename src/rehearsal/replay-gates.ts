/**
 * @module rehearsal/replay-gates
 * Gates worked out again from a finished rehearsal's event log, without running anything: the
 * gates that judge only recorded evidence (`supportsReplay`: smoke, canary, slo, approval) are
 * evaluated afresh; the others (commands, webhooks, reports read from disk) keep the outcome they
 * had. `rehearse approve` uses this once a person has decided.
 */
import type { RehearsalEvent, Verdict } from '../core/types.ts'
import type { ApprovalEvidence, GateContext, GateOutcome, SmokeResult } from '../gates/gate.ts'
import { CRITICAL_GATES, gateOf } from '../gates/gate-registry.ts'
import { lastEvent } from './event-log.ts'

/** The last verdict recorded in a log, with the gates it was decided from. */
export type RecordedVerdict = { verdict: Verdict; exitCode: number; summary: string; gates: GateOutcome[] }

export function recordedVerdict(events: readonly RehearsalEvent[]): RecordedVerdict | undefined {
  const event = lastEvent([...events], 'verdict')
  return event ? (event.data as RecordedVerdict) : undefined
}

/**
 * The gates' view of a rehearsal rebuilt from its log: smoke results from `smoke.result` events
 * (none at all when the smoke step never finished), and `evidence[kind]` from the last
 * `analysis.<kind>` event (`analysis.canary`, `analysis.slo`).
 */
export function gateContextFromEvents(
  events: readonly RehearsalEvent[],
  base: { rehearsalId: string; project: string; dir: string; approvals: ApprovalEvidence[] },
): GateContext {
  const smoke = events.filter((e) => e.type === 'smoke.result').map((e) => e.data as SmokeResult)
  const smokeRan = events.some((e) => e.type === 'step.finished' && (e.data as { step?: string })?.step === 'smoke')
  const evidence: Record<string, unknown> = {}
  for (const e of events) if (e.type.startsWith('analysis.')) evidence[e.type.slice('analysis.'.length)] = e.data
  return { ...base, ...(smoke.length || smokeRan ? { smoke } : {}), evidence }
}

/** The recorded outcomes with every replayable gate evaluated again against `ctx`. */
export async function replayGates(
  recorded: readonly GateOutcome[],
  ctx: GateContext,
  signal: AbortSignal,
): Promise<{ gates: GateOutcome[]; replayed: GateOutcome[] }> {
  const gates: GateOutcome[] = []
  const replayed: GateOutcome[] = []
  for (const outcome of recorded) {
    const gate = gateOf(outcome.kind)
    if (!gate?.supportsReplay) {
      gates.push(outcome)
      continue
    }
    const result = await gate.evaluate({ ...ctx, earlier: [...gates] }, undefined, signal)
    const fresh: GateOutcome = { kind: outcome.kind, critical: CRITICAL_GATES.has(outcome.kind), ...result }
    gates.push(fresh)
    replayed.push(fresh)
  }
  return { gates, replayed }
}
