/**
 * @module cli/commands/report
 * `rehearse report <id>`: the self-contained HTML report of a rehearsal (and `--junit FILE`).
 */
import { relative, resolve } from 'node:path'
import type { Command } from 'commander'
import { defaultReportPath, writeJunit, writeReport } from '../../rehearsal/report/build-report.ts'
import { openRuntime } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'

export function registerReportCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('report <id>')
    .description('write the HTML report of a rehearsal (opens in any browser, no server needed)')
    .option('-o, --output <file>', 'where to write it (default: .rehearse/reports/<id>.html)')
    .option('--junit <file>', 'also write JUnit XML (one test case per gate, metric and SLO)')
    .action(async (id: string, opts: { output?: string; junit?: string }, command: Command) => {
      const ctx = context(command)
      const runtime = await openRuntime(ctx.cwd)
      try {
        const record = await runtime.store.findRehearsal(id)
        const html = resolve(ctx.cwd, opts.output ?? defaultReportPath(ctx.cwd, record.id))
        const written = [(await writeReport(runtime.store, record.id, html)).file]
        if (opts.junit) written.push((await writeJunit(runtime.store, record.id, resolve(ctx.cwd, opts.junit))).file)
        if (ctx.output.json) ctx.output.out(JSON.stringify({ id: record.id, written }, null, 2))
        else for (const file of written) ctx.output.out(`wrote ${relative(process.cwd(), file) || file}`)
        setExit(0)
      } finally {
        await runtime.close()
      }
    })
}
