/**
 * @module data/sync/copy-tables
 * Runs the copy of every table with `jobs` workers, each with its own reader of the source's
 * snapshot and its own writer into the load area, taking the next table in foreign-key order when
 * it is free. Where the source and sink can be opened from another thread (PostgreSQL), each
 * worker is a worker thread — masking is CPU work, and one JavaScript thread would be the
 * bottleneck; otherwise (MySQL, one connection holds the snapshot) the workers share this thread.
 * The first failure stops every worker.
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { DataSpec } from '../data-schema.ts'
import type { CompiledTable } from '../policy/compile-policy.ts'
import type { TablePolicy } from '../policy/resolve-policy.ts'
import type { LeakFilter } from '../scan/leak-filter.ts'
import type { DataSink, TableWriter } from '../sink.ts'
import type { DataSource, RowSelection, TableReader } from '../source.ts'
import { copyTable } from './copy-table.ts'
import type { FromWorker, SerializedError, ToWorker, WorkerSetup } from './copy-worker.ts'
import { RowMasker } from './row-masker.ts'

export type TableResult = { rows: number; durationMs: number }

export type CopyContext = {
  source: DataSource
  sink: DataSink
  selections: Map<string, RowSelection>
  leak: LeakFilter
  jobs: number
  signal: AbortSignal
  controller: AbortController
  /** `rows` is the table's running total; `delta` what this update adds. */
  onRows: (table: string, rows: { table: number; delta: number }, done: boolean) => void
  /** Worker threads started early (`startCopyThreads`), and what they need to rebuild the transformers. */
  threads?: { pool: CopyThreads; spec: DataSpec; policies: TablePolicy[]; baseDir: string; env: NodeJS.ProcessEnv }
  logger: Logger
}

export function copyTables(queue: CompiledTable[], ctx: CopyContext): Promise<Map<string, TableResult>> {
  return ctx.threads && ctx.threads.pool.workers.length > 0 ? copyInThreads(queue, ctx) : copyHere(queue, ctx)
}

/** Worker threads for the copy, started ahead of time: loading their modules overlaps the sync's preparation. */
export type CopyThreads = { workers: Worker[]; terminate(): Promise<void> }

/**
 * Starts worker threads when they will pay: the engine can open readers from another thread,
 * there is more than one job and more than one table, and some table has something to mask.
 */
export function startCopyThreads(
  source: DataSource,
  sink: DataSink,
  jobs: number,
  queue: CompiledTable[],
): CopyThreads {
  const worth =
    source.readerHandle &&
    sink.writerHandle &&
    jobs > 1 &&
    queue.length > 1 &&
    queue.some((c) => c.transformers.some(Boolean))
  const workers = worth ? Array.from({ length: Math.min(jobs, queue.length) }, () => new Worker(WORKER_URL)) : []
  return { workers, terminate: async () => void (await Promise.all(workers.map((w) => w.terminate()))) }
}

async function copyHere(queue: CompiledTable[], ctx: CopyContext): Promise<Map<string, TableResult>> {
  const results = new Map<string, TableResult>()
  const pending = [...queue]
  let firstError: unknown
  const worker = async () => {
    let reader: TableReader | undefined
    let writer: TableWriter | undefined
    try {
      reader = await ctx.source.openReader({ signal: ctx.signal })
      writer = await ctx.sink.openWriter({ signal: ctx.signal })
      for (let next = pending.shift(); next; next = pending.shift()) {
        ctx.signal.throwIfAborted()
        const started = performance.now()
        const name = next.table.name
        let total = 0
        const rows = await copyTable(
          next,
          new RowMasker(next, ctx.leak),
          reader,
          writer,
          ctx.selections.get(name) ?? { kind: 'all' },
          ctx.signal,
          (n) => {
            total += n
            ctx.onRows(name, { table: total, delta: n }, false)
          },
        )
        ctx.onRows(name, { table: rows, delta: 0 }, true)
        results.set(name, { rows, durationMs: performance.now() - started })
      }
    } catch (error) {
      firstError ??= error
      ctx.controller.abort(error)
    } finally {
      await Promise.all([reader?.close(), writer?.close()])
    }
  }
  await Promise.all(Array.from({ length: Math.min(ctx.jobs, queue.length) }, worker))
  if (firstError !== undefined) throw firstError
  return results
}

/** The worker's module next to this one: `.ts` when running from source, `.js` once built. */
const WORKER_URL = new URL(`./copy-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)

function revive(e: SerializedError): Error {
  if (e.code)
    return new RehearseError(e.code, e.message, {
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.details ? { details: e.details } : {}),
    })
  return new RehearseError('INTERNAL', `A copy worker failed: ${e.message}`)
}

async function copyInThreads(queue: CompiledTable[], ctx: CopyContext): Promise<Map<string, TableResult>> {
  const results = new Map<string, TableResult>()
  const pending = [...queue]
  const threads = ctx.threads!
  const policies = new Map(threads.policies.map((p) => [p.table.name, p]))
  const setup: WorkerSetup = {
    spec: threads.spec,
    baseDir: threads.baseDir,
    env: threads.env,
    reader: ctx.source.readerHandle!(),
    writer: ctx.sink.writerHandle!(),
  }
  let firstError: unknown
  const workers: Worker[] = []
  let deadline: NodeJS.Timeout | undefined
  const stopAll = () => {
    for (const w of workers) w.postMessage({ type: 'abort' } satisfies ToWorker)
    // A worker that does not wind down in time is stopped: nothing may be left running.
    deadline ??= setTimeout(() => void threads.pool.terminate(), 5_000)
  }
  const onAbort = () => stopAll()
  ctx.signal.addEventListener('abort', onAbort, { once: true })
  const run = (worker: Worker) =>
    new Promise<void>((resolve) => {
      const totals = new Map<string, number>()
      const next = () => {
        const table = firstError === undefined && !ctx.signal.aborted ? pending.shift() : undefined
        const message: ToWorker = table
          ? {
              type: 'task',
              policy: policies.get(table.table.name)!,
              selection: ctx.selections.get(table.table.name) ?? { kind: 'all' },
            }
          : { type: 'stop' }
        worker.postMessage(message)
      }
      worker.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            next()
            break
          case 'rows': {
            const total = (totals.get(m.table) ?? 0) + m.rows
            totals.set(m.table, total)
            ctx.onRows(m.table, { table: total, delta: m.rows }, false)
            break
          }
          case 'leak':
            ctx.leak.addHashes(m.pairs)
            break
          case 'done':
            ctx.onRows(m.table, { table: m.rows, delta: 0 }, true)
            results.set(m.table, { rows: m.rows, durationMs: m.durationMs })
            next()
            break
          case 'error':
            if (firstError === undefined) {
              firstError = revive(m.error)
              ctx.controller.abort(firstError)
              stopAll()
            }
            break
        }
      })
      worker.on('error', (error) => {
        if (firstError === undefined) {
          firstError = new RehearseError('INTERNAL', `A copy worker crashed: ${error.message}`, { cause: error })
          ctx.controller.abort(firstError)
          stopAll()
        }
      })
      worker.on('exit', () => resolve())
    })
  try {
    workers.push(...threads.pool.workers)
    for (const w of workers) w.postMessage({ type: 'init', setup } satisfies ToWorker)
    await Promise.all(workers.map(run))
  } finally {
    ctx.signal.removeEventListener('abort', onAbort)
    clearTimeout(deadline)
    await threads.pool.terminate()
  }
  if (firstError !== undefined) throw firstError
  if (ctx.signal.aborted) throw ctx.signal.reason
  return results
}
