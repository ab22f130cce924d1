/**
 * @module cli/commands/approve
 * `rehearse approve <id>` and `rehearse reject <id>`: a person's decision on a rehearsal. The
 * exit code is the rehearsal's after the decision: 0 when it now promotes, 1 when it holds or
 * rolls back (or has no verdict yet), 3 when the action it then ran failed.
 */
import { userInfo } from 'node:os'
import type { Command } from 'commander'
import { type DecisionOutcome, recordDecision } from '../../rehearsal/record-decision.ts'
import { openRuntime } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint, printError } from '../output.ts'

type DecisionFlags = { by?: string; comment?: string }

export function registerApprovalCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(`${decision} <id>`)
      .description(
        decision === 'approve'
          ? 'approve a rehearsal (its approval gate passes; a held rehearsal may now promote)'
          : 'reject a rehearsal (its approval gate fails, the verdict becomes rollback)',
      )
      .option('--by <name>', 'who decides (default: REHEARSE_USER, else the login name)')
      .option('--comment <text>', 'why, for the record')
      .action(async (id: string, flags: DecisionFlags, command: Command) => {
        const ctx = context(command)
        const runtime = await openRuntime(ctx.cwd)
        try {
          const outcome = await recordDecision({
            store: runtime.store,
            cwd: ctx.cwd,
            file: ctx.file,
            id,
            decision,
            by: flags.by ?? process.env['REHEARSE_USER'] ?? loginName(),
            comment: flags.comment ?? null,
            signal: ctx.signal,
          })
          setExit(render(ctx.output, outcome))
        } finally {
          await runtime.close()
        }
      })
  }
}

function loginName(): string {
  try {
    return userInfo().username
  } catch {
    return 'unknown'
  }
}

const VERDICT_COLOURS = { promote: 'green', hold: 'yellow', rollback: 'red' } as const

function render(output: Output, outcome: DecisionOutcome): number {
  const exitCode = outcome.error ? outcome.error.exitCode : outcome.verdict === 'promote' ? (outcome.exitCode ?? 0) : 1
  if (output.json) {
    const { error, ...rest } = outcome
    output.out(JSON.stringify({ ...rest, exitCode, ...(error ? { error: error.toJSON() } : {}) }, null, 2))
    return exitCode
  }
  const { approval } = outcome
  output.out(
    `${approval.decision === 'approve' ? 'approved' : 'rejected'} ${outcome.id} as ${approval.by}${approval.comment ? ` (${approval.comment})` : ''}: ${outcome.note}`,
  )
  if (outcome.reevaluated && outcome.verdict) {
    output.out('')
    for (const gate of outcome.gates) {
      const colour = gate.status === 'pass' ? 'green' : gate.status === 'fail' ? 'red' : 'yellow'
      output.out(`${paint(output, colour, gate.status.toUpperCase().padEnd(7))} ${paint(output, 'bold', gate.kind)}`)
      for (const reason of gate.reasons) output.out(`        ${reason}`)
    }
    output.out('')
    output.out(
      `${paint(output, VERDICT_COLOURS[outcome.verdict], paint(output, 'bold', outcome.verdict.toUpperCase()))}  ${(outcome.summary ?? '').replace(/^\w+: /, '')}`,
    )
  }
  if (outcome.action) output.out(paint(output, 'gray', `${outcome.action.action} action: ${outcome.action.summary}`))
  if (outcome.error) printError(output, outcome.error)
  return exitCode
}
