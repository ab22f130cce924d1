/**
 * @module cli/commands/history
 * `rehearse history` and `rehearse show <id>`: past rehearsals, read from the store.
 */
import type { Command } from 'commander'
import { listHistory, showRehearsal } from '../../rehearsal/history.ts'
import { openRuntime } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'
import { paint, table } from '../output.ts'

export function registerHistoryCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('history')
    .description('past rehearsals, newest first')
    .option('-n, --limit <n>', 'how many', (v) => Number.parseInt(v, 10), 20)
    .action(async (opts: { limit: number }, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      try {
        const records = await listHistory(runtime.store, { limit: opts.limit })
        if (ctx.output.json)
          ctx.output.out(
            JSON.stringify(
              records.map(({ spec: _spec, ...r }) => r),
              null,
              2,
            ),
          )
        else if (!records.length) ctx.output.out('no rehearsals yet — run one with `rehearse run`')
        else {
          ctx.output.out(
            table(
              [
                ['ID', 'PROJECT', 'STARTED', 'STATUS', 'VERDICT', 'EXIT', 'SUMMARY'],
                ...records.map((r) => [
                  r.id,
                  r.project,
                  r.createdAt.replace('T', ' ').slice(0, 19),
                  r.status,
                  r.verdict ?? '-',
                  r.exitCode === null ? '-' : String(r.exitCode),
                  (r.summary ?? '').slice(0, 80),
                ]),
              ],
              ctx.output,
            ),
          )
        }
        setExit(0)
      } finally {
        await runtime.close()
      }
    })

  program
    .command('show <id>')
    .description('one rehearsal: its steps, gates and verdict (the id may be a unique prefix)')
    .option('--events', 'also list every event')
    .action(async (id: string, opts: { events?: boolean }, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      try {
        const detail = await showRehearsal(runtime.store, id)
        if (ctx.output.json) {
          ctx.output.out(JSON.stringify(detail, null, 2))
          setExit(0)
          return
        }
        const r = detail.rehearsal
        ctx.output.out(
          `${paint(ctx.output, 'bold', r.id)}  ${r.project}  ${r.status}${r.verdict ? `  verdict ${r.verdict}` : ''}`,
        )
        ctx.output.out(`started ${r.createdAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}`)
        if (r.summary) ctx.output.out(r.summary)
        ctx.output.out('')
        ctx.output.out(
          table(
            [
              ['STEP', 'STATUS', 'STARTED', 'FINISHED'],
              ...detail.steps.map((s) => [s.name, s.status, s.startedAt, s.finishedAt ?? '-']),
            ],
            ctx.output,
          ),
        )
        const gates = detail.events.filter((e) => e.type === 'gate.evaluated')
        if (gates.length) {
          ctx.output.out('')
          for (const g of gates) {
            const data = g.data as { kind: string; status: string; reasons: string[] }
            ctx.output.out(`${data.status.toUpperCase().padEnd(7)} ${data.kind}`)
            for (const reason of data.reasons) ctx.output.out(`        ${reason}`)
          }
        }
        if (opts.events) {
          ctx.output.out('')
          for (const e of detail.events)
            ctx.output.out(`${String(e.seq).padStart(4)} ${e.at} ${e.type} ${JSON.stringify(e.data)}`)
        }
        setExit(0)
      } finally {
        await runtime.close()
      }
    })
}
