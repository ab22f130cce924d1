/**
 * @module data/mysql/mysql-source
 * The MySQL/MariaDB source. One connection, one `START TRANSACTION WITH CONSISTENT SNAPSHOT, READ
 * ONLY` in REPEATABLE READ: every table is read as of one instant. MySQL cannot hand a snapshot to
 * another connection without locking the whole source (FLUSH TABLES WITH READ LOCK), which a sync
 * must not do to production, so the tables are read one after another on that connection, each as
 * a streaming SELECT with backpressure. A named lock (GET_LOCK) marks the session so that the sink
 * can tell whether it is on the same server.
 */
import { randomBytes } from 'node:crypto'
import { RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type {
  AbortableOptions,
  DatabaseSchema,
  DataSource,
  RowBatch,
  RowSelection,
  ServerIdentity,
  TableReader,
  TableSchema,
} from '../source.ts'
import { connectMysql, type MysqlConnection, run, selectStatements } from './mysql-connection.ts'
import { introspectMysql } from './mysql-introspector.ts'

const BATCH_ROWS = 1000

/** The named lock a session holds to mark itself; `database` hashed to stay within 64 characters. */
export const MARKER_LOCK = "CONCAT(?, ':', LEFT(SHA1(?), 16))"

export class MysqlSource implements DataSource {
  readonly engine = 'mysql'
  readonly sessionMarker = `rehearse-source-${randomBytes(6).toString('hex')}`
  readonly #url: string
  readonly #database: string
  readonly #logger: Logger
  #connection: MysqlConnection | undefined
  #identity: ServerIdentity | undefined
  /** Reads take turns on the one connection that holds the snapshot. */
  #turn: Promise<void> = Promise.resolve()

  constructor(url: string, database: string, logger: Logger) {
    this.#url = url
    this.#database = database
    this.#logger = logger
  }

  async open(options: AbortableOptions): Promise<void> {
    const c = await connectMysql(this.#url, { what: 'source', ...options })
    this.#connection = c
    const [[host, port, datadir]] = (await run(c, 'SELECT @@hostname, @@port, @@datadir')) as [[string, string, string]]
    this.#identity = { engine: 'mysql', server: `mysql:${host}:${port}:${datadir}`, database: this.#database }
    await run(c, `SELECT GET_LOCK(${MARKER_LOCK}, 0)`, [this.sessionMarker, this.#database])
    await run(c, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ')
    await run(c, 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY')
    this.#logger.debug({ database: this.#database }, 'source snapshot opened')
  }

  async identity(): Promise<ServerIdentity> {
    if (!this.#identity) throw new Error('source not open')
    return this.#identity
  }

  async introspect(options: AbortableOptions): Promise<DatabaseSchema> {
    throwIfAborted(options.signal)
    return introspectMysql(this.#conn(), this.#database)
  }

  async openReader(): Promise<TableReader> {
    return {
      read: (table, columns, selection, opts) => this.#read(table, columns, selection, opts, false),
      close: async () => {},
    }
  }

  selectKeys(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
  ): AsyncIterable<RowBatch> {
    return this.#read(table, columns, selection, options, true)
  }

  async close(): Promise<void> {
    const c = this.#connection
    this.#connection = undefined
    if (c)
      await c
        .promise()
        .end()
        .catch(() => c.destroy())
  }

  #conn(): MysqlConnection {
    if (!this.#connection) throw new Error('source not open')
    return this.#connection
  }

  async *#read(
    table: TableSchema,
    columns: string[],
    selection: RowSelection,
    options: AbortableOptions,
    distinct: boolean,
  ): AsyncIterable<RowBatch> {
    let release!: () => void
    const previous = this.#turn
    this.#turn = new Promise((resolve) => {
      release = resolve
    })
    await previous
    const connection = this.#conn()
    try {
      for (const sql of selectStatements(this.#database, table, columns, selection, distinct)) {
        const stream = connection.query(sql).stream({ highWaterMark: BATCH_ROWS })
        // A running SELECT cannot be cancelled on its own connection: abort ends the connection.
        const onAbort = () => {
          stream.destroy()
          connection.destroy()
        }
        options.signal?.addEventListener('abort', onAbort, { once: true })
        try {
          let batch: RowBatch = []
          for await (const row of stream) {
            batch.push(row as Array<string | null>)
            if (batch.length >= BATCH_ROWS) {
              yield batch
              batch = []
            }
          }
          if (batch.length > 0) yield batch
        } finally {
          options.signal?.removeEventListener('abort', onAbort)
          if (!stream.destroyed) stream.destroy()
        }
      }
    } catch (cause) {
      if (cause instanceof RehearseError) throw cause
      throw new RehearseError(
        'DATA_SOURCE_READ_FAILED',
        `Reading ${table.name} from the source failed: ${(cause as Error).message}.`,
        {
          hint: 'The sync needs SELECT on every copied table (and nothing more). Staging is untouched.',
          cause,
        },
      )
    } finally {
      release()
    }
  }
}
