/**
 * @module rehearsal/actions
 * What happens after the verdict: `promote` runs only on a promote verdict, `rollback` only on a
 * rollback verdict (a failed gate), nothing on hold. Each is a command or a webhook, recorded as
 * `action.started` and `action.finished` events. A failed action does not change the verdict,
 * but the run exits 3 with ACTION_FAILED: the release did not go where the verdict said.
 *
 *     promote:  { command: ./deploy.sh, timeout: 10m }
 *     rollback: { webhook: https://deploy.example.com/rollback }
 *
 * Commands get REHEARSE_REHEARSAL_ID, REHEARSE_VERDICT and REHEARSE_PROJECT in their environment;
 * webhooks get `{ rehearsalId, project, verdict, action, gates }` as JSON.
 */
import { resolve } from 'node:path'
import { abortError, RehearseError } from '../core/errors.ts'
import type { Verdict } from '../core/types.ts'
import { type CommandOptions, commandSchema } from '../gates/command-gate.ts'
import type { GateOutcome } from '../gates/gate.ts'
import { keyedEntrySchema } from '../gates/keyed-entry.ts'
import { safeUrl } from '../gates/post-json.ts'
import { describeRun, runCommand } from '../gates/run-command.ts'
import { callWebhook, type WebhookOptions, webhookSchema } from '../gates/webhook-gate.ts'

/** `promote:` and `rollback:` — a command or a webhook. */
export const actionSchema = keyedEntrySchema('action', {
  command: { schema: commandSchema, example: '{ command: ./deploy.sh, timeout: 10m }' },
  webhook: { schema: webhookSchema, example: '{ webhook: https://deploy.example.com/promote }' },
})

export type ActionSpec = { kind: 'command'; options: CommandOptions } | { kind: 'webhook'; options: WebhookOptions }
export type ActionName = 'promote' | 'rollback'

/** How an action went, as the `action.finished` event records it. */
export type ActionResult = {
  action: ActionName
  kind: ActionSpec['kind']
  ok: boolean
  /** Commands: the exit code (null when killed or not started). */
  exitCode?: number | null
  /** Webhooks: the answer's status (null when there was none). */
  status?: number | null
  ms: number
  /** One sentence: "`./deploy.sh` exited with code 1 after 0.2 s". */
  summary: string
  /** The command's last output lines, or the webhook's body excerpt. */
  lastLines: string[]
  interrupted: boolean
}

/** What an action needs to know about its rehearsal. */
export type ActionContext = {
  rehearsalId: string
  project: string
  /** The spec's directory: commands run there. */
  dir: string
  events: { emit(type: string, data?: unknown): void }
}

/** Runs one action and records it; never throws for the action's own failure. */
export async function runAction(
  name: ActionName,
  spec: ActionSpec,
  verdict: Verdict,
  gates: readonly GateOutcome[],
  ctx: ActionContext,
  signal: AbortSignal,
): Promise<ActionResult> {
  const target = spec.kind === 'command' ? { command: spec.options.command } : { url: safeUrl(spec.options.webhook) }
  ctx.events.emit('action.started', { action: name, kind: spec.kind, verdict, ...target })
  let result: ActionResult
  if (spec.kind === 'command') {
    const { options } = spec
    const run = await runCommand({
      command: options.command,
      cwd: resolve(ctx.dir, options.cwd ?? '.'),
      env: {
        ...options.env,
        REHEARSE_REHEARSAL_ID: ctx.rehearsalId,
        REHEARSE_VERDICT: verdict,
        REHEARSE_PROJECT: ctx.project,
      },
      timeoutMs: options.timeout,
      signal,
    })
    result = {
      action: name,
      kind: 'command',
      ok: run.exitCode === 0 && !run.timedOut && !run.interrupted,
      exitCode: run.exitCode,
      ms: run.ms,
      summary: `\`${options.command}\` ${describeRun(run, options.timeout)}`,
      lastLines: run.lastLines,
      interrupted: run.interrupted,
    }
  } else {
    const payload = {
      rehearsalId: ctx.rehearsalId,
      project: ctx.project,
      verdict,
      action: name,
      gates: gates.map(({ kind, status, critical, reasons }) => ({ kind, status, critical, reasons })),
    }
    const answer = await callWebhook(spec.options, payload, signal)
    result = {
      action: name,
      kind: 'webhook',
      ok: answer.ok,
      status: answer.status,
      ms: answer.ms,
      summary: answer.said,
      lastLines: answer.excerpt,
      interrupted: signal.aborted,
    }
  }
  ctx.events.emit('action.finished', result)
  return result
}

/** The action a verdict calls for, if the spec has one: promote → promote, rollback → rollback. */
export function actionFor(
  verdict: Verdict | null,
  spec: { promote?: ActionSpec | undefined; rollback?: ActionSpec | undefined },
): { name: ActionName; spec: ActionSpec } | undefined {
  if (verdict === 'promote' && spec.promote) return { name: 'promote', spec: spec.promote }
  if (verdict === 'rollback' && spec.rollback) return { name: 'rollback', spec: spec.rollback }
  return undefined
}

type Concluded = {
  verdict: Verdict | null
  exitCode: number
  summary: string
  gates: GateOutcome[]
  error?: RehearseError
}

/**
 * Runs the action the outcome's verdict calls for and folds its result into the outcome: when it
 * fails, the verdict stands but the exit code becomes 3 and the error ACTION_FAILED (INTERRUPTED
 * when the user stopped it). An outcome without a verdict, or with an error already, is returned
 * as it is.
 */
export async function applyVerdictAction<O extends Concluded>(
  ctx: ActionContext & { spec: { promote?: ActionSpec | undefined; rollback?: ActionSpec | undefined } },
  outcome: O,
  signal: AbortSignal,
): Promise<O & { action?: ActionResult }> {
  const wanted = outcome.error ? undefined : actionFor(outcome.verdict, ctx.spec)
  if (!wanted || !outcome.verdict) return outcome
  const result = await runAction(wanted.name, wanted.spec, outcome.verdict, outcome.gates, ctx, signal)
  const summary = outcome.summary.replace(/\.$/, '')
  if (result.ok) return { ...outcome, action: result, summary: `${summary}; ${wanted.name} action done` }
  const error = result.interrupted
    ? abortError(signal)
    : new RehearseError('ACTION_FAILED', `The ${wanted.name} action failed: ${result.summary}.`, {
        hint: `The verdict (${outcome.verdict}) stands and is recorded; fix the action and run it by hand, or see \`rehearse show ${ctx.rehearsalId} --events\`.`,
        details: { action: wanted.name, lastLines: result.lastLines },
      })
  return {
    ...outcome,
    action: result,
    exitCode: error.exitCode,
    summary: `${summary}; the ${wanted.name} action failed: ${result.summary}`,
    error,
  }
}
