/**
 * @module data/sync/copy-table
 * Copies one table from a reader to a writer through its masker: COPY text to COPY text touching
 * only the masked fields where both ends speak it (PostgreSQL), decoded row batches otherwise.
 * Used by the sync's workers, in the main thread or in worker threads alike.
 */
import { CopyByteSplitter } from '../copy/copy-text.ts'
import type { CompiledTable } from '../policy/compile-policy.ts'
import type { TableWriter } from '../sink.ts'
import type { RowBatch, RowSelection, TableReader } from '../source.ts'
import type { RowMasker } from './row-masker.ts'

export async function* maskBatches(
  rows: AsyncIterable<RowBatch>,
  masker: RowMasker,
  onRows: (n: number) => void,
): AsyncIterable<RowBatch> {
  for await (const batch of rows) {
    masker.mask(batch)
    onRows(batch.length)
    yield batch
  }
}

export async function* maskCopyChunks(
  chunks: AsyncIterable<Uint8Array>,
  masker: RowMasker,
  onRows: (n: number) => void,
): AsyncIterable<Uint8Array> {
  const lines = new CopyByteSplitter()
  for await (const chunk of chunks) {
    const complete = lines.push(chunk)
    if (!complete) continue
    const masked = masker.maskCopyBytes(complete.data, complete.end)
    onRows(masked.rows)
    yield masked.out
  }
  lines.end()
}

export async function* countLines(
  chunks: AsyncIterable<Uint8Array>,
  onRows: (n: number) => void,
): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let n = 0
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++
    onRows(n)
    yield chunk
  }
}

/** Copies the selected rows of one table; `onRows` hears of every batch. Returns the rows written. */
export async function copyTable(
  c: CompiledTable,
  masker: RowMasker,
  reader: TableReader,
  writer: TableWriter,
  selection: RowSelection,
  signal: AbortSignal,
  onRows: (n: number) => void,
): Promise<number> {
  const options = { signal }
  if (reader.readCopyText && writer.writeCopyText) {
    // PostgreSQL to PostgreSQL: COPY text in, COPY text out, touching only the masked fields.
    const text = reader.readCopyText(c.table, c.columns, selection, options)
    const data = masker.passthrough ? countLines(text, onRows) : maskCopyChunks(text, masker, onRows)
    return writer.writeCopyText(c.table, c.columns, data, options)
  }
  const batches = maskBatches(reader.read(c.table, c.columns, selection, options), masker, onRows)
  return writer.write(c.table, c.columns, batches, options)
}
