/**
 * @module data/postgres/postgres-source
 * The PostgreSQL source. Every session is read-only (`default_transaction_read_only`, and each
 * transaction `READ ONLY`); the main session opens a REPEATABLE READ transaction and exports its
 * snapshot with pg_export_snapshot(), and every parallel reader imports it, so all tables are read
 * as of one instant. Rows leave as `COPY (SELECT …) TO STDOUT` text, parsed as they stream.
 */
import { randomBytes } from 'node:crypto'
import { RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { CopyTextParser } from '../copy/copy-text.ts'
import type {
  AbortableOptions,
  DatabaseSchema,
  DataSource,
  ReaderHandle,
  RowBatch,
  RowSelection,
  ServerIdentity,
  TableReader,
  TableSchema,
} from '../source.ts'
import {
  closePostgres,
  columnList,
  connectPostgres,
  type PgClient,
  pgIdent,
  pgLiteral,
  selectStatements,
} from './postgres-connection.ts'
import { copyOut } from './postgres-copy.ts'
import { introspectPostgres } from './postgres-introspector.ts'

export class PostgresSource implements DataSource {
  readonly engine = 'postgres'
  readonly sessionMarker = `rehearse-source-${randomBytes(6).toString('hex')}`
  readonly #url: string
  readonly #namespace: string
  readonly #logger: Logger
  #main: PgClient | undefined
  #snapshot = ''
  #identity: ServerIdentity | undefined
  readonly #readers = new Set<TableReader>()

  constructor(url: string, namespace: string, logger: Logger) {
    this.#url = url
    this.#namespace = namespace
    this.#logger = logger
  }

  async open(options: AbortableOptions): Promise<void> {
    const client = await connectPostgres(this.#url, {
      applicationName: this.sessionMarker,
      readOnly: true,
      what: 'source',
      ...options,
    })
    this.#main = client
    // Identity first, outside the transaction: a refused query there would abort it.
    let server: string | undefined
    try {
      const r = await client.query('select system_identifier::text as id from pg_control_system()')
      server = `pg:${r.rows[0]?.id}`
    } catch {
      const r = await client.query(
        `select coalesce(inet_server_addr()::text, 'local') || ':' || inet_server_port() as id`,
      )
      server = `pg-addr:${r.rows[0]?.id}`
    }
    const db = await client.query('select current_database() as db')
    this.#identity = { engine: 'postgres', server, database: String(db.rows[0]?.db) }
    await client.query(`set search_path to ${pgIdent(this.#namespace)}`)
    await client.query('begin isolation level repeatable read read only')
    const snap = await client.query('select pg_export_snapshot() as id')
    this.#snapshot = String(snap.rows[0]?.id)
    this.#logger.debug({ snapshot: this.#snapshot }, 'source snapshot exported')
  }

  async identity(): Promise<ServerIdentity> {
    if (!this.#identity) throw new Error('source not open')
    return this.#identity
  }

  async introspect(options: AbortableOptions): Promise<DatabaseSchema> {
    throwIfAborted(options.signal)
    return introspectPostgres(this.#client(), this.#namespace)
  }

  async openReader(options: AbortableOptions): Promise<TableReader> {
    const reader = await openSnapshotReader(this.readerHandle(), options)
    this.#readers.add(reader)
    return {
      ...reader,
      close: async () => {
        this.#readers.delete(reader)
        await reader.close()
      },
    }
  }

  readerHandle(): ReaderHandle {
    if (!this.#snapshot) throw new Error('source not open')
    return {
      engine: 'postgres',
      url: this.#url,
      namespace: this.#namespace,
      snapshot: this.#snapshot,
      applicationName: `${this.sessionMarker}-reader`,
    }
  }

  selectKeys(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
  ): AsyncIterable<RowBatch> {
    return readRows(this.#client(), table, columns, selection, options, true)
  }

  async close(): Promise<void> {
    const readers = [...this.#readers]
    this.#readers.clear()
    const main = this.#main
    this.#main = undefined
    await Promise.all([...readers.map((r) => r.close()), main ? closePostgres(main) : undefined])
  }

  #client(): PgClient {
    if (!this.#main) throw new Error('source not open')
    return this.#main
  }
}

/**
 * A read-only connection that imports the snapshot of `handle` (pg_export_snapshot of an open
 * source): every table it reads is as of that one instant. Usable from any thread.
 */
export async function openSnapshotReader(handle: ReaderHandle, options: AbortableOptions): Promise<TableReader> {
  const client = await connectPostgres(handle.url, {
    applicationName: handle.applicationName,
    readOnly: true,
    what: 'source',
    ...options,
  })
  try {
    await client.query(`set search_path to ${pgIdent(handle.namespace)}`)
    await client.query('begin isolation level repeatable read read only')
    await client.query(`set transaction snapshot ${pgLiteral(handle.snapshot)}`)
  } catch (cause) {
    await closePostgres(client)
    throw sourceFailed({ name: 'the snapshot' } as TableSchema, cause)
  }
  return {
    read: (table, columns, selection, opts) => readRows(client, table, columns, selection, opts),
    readCopyText: (table, columns, selection, opts) => readCopyText(client, table, columns, selection, opts),
    // After an abort the connection may be mid-COPY: do not wait for a polite goodbye.
    close: () => closePostgres(client, options.signal?.aborted ? 0 : 2_000),
  }
}

function sourceFailed(table: TableSchema, cause: unknown): RehearseError {
  if (cause instanceof RehearseError) return cause
  const message = (cause as Error)?.message ?? String(cause)
  if (/permission denied|must be owner/i.test(message)) {
    return new RehearseError(
      'DATA_SOURCE_READ_FAILED',
      `Reading ${table.name} from the source was refused: ${message}.`,
      {
        hint: 'The sync needs SELECT on every copied table (and nothing more).',
        cause,
      },
    )
  }
  return new RehearseError('DATA_SOURCE_READ_FAILED', `Reading ${table.name} from the source failed: ${message}.`, {
    hint: 'Check the source database and run again; staging is untouched.',
    cause,
  })
}

/** `COPY table (cols) TO STDOUT` for a whole table (a little faster), `COPY (SELECT …)` otherwise. */
function copyStatements(table: TableSchema, columns: string[], selection: RowSelection, distinct = false): string[] {
  if (selection.kind === 'all' && !distinct) return [`COPY ${pgIdent(table.name)} (${columnList(columns)}) TO STDOUT`]
  return selectStatements(table, columns, selection, distinct).map((sql) => `COPY (${sql}) TO STDOUT`)
}

async function* readCopyText(
  client: PgClient,
  table: TableSchema,
  columns: string[],
  selection: RowSelection,
  options: AbortableOptions,
): AsyncIterable<Uint8Array> {
  try {
    for (const sql of copyStatements(table, columns, selection)) yield* copyOut(client, sql, options.signal)
  } catch (cause) {
    throw sourceFailed(table, cause)
  }
}

async function* readRows(
  client: PgClient,
  table: TableSchema,
  columns: string[],
  selection: RowSelection,
  options: AbortableOptions,
  distinct = false,
): AsyncIterable<RowBatch> {
  try {
    for (const sql of copyStatements(table, columns, selection, distinct)) {
      const parser = new CopyTextParser(columns.length)
      for await (const chunk of copyOut(client, sql, options.signal)) {
        const rows = parser.push(chunk)
        if (rows.length > 0) yield rows
      }
      parser.end()
    }
  } catch (cause) {
    throw sourceFailed(table, cause)
  }
}
