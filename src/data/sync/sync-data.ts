/**
 * @module data/sync/sync-data
 * `rehearse data sync` and the pipeline's `data` step: a masked copy of the source into a fresh
 * area of the target, swapped into place at the end.
 *
 *   open both (source read-only, one snapshot) → refuse source = target → introspect → policy
 *   (fail-closed: nothing is written while a column is uncovered) → subset → create the load area →
 *   copy tables in foreign-key order, `jobs` at a time, each streaming read → mask → write with
 *   backpressure → constraints and indexes → publish (one transaction) → manifest.
 *
 * Any failure or abort before publish drops the load area and leaves staging as it was.
 */
import { abortError, isRehearseError, RehearseError } from '../../core/errors.ts'
import { type Logger, silentLogger } from '../../core/logger.ts'
import type { DataSpec } from '../data-schema.ts'
import { loadMaskingKey } from '../keys/masking-key.ts'
import { type SyncManifest, writeSyncArtifacts } from '../manifest.ts'
import { policyHash } from '../policy/compile-policy.ts'
import { preparePolicy } from '../policy/plan-sync.ts'
import { assertCovered } from '../policy/resolve-policy.ts'
import { LeakFilter } from '../scan/leak-filter.ts'
import type { RowSelection } from '../source.ts'
import { computeSubset } from '../subset/compute-subset.ts'
import { type CopyThreads, copyTables, startCopyThreads } from './copy-tables.ts'
import { assertDistinct, createSink, createSource, resolveEndpoints } from './open-endpoints.ts'
import { scheduleTables } from './table-order.ts'

export type SyncPhase = 'prepare' | 'subset' | 'copy' | 'finish' | 'publish' | 'done'

/** Progress of a sync: per table while copying, and overall. */
export type SyncProgress = {
  phase: SyncPhase
  /** The table this update is about (copy phase). */
  table?: string
  tableRows?: number
  tableEstimatedRows?: number
  tableDone?: boolean
  /** Rows copied so far, over all tables, and the planner's estimate of the total. */
  rows: number
  estimatedRows: number
  tablesDone: number
  tables: number
}

export type SyncOptions = {
  signal?: AbortSignal
  logger?: Logger
  /** Called often (every batch): throttle rendering on the receiving side. */
  onProgress?: (progress: SyncProgress) => void
  /** Directory relative paths of the spec are relative to (custom transformers, key file). */
  baseDir?: string
  env?: NodeJS.ProcessEnv
  /** Overrides `data.jobs` (`--jobs`). */
  jobs?: number
  /** When set, the manifest and the leak filter are written there. */
  artifactsDir?: string
}

export type SyncResult = { manifest: SyncManifest; leakFilter: LeakFilter }

