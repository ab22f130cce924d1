/**
 * @module cli/commands/data
 * `rehearse data plan | sync | scan | migrate`: the staging data of the spec's `data` section on
 * its own. `plan` shows what each column becomes (exit 2 when a column is uncovered); `sync` makes
 * the masked copy with progress per table; `scan` looks for personal data that survived (exit 1
 * when the `pii` gate would fail); `migrate -- <command>` runs a migration on the copy and judges
 * it (exit 1 when the `migration` gate would fail). The masking key is never printed.
 */
import { relative } from 'node:path'
import type { Command } from 'commander'
import type { GateResult } from '../../core/types.ts'
import { formatDuration } from '../../core/units.ts'
import type { SyncPlan, SyncProgress } from '../../data/index.ts'
import { migrateStagingData, planStagingData, scanStagingData, syncStagingData } from '../../rehearsal/data-commands.ts'
import { runtimeLogger } from '../../rehearsal/runtime.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint, table } from '../output.ts'

export function registerDataCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  const data = program
    .command('data')
    .description('staging data: masked copies of production, the leak scan, migration rehearsal')

  data
    .command('plan')
    .description('what every column of the source becomes (masked, safe, generated or uncovered); writes nothing')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command)
      const plan = await planStagingData({ ...base(ctx), logger: runtimeLogger(ctx.cwd) })
      if (ctx.output.json) ctx.output.out(JSON.stringify(plan, null, 2))
      else renderPlan(ctx.output, plan)
      setExit(plan.uncovered.length ? 2 : 0)
    })

  data
    .command('sync')
    .description('copy the source into the staging database, masking every personal column')
    .option('--jobs <n>', 'tables copied at the same time (default: data.jobs)', (v) => Number.parseInt(v, 10))
    .action(async (opts: { jobs?: number }, command: Command) => {
      const ctx = context(command)
      const progress = syncProgress(ctx.output)
      try {
        const { manifest, dir } = await syncStagingData({
          ...base(ctx),
          logger: runtimeLogger(ctx.cwd),
          ...(opts.jobs ? { jobs: opts.jobs } : {}),
          onProgress: progress.update,
        })
        progress.stop()
        if (ctx.output.json) {
          ctx.output.out(JSON.stringify({ manifest, dir }, null, 2))
        } else {
          ctx.output.out(
            `synced ${manifest.totals.tables} tables, ${manifest.totals.rows.toLocaleString('en-US')} rows in ${formatDuration(manifest.durationMs)} → ${manifest.target.url} (${manifest.target.namespace})`,
          )
          ctx.output.out(
            paint(
              ctx.output,
              'gray',
              `key id ${manifest.keyId} · policy ${manifest.policyHash.slice(0, 12)} · manifest ${relative(process.cwd(), dir) || dir}`,
            ),
          )
        }
        setExit(0)
      } finally {
        progress.stop()
      }
    })

  data
    .command('scan')
    .description('scan the staging database for personal data that survived the masking (the pii gate)')
    .action(async (_opts: unknown, command: Command) => {
      const ctx = context(command)
      const { scan, gate, manifestDir } = await scanStagingData({ ...base(ctx), logger: runtimeLogger(ctx.cwd) })
      if (ctx.output.json) ctx.output.out(JSON.stringify({ scan, gate: { kind: 'pii', ...gate } }, null, 2))
      else {
        ctx.output.out(
          `scanned ${scan.rowsScanned.toLocaleString('en-US')} rows of ${scan.tables} tables in ${formatDuration(scan.durationMs)}${scan.usedLeakFilter ? ` with the leak filter of ${relative(process.cwd(), manifestDir ?? '') || manifestDir}` : ' (no leak filter: run `rehearse data sync` to build one)'}`,
        )
        if (scan.findings.length) {
          ctx.output.out(
            table(
              [
                ['TABLE', 'COLUMN', 'KIND', 'VALUES', 'SEVERITY'],
                ...scan.findings.map((f) => [f.table, f.column, f.kind, String(f.count), f.severity]),
              ],
              ctx.output,
            ),
          )
        }
        renderGate(ctx.output, 'pii', gate)
      }
      setExit(gate.status === 'fail' ? 1 : 0)
    })

  data
    .command('migrate [command...]')
    .description('run a migration on the staging copy (after --, or data.migrate.command) and judge it')
    .action(async (words: string[], _opts: unknown, command: Command) => {
      const ctx = context(command)
      const { result, gate } = await migrateStagingData({
        ...base(ctx),
        logger: runtimeLogger(ctx.cwd),
        command: words.length ? words.join(' ') : undefined,
        onOutput: (line) => {
          if (!ctx.output.json) ctx.output.err(paint(ctx.output, 'gray', `  | ${line}`))
        },
      })
      if (ctx.output.json) ctx.output.out(JSON.stringify({ result, gate: { kind: 'migration', ...gate } }, null, 2))
      else renderGate(ctx.output, 'migration', gate)
      setExit(gate.status === 'fail' ? 1 : 0)
    })
}

