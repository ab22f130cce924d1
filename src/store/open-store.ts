/**
 * @module store/open-store
 * Opens the store a command works with: PostgreSQL when a URL says so (the `url` option or
 * `REHEARSE_DATABASE_URL`), else the project's embedded SQLite file `.rehearse/rehearse.db`.
 * The store is connected and migrated before it is handed out.
 */
import { isAbsolute, resolve } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import { type Logger, silentLogger } from '../core/logger.ts'
import type { KyselyStore } from './kysely-store.ts'
import { openPostgresStore } from './postgres/postgres-store.ts'
import { DEFAULT_SQLITE_FILE, openSqliteStore } from './sqlite/sqlite-store.ts'
import type { Store, StoreEngine } from './store.ts'

export type OpenStoreOptions = {
  /** The project directory: the SQLite store lives in its `.rehearse/`. */
  cwd: string
  /** `postgres://…` or `sqlite:PATH`; overrides REHEARSE_DATABASE_URL. */
  url?: string
  logger?: Logger
  /** Where REHEARSE_DATABASE_URL is read from; `process.env` by default. */
  env?: Record<string, string | undefined>
}

/** Which engine and where, as `openStore` would choose. */
export type StoreTarget = { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string }

/**
 * Chooses the store without opening it: `postgres://` and `postgresql://` URLs select PostgreSQL,
 * `sqlite:PATH` a SQLite file (relative to `cwd`), no URL the default file. STORE_INVALID_URL otherwise.
 */
export function resolveStoreTarget(options: Pick<OpenStoreOptions, 'cwd' | 'url' | 'env'>): StoreTarget {
  const fromEnv = (options.env ?? process.env)['REHEARSE_DATABASE_URL']
  const url = options.url ?? (fromEnv?.trim() ? fromEnv.trim() : undefined)
  if (url === undefined) return { engine: 'sqlite', file: resolve(options.cwd, DEFAULT_SQLITE_FILE) }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    if (URL.canParse(url)) return { engine: 'postgres', url }
  } else if (/^sqlite:/i.test(url)) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path !== '') return { engine: 'sqlite', file: isAbsolute(path) ? path : resolve(options.cwd, path) }
  }
  // The URL itself is not repeated: it may carry a password.
  throw new RehearseError(
    'STORE_INVALID_URL',
    `The store URL${options.url === undefined ? ' in REHEARSE_DATABASE_URL' : ''} is not one Rehearse can use.`,
    {
      hint: 'Use postgres://USER:PASSWORD@HOST:5432/DATABASE or sqlite:PATH, or unset REHEARSE_DATABASE_URL for the embedded store (.rehearse/rehearse.db).',
    },
  )
}

/**
 * Opens, connects and migrates the store. STORE_INVALID_URL for a URL of another kind,
 * STORE_UNAVAILABLE when the database cannot be reached or opened, STORE_MIGRATION_FAILED when
 * its schema cannot be brought up to date. Close the store when done.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const logger = options.logger ?? silentLogger
  const target = resolveStoreTarget(options)
  const store: KyselyStore =
    target.engine === 'postgres'
      ? openPostgresStore({ url: target.url, logger })
      : openSqliteStore({ file: target.file, logger })
  try {
    await store.checkConnection()
    await store.migrate()
  } catch (error) {
    await store.close().catch(() => {})
    throw error
  }
  logger.debug({ engine: store.engine satisfies StoreEngine, location: store.location }, 'store opened')
  return store
}
