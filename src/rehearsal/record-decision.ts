/**
 * @module rehearsal/record-decision
 * `rehearse approve <id>` and `rehearse reject <id>`: a person's decision, recorded in the store
 * with who and when. On a finished rehearsal with an approval gate, the gates are worked out
 * again from its event log (see replay-gates.ts), the new verdict is recorded (a `verdict` event
 * and the rehearsal's record), and when the verdict changed to promote or rollback the spec's
 * action for it runs. On a rehearsal still running (or interrupted, to be resumed) the decision
 * is recorded for its approval gate to find.
 */
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import type { Verdict } from '../core/types.ts'
import { decideVerdict } from '../gates/decide-verdict.ts'
import type { ApprovalEvidence, GateOutcome } from '../gates/gate.ts'
import { interpolateDocument } from '../spec/interpolate.ts'
import { findSpecFile } from '../spec/load-spec.ts'
import type { RehearsalStatus, Store } from '../store/store.ts'
import { type ActionName, type ActionResult, type ActionSpec, actionSchema, applyVerdictAction } from './actions.ts'
import { EventLog } from './event-log.ts'
import { isOrphaned } from './history.ts'
import { RUNTIME_NAMESPACES } from './rehearsal-spec.ts'
import { gateContextFromEvents, recordedVerdict, replayGates } from './replay-gates.ts'

export type DecisionInput = {
  store: Store
  /** The project directory (commands of actions run in its spec's directory). */
  cwd: string
  file?: string | undefined
  /** Full id or unique prefix. */
  id: string
  decision: 'approve' | 'reject'
  by: string
  comment?: string | null | undefined
  signal: AbortSignal
  /** Where `${env.…}` and `${secret.…}` of an action are read. Default `process.env`. */
  env?: Record<string, string | undefined>
}

export type DecisionOutcome = {
  id: string
  project: string
  approval: ApprovalEvidence
  /** The rehearsal's status when the decision was recorded. */
  status: RehearsalStatus
  /** Whether the gates and the verdict were worked out again. */
  reevaluated: boolean
  previousVerdict: Verdict | null
  verdict: Verdict | null
  exitCode: number | null
  summary: string | null
  gates: GateOutcome[]
  /** What the decision did, in one sentence. */
  note: string
  action?: ActionResult
  error?: RehearseError
}

