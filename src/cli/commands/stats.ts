/**
 * @module cli/commands/stats
 * `rehearse stats`: release metrics from the rehearsals in the store — deployment success rate,
 * post-deploy failure rate, the candidates' error rate, and time to a detected regression.
 */
import type { Command } from 'commander'
import { openRuntime } from '../../rehearsal/runtime.ts'
import { computeStats, type ReleaseStats } from '../../rehearsal/stats.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint, table } from '../output.ts'

export function registerStatsCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('stats')
    .description('release metrics from history: success rate, post-deploy failures, error rate, time to detection')
    .option('--project <name>', 'only this project (the spec’s name)')
    .action(async (opts: { project?: string }, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      try {
        const stats = await computeStats(runtime.store, { project: opts.project })
        if (ctx.output.json) ctx.output.out(JSON.stringify(stats, null, 2))
        else renderStats(ctx.output, stats)
        setExit(0)
      } finally {
        await runtime.close()
      }
    })
}

function renderStats(output: Output, stats: ReleaseStats & { byProject?: ReleaseStats[] }): void {
  const c = stats.counts
  if (c.rehearsals === 0) {
    output.out(`no rehearsals${stats.project ? ` of ${stats.project}` : ''} yet — run one with \`rehearse run\``)
    return
  }
  const rate = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`)
  const pd = stats.postDeploy
  const e = stats.errors
  const t = stats.timeToDetection
  output.out(paint(output, 'bold', stats.project ? `project ${stats.project}` : 'all projects'))
  output.out(
    table([
      ['METRIC', 'VALUE', 'FROM'],
      [
        'deployment success rate',
        rate(stats.deploymentSuccessRate),
        `${c.promoted} promoted of ${c.finished} finished`,
      ],
      [
        'post-deploy failure rate',
        rate(pd.failureRate),
        `${pd.failed} of ${pd.judged} promotions followed by a rollback (${pd.promotions - pd.judged} not followed yet)`,
      ],
      [
        'candidate error rate',
        e.rate === null ? '-' : `${(e.rate * 100).toFixed(2)}%`,
        `${e.errors} of ${e.requests} requests in ${plural(e.rehearsals, 'rehearsal')}`,
      ],
      [
        'time to detection (median)',
        t.medianMs === null ? '-' : seconds(t.medianMs),
        `${plural(t.detections, 'regression')} detected, ${t.early} stopped early`,
      ],
    ]),
  )
  output.out('')
  output.out(
    `${plural(c.rehearsals, 'rehearsal')}: ${c.promoted} promoted, ${c.held} held, ${c.rolledBack} rolled back, ${c.failed} failed, ${c.interrupted} interrupted, ${c.running} running`,
  )
  if (stats.byProject?.length) {
    output.out('')
    output.out(
      table(
        [
          ['PROJECT', 'REHEARSALS', 'SUCCESS', 'POST-DEPLOY FAILURES', 'ERROR RATE', 'DETECTION'],
          ...stats.byProject.map((p) => [
            p.project ?? '',
            String(p.counts.rehearsals),
            rate(p.deploymentSuccessRate),
            rate(p.postDeploy.failureRate),
            p.errors.rate === null ? '-' : `${(p.errors.rate * 100).toFixed(2)}%`,
            p.timeToDetection.medianMs === null ? '-' : seconds(p.timeToDetection.medianMs),
          ]),
        ],
        output,
      ),
    )
  }
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}
