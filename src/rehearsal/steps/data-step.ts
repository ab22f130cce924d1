/**
 * @module rehearsal/steps/data-step
 * Staging data for the rehearsal (the spec's `data` section): a masked copy of the source into the
 * staging database, kept with the rehearsal (`.rehearse/data/<id>/`: manifest and leak filter;
 * the manifest also as the `data.synced` event), then the leak scan of that copy (`data.scanned`,
 * findings and counts, never a value) for the `pii` gate, then the release's migration on it when
 * the section has `migrate` (for the `migration` gate). Services find the copy through
 * `${data.target.url}`, resolved by deploy from what this step decided.
 *
 * An `optional` section whose database is down is skipped with the reason: services then get an
 * empty `${data.target.url}`, and the gates say there was nothing to judge.
 */
import { RehearseError } from '../../core/errors.ts'
import { parseDatabaseUrl } from '../../data/connection-url.ts'
import {
  attachScan,
  type DataSpec,
  rehearseMigration,
  type SyncProgress,
  scanStaging,
  syncData,
  writeSyncArtifacts,
} from '../../data/index.ts'
import type { MigrationEvidence } from '../../gates/migration-gate.ts'
import type { PiiEvidence } from '../../gates/pii-gate.ts'
import { dataArtifactsDir, runDataPrepare, unreachableDatabase } from '../data-commands.ts'
import type { Step, StepContext } from '../step.ts'

/** What `${data.*}` resolves to: the staging copy, never the source. */
function dataValues(data: DataSpec): Record<string, string> {
  const target = parseDatabaseUrl(data.target.url, 'data.target')
  return {
    'data.target.url': data.target.url,
    'data.target.schema': data.target.schema ?? (target.engine === 'postgres' ? data.schema : target.database),
  }
}

export const dataStep: Step = {
  name: 'data',
  skip: (ctx) => (ctx.spec.data ? undefined : 'no data section: the services get no staging database'),
  async run(ctx, signal) {
    const data = ctx.spec.data!
    const down = await unreachableDatabase(ctx.loaded, signal)
    if (down) {
      if (!data.optional) {
        throw new RehearseError('DATA_CONNECT_FAILED', `${down.what}.`, {
          hint: `${down.hint} Or mark the section \`optional: true\` to rehearse without staging data.`,
        })
      }
      return skip(ctx, `${down.what}: the data step was skipped; ${lower(down.hint)}`, down.what)
    }
    await runDataPrepare(ctx.loaded, signal, ctx.logger)

    const dir = dataArtifactsDir(ctx.stateRoot, ctx.rehearsalId)
    const { manifest, leakFilter } = await syncData(data, {
      signal,
      logger: ctx.logger,
      baseDir: ctx.loaded.dir,
      artifactsDir: dir,
      onProgress: tableProgress(ctx),
    })
    ctx.events.emit('data.synced', manifest)
    ctx.state.dataValues = dataValues(data)

    const scan = await scanStaging(data, { filter: leakFilter, signal, logger: ctx.logger })
    await writeSyncArtifacts(dir, attachScan(manifest, scan))
    ctx.events.emit('data.scanned', scan)
    record(ctx, 'pii', { scanned: true, scan } satisfies PiiEvidence)

    if (data.migrate) {
      const result = await rehearseMigration(data, {
        // The release's migration: the candidate's files (a worktree when it is a git ref).
        cwd: ctx.state.roots?.candidate ?? ctx.loaded.dir,
        signal,
        logger: ctx.logger,
        onOutput: (line, stream) => ctx.logger.debug({ stream, line }, 'migration output'),
      })
      ctx.events.emit('data.migrated', result)
      record(ctx, 'migration', { ran: true, result, limits: data.migrate } satisfies MigrationEvidence)
    }
    return undefined
  },
}

/** `reason` for the run's output, `why` (shorter) for the gates' reasons. */
function skip(ctx: StepContext, reason: string, why: string): { skipped: string } {
  ctx.state.dataValues = { 'data.target.url': '', 'data.target.schema': '' }
  ctx.events.emit('data.skipped', { reason })
  record(ctx, 'pii', { scanned: false, reason: why } satisfies PiiEvidence)
  if (ctx.spec.data?.migrate) record(ctx, 'migration', { ran: false, reason: why } satisfies MigrationEvidence)
  return { skipped: reason }
}

/** Evidence for a gate, in the state and as `analysis.<kind>` (what `rehearse rejudge` reads). */
function record(ctx: StepContext, kind: string, evidence: PiiEvidence | MigrationEvidence): void {
  ctx.state.evidence[kind] = evidence
  ctx.events.emit(`analysis.${kind}`, evidence)
}

/** One `data.table` event per table copied (the progress display shows it; batches are not recorded). */
function tableProgress(ctx: StepContext): (progress: SyncProgress) => void {
  return (p) => {
    if (p.phase !== 'copy' || !p.tableDone || !p.table) return
    ctx.events.emit('data.table', {
      table: p.table,
      rows: p.tableRows ?? 0,
      tablesDone: p.tablesDone,
      tables: p.tables,
    })
  }
}

const lower = (text: string) => text.charAt(0).toLowerCase() + text.slice(1).replace(/\.$/, '')
