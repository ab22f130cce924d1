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
import { type RehearsalOutcome, type RunOptions, runRehearsal } from '../../rehearsal/run-rehearsal.ts'
import { openRuntime, type Runtime } from '../../rehearsal/runtime.ts'
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
      await rehearseLive(ctx, setExit, runRehearsal, async (outcome, runtime) => {
        if (opts.junit) await writeJunit(runtime.store, outcome.id, resolve(ctx.cwd, opts.junit))
        if (opts.report) {
          const file = (await writeReport(runtime.store, outcome.id, defaultReportPath(ctx.cwd, outcome.id))).file
          if (!ctx.output.json) ctx.output.out(`report: ${relative(process.cwd(), file) || file}`)
        }
      })
    })

  program
    .command('resume <id>')
    .description('run an interrupted rehearsal again under the same id (its environment is rebuilt)')
    .action(async (id: string, _opts, command: Command) => {
      await rehearseLive(context(command), setExit, (options) => resumeRehearsal({ ...options, id }))
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

/** What `run` and `resume` pass to the rehearsal: the runtime's store, driver and logger, live progress. */
type LiveOptions = Pick<RunOptions, 'cwd' | 'file' | 'store' | 'driver' | 'signal' | 'logger' | 'onEvent'>

/**
 * Runs one rehearsal with live progress (`run`, `resume`): opens the runtime, renders the outcome
 * and sets the exit code, then `after` (reports), and closes the runtime whatever happens.
 */
async function rehearseLive(
  ctx: CliContext,
  setExit: (code: number) => void,
  rehearse: (options: LiveOptions) => Promise<RehearsalOutcome>,
  after?: (outcome: RehearsalOutcome, runtime: Runtime) => Promise<void>,
): Promise<void> {
  const runtime = await openRuntime(ctx.cwd)
  const progress = createProgress(ctx.output)
  try {
    const outcome = await rehearse({
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
    await after?.(outcome, runtime)
  } finally {
    progress.stop()
    await runtime.close()
  }
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
