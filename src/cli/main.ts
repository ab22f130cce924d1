/**
 * @module cli/main
 * The `rehearse` command. It parses flags, calls `rehearsal/` (or `server/`), and renders the
 * result; it holds no business logic. Errors are translated here into `error[CODE]` lines and the
 * exit codes of DESIGN.md: 0 promote, 1 a gate failed, 2 bad input, 3 infrastructure failure.
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { Command, CommanderError } from 'commander'
import { RehearseError } from '../core/errors.ts'
import { registerApprovalCommands } from './commands/approve.ts'
import { registerCaptureCommands } from './commands/capture.ts'
import { registerDataCommands } from './commands/data.ts'
import { registerEnvironmentCommands } from './commands/environment.ts'
import { registerHistoryCommands } from './commands/history.ts'
import { registerJudgeCommands } from './commands/judge.ts'
import { registerLoadCommands } from './commands/load.ts'
import { registerReportCommands } from './commands/report.ts'
import { registerRunCommands } from './commands/run.ts'
import { registerSpecCommands } from './commands/spec.ts'
import { registerStatsCommands } from './commands/stats.ts'
import { createOutput, type Output, printError } from './output.ts'

/** What every command receives besides its own flags. */
export type CliContext = {
  output: Output
  /** The project directory (`-C`, default the current directory). */
  cwd: string
  /** The spec file (`--file`), relative to cwd. */
  file: string | undefined
  /** Aborted on Ctrl-C / SIGTERM: every long operation takes it. */
  signal: AbortSignal
}

export type GlobalOptions = { dir?: string; file?: string; json?: boolean; color?: boolean }

/** Runs the CLI with `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController()
  let interrupts = 0
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++
    if (interrupts > 1) process.exit(130)
    controller.abort(
      new RehearseError('INTERRUPTED', `Interrupted by ${signal}; stopping everything that was started.`),
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let exitCode = 0
  let output = createOutput()
  const program = new Command('rehearse')
    .description('Rehearse a release in staging: baseline and candidate side by side, traffic, statistics, a verdict.')
    .version(await version(), '-V, --version')
    .option('-C, --dir <dir>', 'run as if started in <dir>')
    .option('--file <file>', 'the spec file (default: rehearse.yaml in the directory)')
    .option('--json', 'print machine-readable JSON')
    .option('--no-color', 'no colours')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) })

  const context = (command: Command): CliContext => {
    const opts = command.optsWithGlobals<GlobalOptions>()
    output = createOutput({ json: Boolean(opts.json), ...(opts.color === false ? { color: false } : {}) })
    const cwd = resolve(opts.dir ?? '.')
    if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
      throw new RehearseError('CLI_NOT_FOUND', `The directory ${opts.dir} does not exist.`, {
        hint: 'Check the path given with -C.',
      })
    }
    return { output, cwd, file: opts.file, signal: controller.signal }
  }
  const setExit = (code: number) => {
    exitCode = code
  }

  registerSpecCommands(program, context, setExit)
  registerEnvironmentCommands(program, context, setExit)
  registerRunCommands(program, context, setExit)
  registerHistoryCommands(program, context, setExit)
  registerApprovalCommands(program, context, setExit)
  registerStatsCommands(program, context, setExit)
  registerJudgeCommands(program, context, setExit)
  registerReportCommands(program, context, setExit)
  registerLoadCommands(program, context, setExit)
  registerCaptureCommands(program, context, setExit)
  registerDataCommands(program, context, setExit)

  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return 0
      }
      exitCode = printError(
        output,
        new RehearseError('CLI_USAGE', error.message.replace(/^error: /, ''), {
          hint: 'See `rehearse --help`, or `rehearse <command> --help`.',
        }),
      )
    } else {
      exitCode = printError(output, error)
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return exitCode
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
