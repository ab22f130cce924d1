/**
 * @module cli/commands/environment
 * `rehearse up`, `status`, `logs`, `down`: environments outside a rehearsal.
 */
import type { Command } from 'commander'
import { RehearseError } from '../../core/errors.ts'
import { VERSIONS, type VersionName } from '../../core/types.ts'
import { formatDuration } from '../../core/units.ts'
import { downEnvironments, environmentLogs, environmentStatus, upEnvironment } from '../../rehearsal/environment.ts'
import { openDriver } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'
import { paint, table } from '../output.ts'

export function registerEnvironmentCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('up')
    .description('start the services (baseline and candidate side by side) and leave them running')
    .option('--version <version>', 'only one version: baseline or candidate')
    .action(async (opts: { version?: string }, command: Command) => {
      const ctx = context(command)
      if (opts.version && !VERSIONS.includes(opts.version as VersionName)) {
        throw new RehearseError('CLI_USAGE', `--version must be baseline or candidate, not "${opts.version}".`)
      }
      const versions = opts.version ? [opts.version as VersionName] : VERSIONS
      const started = performance.now()
      const { handle, plan } = await upEnvironment({
        cwd: ctx.cwd,
        file: ctx.file,
        driver: openDriver(ctx.cwd),
        versions,
        signal: ctx.signal,
        onEvent: (event) => {
          if (!ctx.output.json && event.type === 'service.ready') {
            ctx.output.err(paint(ctx.output, 'gray', `  ${event.instance} healthy after ${formatDuration(event.ms)}`))
          }
        },
      })
      const services = plan.services.map((s) => ({ instance: s.instance, url: `http://${s.host}:${s.port}` }))
      if (ctx.output.json) {
        ctx.output.out(
          JSON.stringify({ id: handle.id, services, ms: Math.round(performance.now() - started) }, null, 2),
        )
      } else {
        ctx.output.out(table([['SERVICE', 'URL'], ...services.map((s) => [s.instance, s.url])], ctx.output))
        ctx.output.out(
          `environment ${handle.id} is up (${formatDuration(performance.now() - started)}); stop it with \`rehearse down\``,
        )
      }
      setExit(0)
    })

  program
    .command('status [id]')
    .description('the state of every service of the running environments')
    .action(async (id: string | undefined, _opts, command: Command) => {
      const ctx = context(command)
      const envs = await environmentStatus(openDriver(ctx.cwd), ctx.cwd, id)
      if (ctx.output.json) ctx.output.out(JSON.stringify(envs, null, 2))
      else if (!envs.length) ctx.output.out('no environment is recorded here')
      else {
        for (const env of envs) {
          ctx.output.out(paint(ctx.output, 'bold', env.id))
          ctx.output.out(
            table([
              ['SERVICE', 'STATE', 'PID', 'ADDRESS', 'SINCE'],
              ...env.services.map((s) => [s.instance, s.state, String(s.pid ?? '-'), `${s.host}:${s.port}`, s.since]),
            ]),
          )
        }
      }
      setExit(0)
    })

  program
    .command('logs [service]')
    .description('print (or follow) the logs of a service of the newest environment')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'only the last <lines> lines', (v) => Number.parseInt(v, 10))
    .option('--env <id>', 'the environment (default: the newest)')
    .action(
      async (
        service: string | undefined,
        opts: { follow?: boolean; tail?: number; env?: string },
        command: Command,
      ) => {
        const ctx = context(command)
        const lines = await environmentLogs(openDriver(ctx.cwd), ctx.cwd, {
          ...(service ? { service } : {}),
          ...(opts.env ? { id: opts.env } : {}),
          ...(opts.follow ? { follow: true } : {}),
          ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
          signal: ctx.signal,
        })
        try {
          for await (const line of lines) {
            if (ctx.output.json) ctx.output.out(JSON.stringify(line))
            else
              ctx.output.out(
                service === line.instance ? line.line : `${paint(ctx.output, 'cyan', line.instance)} ${line.line}`,
              )
          }
        } catch (error) {
          if (!ctx.signal.aborted) throw error
        }
        setExit(0)
      },
    )

  program
    .command('down [id]')
    .description('stop the environments started here (all of them, or the one named)')
    .action(async (id: string | undefined, _opts, command: Command) => {
      const ctx = context(command)
      const stopped = await downEnvironments(openDriver(ctx.cwd), ctx.cwd, id)
      if (ctx.output.json) ctx.output.out(JSON.stringify({ stopped }, null, 2))
      else ctx.output.out(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing to stop')
      setExit(0)
    })
}
