/**
 * @module gates/command-gate
 * The command gate: any executable as a check. It runs in the spec's directory through the shell
 * with a time limit; exit code 0 passes, anything else fails, and the last lines of its output
 * are the reasons. It gets REHEARSE_REHEARSAL_ID and REHEARSE_PROJECT in its environment.
 *
 *     gates: [{ command: ./check.sh, timeout: 60s }]
 */
import { resolve } from 'node:path'
import { z } from 'zod'
import type { GateResult } from '../core/types.ts'
import { durationMs } from '../spec/fields.ts'
import type { Gate, GateContext } from './gate.ts'
import { describeRun, runCommand } from './run-command.ts'

/** A command and how to run it (shared by the `command` gate and the promote/rollback actions). */
export const commandSchema = z.strictObject({
  /** A shell command line, run with `sh -c` in the spec's directory (or `cwd`). */
  command: z.string().trim().min(1),
  /** Longest it may run before it is stopped (and counts as failed). Default 5m. */
  timeout: durationMs().prefault('5m'),
  /** Working directory, relative to the spec's directory. */
  cwd: z.string().min(1).optional(),
  /** Variables added to its environment. */
  env: z.record(z.string(), z.string()).optional(),
})
export type CommandOptions = z.output<typeof commandSchema>

/** Output lines quoted in reasons. */
const QUOTED_LINES = 10

export const commandGate: Gate<CommandOptions> = {
  kind: 'command',
  async evaluate(ctx: GateContext, options: CommandOptions, signal: AbortSignal): Promise<GateResult> {
    const run = await runCommand({
      command: options.command,
      cwd: resolve(ctx.dir, options.cwd ?? '.'),
      env: { ...options.env, REHEARSE_REHEARSAL_ID: ctx.rehearsalId, REHEARSE_PROJECT: ctx.project },
      timeoutMs: options.timeout,
      signal,
    })
    const output = run.lastLines.slice(-QUOTED_LINES).map((line) => `| ${line}`)
    const details = {
      command: options.command,
      exitCode: run.exitCode,
      signal: run.signal,
      ms: run.ms,
      timedOut: run.timedOut,
    }
    const said = `\`${options.command}\` ${describeRun(run, options.timeout)}`
    if (run.exitCode === 0 && !run.timedOut && !run.interrupted) {
      return { status: 'pass', reasons: [said, ...output.slice(-3)], details }
    }
    return { status: 'fail', reasons: [said, ...(output.length ? output : ['(it printed nothing)'])], details }
  },
}