const base = (ctx: CliContext) => ({ cwd: ctx.cwd, file: ctx.file, signal: ctx.signal })

function renderPlan(output: Output, plan: SyncPlan): void {
  output.out(
    `${plan.engine} ${plan.source} (${plan.sourceNamespace}) → ${plan.target} (${plan.targetNamespace})${plan.keyId ? ` · key id ${plan.keyId}` : ' · no masking key set'}`,
  )
  for (const t of plan.tables) {
    output.out('')
    output.out(
      `${paint(output, 'bold', t.name)} ${paint(output, 'gray', `~${t.estimatedRows.toLocaleString('en-US')} rows${t.subset ? ` · subset ${t.subset}` : ''}`)}`,
    )
    const rows = t.columns.map((c) => [
      `  ${c.name}`,
      c.status === 'uncovered' ? paint(output, 'red', c.status) : c.status,
      c.description ?? c.transformer ?? '',
      paint(output, 'gray', c.rule ?? ''),
    ])
    output.out(table([['  COLUMN', 'STATUS', 'BECOMES', 'RULE'], ...rows], output))
  }
  if (plan.excluded.length) output.out(paint(output, 'gray', `\nnot copied: ${plan.excluded.join(', ')}`))
  output.out('')
  if (plan.uncovered.length) {
    output.out(
      paint(
        output,
        'red',
        `${plan.uncovered.length} column(s) neither masked nor safe — a sync would refuse: ${plan.uncovered.join(', ')}`,
      ),
    )
  } else output.out(paint(output, 'green', 'every column is covered'))
}

function renderGate(output: Output, kind: string, gate: GateResult): void {
  const colour = gate.status === 'pass' ? 'green' : gate.status === 'fail' ? 'red' : 'yellow'
  output.out(`${paint(output, colour, gate.status.toUpperCase().padEnd(7))} ${paint(output, 'bold', kind)}`)
  for (const reason of gate.reasons) output.out(`        ${reason}`)
}

/** On a terminal, one status line redrawn (at most 10 times a second) and a line per table done. */
function syncProgress(output: Output): { update(p: SyncProgress): void; stop(): void } {
  const live = output.tty && !output.json
  let last = 0
  return {
    update(p) {
      if (output.json) return
      if (p.tableDone && p.table) {
        const line = `  ${p.table}: ${(p.tableRows ?? 0).toLocaleString('en-US')} rows (${p.tablesDone}/${p.tables} tables)`
        if (live) process.stderr.write('\r\u001b[K')
        output.err(paint(output, 'gray', line))
        return
      }
      if (!live || Date.now() - last < 100) return
      last = Date.now()
      const pct = p.estimatedRows > 0 ? ` ~${Math.min(99, Math.floor((p.rows / p.estimatedRows) * 100))}%` : ''
      const table = p.table ? ` · ${p.table} ${(p.tableRows ?? 0).toLocaleString('en-US')} rows` : ''
      process.stderr.write(
        `\r\u001b[K${paint(output, 'cyan', p.phase)} ${p.rows.toLocaleString('en-US')} rows${pct} · ${p.tablesDone}/${p.tables} tables${table}`,
      )
    },
    stop() {
      if (live) process.stderr.write('\r\u001b[K')
    },
  }
}
