/**
 * @module store/sqlite/sqlite-store
 * The embedded store: one SQLite file (by default `.rehearse/rehearse.db` in the project), through
 * Node's built-in `node:sqlite`. WAL mode lets readers (the dashboard, `rehearse history`) run while
 * `rehearse run` writes; writers in other processes take turns on the file's lock.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Kysely } from 'kysely'
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { KyselyStore } from '../kysely-store.ts'
import type { StoreDatabase } from '../store-database.ts'
import { openSqliteDatabase } from './sqlite-database.ts'
import { SqliteStoreDialect } from './sqlite-dialect.ts'
import { sqliteErrorReader } from './sqlite-errors.ts'

/** Where a project's store lives unless REHEARSE_DATABASE_URL says otherwise, relative to its directory. */
export const DEFAULT_SQLITE_FILE = join('.rehearse', 'rehearse.db')

/** How long a write waits while another process holds the lock, by default. */
export const DEFAULT_BUSY_TIMEOUT_MS = 15_000

export type SqliteStoreOptions = {
  /** The database file; its directory is created if missing. */
  file: string
  logger: Logger
  busyTimeoutMs?: number
}

/**
 * A store on the SQLite file `options.file`. Nothing is opened until the first query (`openStore`
 * checks the connection and migrates right away); STORE_UNAVAILABLE when the directory cannot be made.
 */
export function openSqliteStore(options: SqliteStoreOptions): KyselyStore {
  const { file, logger } = options
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  try {
    mkdirSync(dirname(file), { recursive: true })
  } catch (error) {
    throw new RehearseError('STORE_UNAVAILABLE', `Cannot create the directory of the SQLite store ${file}.`, {
      hint: 'Check that the project directory is writable, or set REHEARSE_DATABASE_URL to use PostgreSQL.',
      cause: error,
    })
  }
  const db = new Kysely<StoreDatabase>({
    dialect: new SqliteStoreDialect({
      database: () => openSqliteDatabase(file),
      busyTimeoutMs,
      onOpen: [
        // WAL: readers never block the writer and the writer never blocks readers.
        'pragma journal_mode = wal',
        // Safe with WAL (no corruption on power loss; at worst the last commits are lost).
        'pragma synchronous = normal',
        'pragma foreign_keys = on',
      ],
    }),
  })
  return new KyselyStore({
    db,
    engine: 'sqlite',
    location: file,
    errors: sqliteErrorReader(file, busyTimeoutMs),
    logger: logger.child({ store: 'sqlite' }),
  })
}