export async function syncData(spec: DataSpec, options: SyncOptions = {}): Promise<SyncResult> {
  const logger = options.logger ?? silentLogger
  const baseDir = options.baseDir ?? process.cwd()
  const startedAt = new Date()
  const t0 = performance.now()
  const endpoints = resolveEndpoints(spec)
  const key = loadMaskingKey(spec.key, { ...(options.env ? { env: options.env } : {}), baseDir })
  const controller = new AbortController()
  const onOuterAbort = () => controller.abort(options.signal?.reason)
  options.signal?.addEventListener('abort', onOuterAbort, { once: true })
  if (options.signal?.aborted) onOuterAbort()
  const signal = controller.signal
  const [source, sink] = await Promise.all([createSource(endpoints, logger), createSink(endpoints, logger)])
  const phases = { prepareMs: 0, subsetMs: 0, copyMs: 0, finishMs: 0, publishMs: 0 }
  let progress: SyncProgress = { phase: 'prepare', rows: 0, estimatedRows: 0, tablesDone: 0, tables: 0 }
  const emit = (update: Partial<SyncProgress>) => {
    progress = { ...progress, ...update }
    options.onProgress?.(progress)
  }
  let loading = false
  let threads: CopyThreads | undefined
  const jobs = Math.max(1, options.jobs ?? spec.jobs)
  try {
    emit({})
    await Promise.all([source.open({ signal }), sink.open({ signal })])
    await assertDistinct(source, sink, endpoints)
    const { schema, policy, compiled } = await preparePolicy(source, spec, key, baseDir, signal)
    assertCovered(policy)
    const selected = new Set(compiled.map((c) => c.table.name))
    const tableCount = compiled.length
    const estimated = compiled.reduce((n, c) => n + c.table.estimatedRows, 0)
    emit({ tables: tableCount, estimatedRows: estimated })
    phases.prepareMs = performance.now() - t0

    let selections = new Map<string, RowSelection>()
    if (spec.subset && Object.keys(spec.subset).length > 0) {
      emit({ phase: 'subset' })
      const ts = performance.now()
      selections = await computeSubset(
        source,
        compiled.map((c) => c.table),
        spec.subset,
        { signal, logger },
      )
      phases.subsetMs = performance.now() - ts
    }

    const leakCapacity = compiled.reduce(
      (n, c) => n + Math.max(1, c.table.estimatedRows) * c.transformers.filter((t) => t?.leakCheck).length,
      0,
    )
    const leak = new LeakFilter(key, { capacity: Math.max(100_000, Math.ceil(leakCapacity * 1.2)) })

    // Threads load their code while the target is prepared.
    threads = startCopyThreads(source, sink, jobs, compiled)
    loading = true
    await sink.prepare({ ...schema, tables: schema.tables.filter((t) => selected.has(t.name)) }, { signal })
    emit({ phase: 'copy' })
    const tc = performance.now()
    const tables = await copyTables(scheduleTables(compiled, jobs), {
      source,
      sink,
      selections,
      leak,
      jobs,
      signal,
      controller,
      logger,
      threads: { pool: threads, spec, policies: policy.tables, baseDir, env: options.env ?? process.env },
      onRows: (table, rows, done) => {
        const compiledTable = compiled.find((c) => c.table.name === table)!
        emit({
          table,
          tableRows: rows.table,
          tableEstimatedRows: compiledTable.table.estimatedRows,
          tableDone: done,
          rows: progress.rows + rows.delta,
          tablesDone: progress.tablesDone + (done ? 1 : 0),
        })
      },
    })
    phases.copyMs = performance.now() - tc

    emit({ phase: 'finish', table: undefined })
    const tf = performance.now()
    await sink.finish({ signal, jobs })
    phases.finishMs = performance.now() - tf
    emit({ phase: 'publish' })
    const tp = performance.now()
    await sink.publish({ signal })
    loading = false
    phases.publishMs = performance.now() - tp

    const finishedAt = new Date()
    const manifest: SyncManifest = {
      version: 1,
      engine: endpoints.source.engine,
      source: { url: endpoints.source.redacted, namespace: endpoints.sourceNamespace },
      target: { url: endpoints.target.redacted, namespace: endpoints.targetNamespace },
      keyId: key.id,
      policyHash: policyHash(spec),
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(v)])) as SyncManifest['phases'],
      tables: compiled.map((c) => {
        const t = tables.get(c.table.name)!
        return {
          name: c.table.name,
          rows: t.rows,
          durationMs: Math.round(t.durationMs),
          masked: Object.fromEntries(
            c.columns.flatMap((name, i) => (c.transformers[i] ? [[name, c.transformers[i].kind]] : [])),
          ),
          subset: selections.has(c.table.name),
        }
      }),
      totals: { tables: tableCount, rows: [...tables.values()].reduce((n, t) => n + t.rows, 0) },
      leakFilter: { values: leak.count, bytes: leak.bytes, saturated: leak.saturated },
    }
    if (options.artifactsDir) await writeSyncArtifacts(options.artifactsDir, manifest, leak)
    emit({ phase: 'done', table: undefined })
    logger.info({ rows: manifest.totals.rows, tables: tableCount, ms: manifest.durationMs }, 'data sync done')
    return { manifest, leakFilter: leak }
  } catch (error) {
    if (loading) await sink.discard()
    if (options.signal?.aborted) throw abortError(options.signal)
    if (isRehearseError(error)) throw error
    throw new RehearseError('INTERNAL', `The data sync failed: ${(error as Error)?.message ?? error}`, { cause: error })
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort)
    await Promise.all([source.close(), sink.close(), threads?.terminate()])
  }
}