/** Records a decision and brings the rehearsal's verdict up to date with it. */
export async function recordDecision(input: DecisionInput): Promise<DecisionOutcome> {
  const { store } = input
  const record = await store.findRehearsal(input.id)
  if (record.status === 'failed') {
    throw new RehearseError(
      'GATE_APPROVAL_CLOSED',
      `Rehearsal ${record.id} failed before its gates ran (${record.summary ?? 'no verdict'}); there is no verdict to ${input.decision}.`,
      { hint: 'Fix the cause and run a new rehearsal with `rehearse run`, then decide on that one.' },
    )
  }
  const approval: ApprovalEvidence = {
    decision: input.decision,
    by: input.by,
    at: new Date().toISOString(),
    comment: input.comment?.trim() ? input.comment.trim() : null,
  }
  const base = {
    id: record.id,
    project: record.project,
    approval,
    status: record.status,
    previousVerdict: (record.verdict as Verdict | null) ?? null,
  }
  const events = await store.readEvents(record.id)
  const previous = recordedVerdict(events)
  const hasApprovalGate = previous?.gates.some((g) => g.kind === 'approval') ?? false

  // Work the verdict out before anything is written, so that an action that cannot be resolved
  // (a missing variable, say) leaves no half-made decision behind.
  let plan: { gates: GateOutcome[]; replayed: GateOutcome[]; decision: ReturnType<typeof decideVerdict> } | undefined
  let action: { name: ActionName; spec: ActionSpec } | undefined
  const dir = specDir(input.cwd, input.file)
  if (record.status === 'finished' && previous && hasApprovalGate) {
    const approvals = [...(await store.listApprovals(record.id)), approval]
    const ctx = gateContextFromEvents(events, { rehearsalId: record.id, project: record.project, dir, approvals })
    const { gates, replayed } = await replayGates(previous.gates, ctx, input.signal)
    const decision = decideVerdict(gates)
    plan = { gates, replayed, decision }
    if (decision.verdict !== previous.verdict) {
      const name = decision.verdict === 'promote' || decision.verdict === 'rollback' ? decision.verdict : undefined
      const spec = name ? resolveAction(record.spec, name, input.env ?? process.env) : undefined
      if (name && spec) action = { name, spec }
    }
  }

  await store.recordApproval({ rehearsalId: record.id, ...approval })
  const log = new EventLog(store, record.id)
  log.emit('approval.recorded', approval)

  if (!plan || !previous) {
    await log.flush()
    const status = isOrphaned(record) ? 'interrupted' : record.status
    const why =
      status !== 'finished'
        ? `the rehearsal is ${status}; its approval gate will find the decision when it runs${status === 'interrupted' ? ' (`rehearse resume`)' : ''}`
        : 'the rehearsal has no approval gate, so its verdict does not change'
    return {
      ...base,
      reevaluated: false,
      verdict: base.previousVerdict,
      exitCode: record.exitCode,
      summary: record.summary,
      gates: previous?.gates ?? [],
      note: `${input.decision === 'approve' ? 'approval' : 'rejection'} recorded; ${why}`,
    }
  }

  for (const gate of plan.replayed) log.emit('gate.evaluated', gate)
  log.emit('verdict', { ...plan.decision, gates: plan.gates, after: `${input.decision} by ${approval.by}` })
  let outcome: {
    verdict: Verdict
    exitCode: number
    summary: string
    gates: GateOutcome[]
    action?: ActionResult
    error?: RehearseError
  } = { ...plan.decision, gates: plan.gates }
  if (action) {
    outcome = await applyVerdictAction(
      { rehearsalId: record.id, project: record.project, dir, events: log, spec: { [action.name]: action.spec } },
      outcome,
      input.signal,
    )
  }
  await log.flush()
  await store.updateRehearsal(record.id, {
    verdict: outcome.verdict,
    exitCode: outcome.exitCode,
    summary: outcome.summary,
  })
  const changed = outcome.verdict !== previous.verdict
  return {
    ...base,
    reevaluated: true,
    verdict: outcome.verdict,
    exitCode: outcome.exitCode,
    summary: outcome.summary,
    gates: outcome.gates,
    note: changed
      ? `the verdict is now ${outcome.verdict} (was ${previous.verdict})`
      : `the verdict stays ${outcome.verdict}`,
    ...(outcome.action ? { action: outcome.action } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  }
}

/** The spec's directory, where actions run: the project's spec file, else the project directory. */
function specDir(cwd: string, file: string | undefined): string {
  try {
    return dirname(findSpecFile(cwd, file))
  } catch {
    return existsSync(cwd) ? cwd : process.cwd()
  }
}

/**
 * The `promote` or `rollback` action of the spec the rehearsal ran with (stored before
 * interpolation, so secrets are read now, from `env`). Only this section is resolved: the rest of
 * the spec may need variables the approver does not have.
 */
function resolveAction(
  rawSpec: unknown,
  name: ActionName,
  env: Record<string, string | undefined>,
): ActionSpec | undefined {
  const raw = (rawSpec ?? {}) as Record<string, unknown>
  if (raw[name] === undefined) return undefined
  const services = raw['services'] !== null && typeof raw['services'] === 'object' ? raw['services'] : {}
  const { value } = interpolateDocument(
    { [name]: raw[name] },
    {
      env,
      deployNamespaces: ['data'],
      runtimeNamespaces: RUNTIME_NAMESPACES,
      serviceNames: new Set(Object.keys(services as object)),
    },
  )
  const parsed = actionSchema.safeParse((value as Record<string, unknown>)[name])
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = [name, ...issue.path.map(String)].join('.')
    throw new RehearseError('SPEC_INVALID', `${path}: ${issue.message} (in the spec the rehearsal ran with).`, {
      location: { path },
      hint: 'The stored spec no longer fits this version of Rehearse; run the action by hand.',
    })
  }
  return parsed.data as ActionSpec
}
