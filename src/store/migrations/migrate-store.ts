/**
 * @module store/migrations/migrate-store
 * Brings a store's schema up to date with Kysely's Migrator and says what went wrong if it cannot.
 * Concurrent callers are safe: PostgreSQL serialises them with an advisory lock (Kysely's adapter),
 * SQLite with the write lock of the migration's `BEGIN IMMEDIATE` transaction (sqlite-adapter.ts).
 */
import { type Kysely, Migrator } from 'kysely'
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { StoreErrorReader } from '../kysely-store.ts'
import type { StoreEngine } from '../store.ts'
import type { StoreDatabase } from '../store-database.ts'
import { storeMigrationProvider } from './store-migration-provider.ts'

export type MigrateStoreOptions = {
  db: Kysely<StoreDatabase>
  engine: StoreEngine
  /** Where the store lives, for messages. */
  location: string
  errors: StoreErrorReader
  logger: Logger
}

/** Applies pending migrations; STORE_UNAVAILABLE or STORE_MIGRATION_FAILED when that fails. */
export async function migrateStore(options: MigrateStoreOptions): Promise<void> {
  const migrator = new Migrator({ db: options.db, provider: storeMigrationProvider(options.engine) })
  const { error, results = [] } = await migrator.migrateToLatest()
  for (const result of results) {
    if (result.status === 'Success') options.logger.info({ migration: result.migrationName }, 'store migrated')
  }
  if (error === undefined) return
  const unavailable = options.errors.unavailable(error)
  if (unavailable) throw unavailable
  const failed = results.find((r) => r.status === 'Error')?.migrationName
  const reason = error instanceof Error ? error.message : String(error)
  // Kysely's words when the database knows a migration that this build does not.
  const newer = /previously executed migration \S+ is missing/.test(reason)
  throw new RehearseError(
    'STORE_MIGRATION_FAILED',
    `Migrating the store at ${options.location}${failed ? ` (${failed})` : ''} failed: ${reason}`,
    {
      hint: newer
        ? 'A newer version of Rehearse has migrated this store: upgrade Rehearse, or use another store.'
        : 'The store was left at its previous version; report this with the message.',
      cause: error,
    },
  )
}
