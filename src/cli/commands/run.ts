/**
 * @module cli/commands/run
 * `rehearse run` and `rehearse resume`: one rehearsal, live progress, the verdict and its reasons.
 */
import { relative, resolve } from 'node:path'
import type { Command } from 'commander'
import type { GateOutcome } from '../../gates/gate.ts'
import { rejudgeRehearsal } from '../../rehearsal/rejudge.ts'
import { defaultReportPath, writeJunit, writeReport } from '../../rehearsal/report/build-report.ts'
import { resumeRehearsal } from '../../rehearsal/resume-rehearsal.ts'
import { type RehearsalOutcome, runRehearsal } from '../../rehearsal/run-rehearsal.ts'
import { openRuntime } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint, printError } from '../output.ts'
import { createProgress } from '../progress.ts'

export function registerRunCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('run')
    .description('run one rehearsal: environment up, smoke, traffic, analysis, gates, verdict')
    .option('--junit <file>', 'write the gates, metrics and SLOs as JUnit XML (for CI test reports)')
    .option('--report', 'write the HTML report to .rehearse/reports/<id>.html')
    .action(async (opts: { junit?: string; report?: boolean }, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      const progress = createProgress(ctx.output)
      try {
        const outcome = await runRehearsal({
          cwd: ctx.cwd,
          file: ctx.file,
          store: runtime.store,
          driver: runtime.driver,
          signal: ctx.signal,
          logger: runtime.logger,
          onEvent: progress.onEvent,
        })
        progress.stop()
        setExit(renderOutcome(ctx.output, outcome))
        if (opts.junit) await writeJunit(runtime.store, outcome.id, resolve(ctx.cwd, opts.junit))
        if (opts.report) {
          const file = (await writeReport(runtime.store, outcome.id, defaultReportPath(ctx.cwd, outcome.id))).file
          if (!ctx.output.json) ctx.output.out(`report: ${relative(process.cwd(), file) || file}`)
        }
      } finally {
        progress.stop()
        await runtime.close()
      }
    })

  program
    .command('resume <id>')
    .description('run an interrupted rehearsal again under the same id (its environment is rebuilt)')
    .action(async (id: string, _opts, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      const progress = createProgress(ctx.output)
      try {
        const outcome = await resumeRehearsal({
          id,
          cwd: ctx.cwd,
          file: ctx.file,
          store: runtime.store,
          driver: runtime.driver,
          signal: ctx.signal,
          logger: runtime.logger,
          onEvent: progress.onEvent,
        })
        progress.stop()
        setExit(renderOutcome(ctx.output, outcome))
      } finally {
        progress.stop()
        await runtime.close()
      }
    })

  program
    .command('rejudge <id>')
    .description('judge a stored rehearsal again with the spec as it is now (its events are the evidence)')
    .action(async (id: string, _opts, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      try {
        const outcome = await rejudgeRehearsal({
          store: runtime.store,
          cwd: ctx.cwd,
          file: ctx.file,
          id,
          signal: ctx.signal,
        })
        const exitCode = renderOutcome(ctx.output, { ...outcome, status: 'finished', verdict: outcome.verdict })
        if (!ctx.output.json) {
          ctx.output.out(
            paint(
              ctx.output,
              'gray',
              `rejudged with the current spec; the recorded verdict was ${outcome.previous ?? 'none'}`,
            ),
          )
        }
        setExit(exitCode)
      } finally {
        await runtime.close()
      }
    })
}

const VERDICT_COLOURS = { promote: 'green', hold: 'yellow', rollback: 'red' } as const

/** Prints the outcome (human or JSON) and returns the exit code. */
export function renderOutcome(output: Output, outcome: RehearsalOutcome): number {
  if (output.json) {
    output.out(
      JSON.stringify(
        {
          id: outcome.id,
          status: outcome.status,
          verdict: outcome.verdict,
          exitCode: outcome.exitCode,
          summary: outcome.summary,
          gates: outcome.gates,
          ...(outcome.error ? { error: outcome.error.toJSON() } : {}),
        },
        null,
        2,
      ),
    )
    return outcome.exitCode
  }
  if (outcome.error && outcome.gates.length === 0) {
    printError(output, outcome.error)
    output.err(
      paint(
        output,
        'gray',
        `rehearsal ${outcome.id} ${outcome.status}; \`rehearse show ${outcome.id}\` has its events`,
      ),
    )
    return outcome.exitCode
  }
  output.out('')
  for (const gate of outcome.gates) output.out(renderGate(output, gate))
  output.out('')
  const verdict = outcome.verdict ?? 'hold'
  output.out(
    `${paint(output, VERDICT_COLOURS[verdict], paint(output, 'bold', verdict.toUpperCase()))}  ${outcome.summary.replace(/^\w+: /, '')}`,
  )
  output.out(
    paint(output, 'gray', `rehearsal ${outcome.id} · rehearse show ${outcome.id} · rehearse report ${outcome.id}`),
  )
  // A verdict was reached, but something after it failed (the promote or rollback action).
  if (outcome.error) printError(output, outcome.error)
  return outcome.exitCode
}

function renderGate(output: Output, gate: GateOutcome): string {
  const colour = gate.status === 'pass' ? 'green' : gate.status === 'fail' ? 'red' : 'yellow'
  const lines = [`${paint(output, colour, gate.status.toUpperCase().padEnd(7))} ${paint(output, 'bold', gate.kind)}`]
  for (const reason of gate.reasons) lines.push(`        ${reason}`)
  return lines.join('\n')
}
