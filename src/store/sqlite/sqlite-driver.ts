/**
 * @module store/sqlite/sqlite-driver
 * A Kysely driver for one SQLite connection, modelled on Kysely's own `SqliteDriver` with two
 * changes that let several processes (`rehearse run` writing, `rehearse approve` or the server
 * next to it) and several stores in one process share one database file:
 *
 * - Transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front, so a transaction
 *   that reads and then writes (appending events, migrating) never loses its snapshot half way.
 * - Waiting for a lock happens here, asynchronously, with a deadline, instead of in SQLite's busy
 *   handler. `DatabaseSync` would sleep the whole thread; a second store in the same process
 *   could then never release the lock that the first is waiting for.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  type SqliteDatabase,
} from 'kysely'

export type SqliteStoreDriverConfig = {
  /** Opens the database; called once, on the first query. */
  database: () => SqliteDatabase
  /** How long to keep retrying while another connection holds the lock, milliseconds. */
  busyTimeoutMs: number
  /** Statements run once when the connection opens (pragmas). */
  onOpen?: readonly string[]
}

/** True for SQLITE_BUSY and its extended codes (node:sqlite reports extended codes). */
export function isSqliteBusy(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown } | null)?.errcode
  return typeof errcode === 'number' && (errcode & 0xff) === 5
}

export class SqliteStoreDriver implements Driver {
  readonly #config: SqliteStoreDriverConfig
  readonly #mutex = new ConnectionMutex()
  #db: SqliteDatabase | undefined
  #connection: SqliteStoreConnection | undefined

  constructor(config: SqliteStoreDriverConfig) {
    this.#config = config
  }

  async init(): Promise<void> {
    this.#db = this.#config.database()
    this.#connection = new SqliteStoreConnection(this.#db, this.#config.busyTimeoutMs)
    for (const statement of this.#config.onOpen ?? []) {
      await this.#connection.executeQuery(CompiledQuery.raw(statement))
    }
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // One connection per store, as in Kysely's driver: queries of this store take turns.
    await this.#mutex.lock()
    return this.#connection!
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SqliteStoreConnection).begin()
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SqliteStoreConnection).end('commit')
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as SqliteStoreConnection).end('rollback')
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock()
  }

  async destroy(): Promise<void> {
    this.#db?.close()
  }
}

class SqliteStoreConnection implements DatabaseConnection {
  readonly #db: SqliteDatabase
  readonly #busyTimeoutMs: number
  #inTransaction = false

  constructor(db: SqliteDatabase, busyTimeoutMs: number) {
    this.#db = db
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async begin(): Promise<void> {
    await retryWhileBusy(() => this.#db.prepare('begin immediate').run([]), this.#busyTimeoutMs)
    this.#inTransaction = true
  }

  async end(how: 'commit' | 'rollback'): Promise<void> {
    if (how === 'commit') {
      // A failed COMMIT leaves the transaction open; Kysely follows it with ROLLBACK.
      this.#db.prepare('commit').run([])
      this.#inTransaction = false
      return
    }
    try {
      this.#db.prepare('rollback').run([])
    } finally {
      this.#inTransaction = false
    }
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Inside BEGIN IMMEDIATE this connection holds the write lock: a busy error there is real.
    if (this.#inTransaction) return this.#execute<R>(compiledQuery)
    return retryWhileBusy(() => this.#execute<R>(compiledQuery), this.#busyTimeoutMs)
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error('SQLite can only stream SELECT queries')
    const statement = this.#db.prepare(compiledQuery.sql)
    for (const row of statement.iterate(compiledQuery.parameters)) yield { rows: [row as R] }
  }

  #execute<R>({ sql, parameters }: CompiledQuery): QueryResult<R> {
    const statement = this.#db.prepare(sql)
    if (statement.reader) return { rows: statement.all(parameters) as R[] }
    const { changes, lastInsertRowid } = statement.run(parameters)
    return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] }
  }
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY or `timeoutMs` has passed (then the last
 * busy error is thrown). Backs off from 1 ms to 50 ms with jitter, so waiters do not march in step.
 */
async function retryWhileBusy<T>(attempt: () => T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let delay = 1
  for (;;) {
    try {
      return attempt()
    } catch (error) {
      const left = deadline - Date.now()
      if (!isSqliteBusy(error) || left <= 0) throw error
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, delay * (0.5 + Math.random()))))
      delay = Math.min(delay * 2, 50)
    }
  }
}

/** Kysely's single-connection mutex: callers queue until the holder releases. */
class ConnectionMutex {
  #promise: Promise<void> | undefined
  #resolve: (() => void) | undefined

  async lock(): Promise<void> {
    while (this.#promise) await this.#promise
    this.#promise = new Promise((resolve) => {
      this.#resolve = resolve
    })
  }

  unlock(): void {
    const resolve = this.#resolve
    this.#promise = undefined
    this.#resolve = undefined
    resolve?.()
  }
}
