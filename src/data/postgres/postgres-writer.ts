/**
 * @module data/postgres/postgres-writer
 * The PostgreSQL sink's table writer: COPY FROM STDIN into the load schema, then the table's own
 * keys and indexes. It needs nothing but its handle, so worker threads open their own.
 */
import { RehearseError } from '../../core/errors.ts'
import { encodeCopyRows } from '../copy/copy-text.ts'
import type { TableWriter, WriterHandle } from '../sink.ts'
import type { AbortableOptions, RowBatch, TableSchema } from '../source.ts'
import { closePostgres, columnList, connectPostgres, pgIdent } from './postgres-connection.ts'
import { copyIn } from './postgres-copy.ts'

export function loadFailed(what: string, cause: unknown): RehearseError {
  if (cause instanceof RehearseError) return cause
  return new RehearseError(
    'DATA_LOAD_FAILED',
    `Loading the staging copy failed (${what}): ${(cause as Error)?.message ?? cause}.`,
    {
      hint: 'The partial copy was dropped; the previous staging data is untouched. Fix the cause and run again.',
      cause,
    },
  )
}

/** A connection that COPYs rows into the load schema of `handle`. Usable from any thread. */
export async function openCopyWriter(handle: WriterHandle, options: AbortableOptions): Promise<TableWriter> {
  const client = await connectPostgres(handle.url, {
    applicationName: 'rehearse-sink-writer',
    what: 'target',
    ...options,
  })
  await client.query(`set search_path to ${pgIdent(handle.loadNamespace)}`)
  // Index builds sort in memory when they may: this session's own setting, nothing global.
  await client.query(`set maintenance_work_mem = '256MB'`)
  const copy = async (
    table: TableSchema,
    columns: string[],
    data: AsyncIterable<string | Uint8Array>,
    signal?: AbortSignal,
  ) => {
    try {
      const rows = await copyIn(client, `COPY ${pgIdent(table.name)} (${columnList(columns)}) FROM STDIN`, data, signal)
      for (const sql of handle.afterLoad[table.name] ?? []) {
        signal?.throwIfAborted()
        await client.query(sql)
      }
      return rows
    } catch (cause) {
      throw loadFailed(`table ${table.name}`, cause)
    }
  }
  return {
    write: async (table, columns, rows, opts) => copy(table, columns, encodeBatches(rows), opts.signal),
    writeCopyText: async (table, columns, data, opts) => copy(table, columns, data, opts.signal),
    // After an abort the connection may be mid-COPY: do not wait for a polite goodbye.
    close: () => closePostgres(client, options.signal?.aborted ? 0 : 2_000),
  }
}

async function* encodeBatches(rows: AsyncIterable<RowBatch>): AsyncIterable<string> {
  for await (const batch of rows) yield encodeCopyRows(batch)
}
