/**
 * @module cli/commands/load
 * `rehearse load <url>`: the open-model load generator on its own.
 */
import type { Command } from 'commander'
import { formatDuration } from '../../core/units.ts'
import { runStandaloneLoad } from '../../rehearsal/standalone-load.ts'
import { formatLoadTable } from '../../traffic/load/format-load-table.ts'
import type { CliContext } from '../main.ts'
import { paint } from '../output.ts'

export function registerLoadCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('load <url>')
    .description('send open-model load to a URL and report throughput, latency percentiles and errors')
    .option('--rate <rate>', 'arrivals per second, e.g. 500/s', '50/s')
    .option('--duration <duration>', 'how long, e.g. 30s', '10s')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--path <path>', 'request path (appended to the URL)', '/')
    .option('--connections <n>', 'keep-alive connections', (v) => Number.parseInt(v, 10), 64)
    .option('--arrivals <mode>', 'constant or poisson', 'constant')
    .option('--timeout <duration>', 'per-request timeout', '10s')
    .option(
      '--scenario <file>',
      'a YAML file with a traffic section: weighted templates and phases (overrides the flags above)',
    )
    .action(async (url: string, opts: Record<string, string | number | undefined>, command: Command) => {
      const ctx = context(command)
      const live = ctx.output.tty && !ctx.output.json
      const result = await runStandaloneLoad({
        url,
        cwd: ctx.cwd,
        scenario: opts['scenario'] as string | undefined,
        rate: opts['rate'] as string,
        duration: opts['duration'] as string,
        method: opts['method'] as string,
        path: opts['path'] as string,
        connections: opts['connections'] as number,
        arrivals: opts['arrivals'] as string,
        timeout: opts['timeout'] as string,
        signal: ctx.signal,
        onProgress: (p) => {
          const t = p.targets[0]
          const line = `${p.phase} ${formatDuration(p.elapsedMs)}/${formatDuration(p.totalMs)} · ${t?.completed ?? 0} done · ${t?.errors ?? 0} errors · ${t?.inFlight ?? 0} in flight${p.saturation.saturated ? ' · generator saturated' : ''}`
          if (live) process.stderr.write(`\r\u001b[K${paint(ctx.output, 'gray', line)}`)
          else if (!ctx.output.json) ctx.output.err(line)
        },
      })
      if (live) process.stderr.write('\r\u001b[K')
      if (ctx.output.json) ctx.output.out(JSON.stringify(result, null, 2))
      else {
        ctx.output.out(formatLoadTable(result))
        if (result.saturation.saturated) {
          ctx.output.err(
            paint(ctx.output, 'yellow', `the generator was the bottleneck: ${result.saturation.reasons.join('; ')}`),
          )
        }
      }
      setExit(0)
    })
}
