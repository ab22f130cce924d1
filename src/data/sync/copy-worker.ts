/**
 * @module data/sync/copy-worker
 * A worker thread of the sync: opens its own reader of the source's snapshot and its own writer
 * into the load area, rebuilds the transformers from the spec (same key, same domains: the same
 * masking as in the main thread), then copies the tables it is handed one by one. Original values
 * of sensitive columns go back to the main thread as keyed hashes for the leak filter.
 */
import { parentPort } from 'node:worker_threads'
import type { ErrorCode } from '../../core/error-codes.ts'
import { isRehearseError } from '../../core/errors.ts'
import type { DataSpec } from '../data-schema.ts'
import { loadMaskingKey } from '../keys/masking-key.ts'
import { compilePolicy } from '../policy/compile-policy.ts'
import type { TablePolicy } from '../policy/resolve-policy.ts'
import { openSnapshotReader } from '../postgres/postgres-source.ts'
import { openCopyWriter } from '../postgres/postgres-writer.ts'
import { LeakHashBuffer } from '../scan/leak-filter.ts'
import type { WriterHandle } from '../sink.ts'
import type { ReaderHandle, RowSelection } from '../source.ts'
import { copyTable } from './copy-table.ts'
import { RowMasker } from './row-masker.ts'

export type WorkerSetup = {
  spec: DataSpec
  baseDir: string
  env: NodeJS.ProcessEnv
  reader: ReaderHandle
  writer: WriterHandle
}
export type SerializedError = { code?: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> }
export type ToWorker =
  | { type: 'init'; setup: WorkerSetup }
  | { type: 'task'; policy: TablePolicy; selection: RowSelection }
  | { type: 'stop' }
  | { type: 'abort' }
export type FromWorker =
  | { type: 'ready' }
  | { type: 'rows'; table: string; rows: number }
  | { type: 'leak'; pairs: Uint32Array }
  | { type: 'done'; table: string; rows: number; durationMs: number }
  | { type: 'error'; error: SerializedError }

function serialize(error: unknown): SerializedError {
  if (isRehearseError(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(error.details ? { details: error.details } : {}),
    }
  }
  return { message: error instanceof Error ? error.message : String(error) }
}

/** Sets up from the `init` message (the thread may start before the sync knows its snapshot), then serves tasks. */
function serve(port: NonNullable<typeof parentPort>): void {
  const post = (m: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer)
  const controller = new AbortController()
  const signal = controller.signal
  let ready: Promise<Session> | undefined
  let current: Promise<unknown> = Promise.resolve()
  const fail = (error: unknown) =>
    post({ type: 'error', error: serialize(signal.aborted ? new Error('aborted') : error) })
  const close = async () => {
    const session = await ready?.catch(() => undefined)
    await Promise.all([session?.reader.close(), session?.writer.close()])
    port.close()
  }
  port.on('message', (m: ToWorker) => {
    switch (m.type) {
      case 'init':
        ready = open(m.setup, signal)
        ready.then(() => post({ type: 'ready' }), fail)
        return
      case 'abort':
        controller.abort()
        current.finally(close)
        return
      case 'stop':
        current.finally(close)
        return
      case 'task':
        current = (async () => {
          try {
            await copyOne(await ready!, m, signal, post)
          } catch (error) {
            fail(error)
          }
        })()
    }
  })
}

type Session = Awaited<ReturnType<typeof open>>

async function open(setup: WorkerSetup, signal: AbortSignal) {
  const key = loadMaskingKey(setup.spec.key, { env: setup.env, baseDir: setup.baseDir })
  const [reader, writer] = await Promise.all([
    openSnapshotReader(setup.reader, { signal }),
    openCopyWriter(setup.writer, { signal }),
  ])
  return { key, reader, writer, baseDir: setup.baseDir, leak: new LeakHashBuffer(key) }
}

const PROGRESS_MS = 50

async function copyOne(
  session: Session,
  task: Extract<ToWorker, { type: 'task' }>,
  signal: AbortSignal,
  post: (m: FromWorker, transfer?: ArrayBuffer[]) => void,
): Promise<void> {
  const started = performance.now()
  const name = task.policy.table.name
  const { leak } = session
  const flushLeak = () => {
    if (leak.size === 0) return
    const pairs = leak.take()
    post({ type: 'leak', pairs }, [pairs.buffer as ArrayBuffer])
  }
  // Progress at most every 50 ms: a message per chunk would cost more than it tells.
  let unreported = 0
  let lastReport = started
  const report = () => {
    if (unreported > 0) post({ type: 'rows', table: name, rows: unreported })
    unreported = 0
    lastReport = performance.now()
  }
  const [compiled] = await compilePolicy(
    { tables: [task.policy], excluded: [], uncovered: [] },
    session.key,
    session.baseDir,
  )
  const masker = new RowMasker(compiled!, leak)
  const rows = await copyTable(compiled!, masker, session.reader, session.writer, task.selection, signal, (n) => {
    unreported += n
    if (performance.now() - lastReport >= PROGRESS_MS) report()
    if (leak.size >= 50_000) flushLeak()
  })
  report()
  flushLeak()
  post({ type: 'done', table: name, rows, durationMs: performance.now() - started })
}

if (parentPort) serve(parentPort)
