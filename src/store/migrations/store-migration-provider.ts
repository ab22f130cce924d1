/**
 * @module store/migrations/store-migration-provider
 * The store's schema migrations, listed statically: Kysely's `FileMigrationProvider` globs a
 * folder at run time, which breaks once the code is bundled or compiled to `dist/`. A new
 * migration is a file `NNN-name.ts` here plus one line in the list; names sort in the order they run.
 */
import type { Kysely, Migration, MigrationProvider } from 'kysely'
import type { StoreEngine } from '../store.ts'
import * as m001 from './001-initial.ts'

type MigrationModule = {
  up(db: Kysely<unknown>, engine: StoreEngine): Promise<void>
  down?(db: Kysely<unknown>, engine: StoreEngine): Promise<void>
}

const MIGRATIONS: Record<string, MigrationModule> = {
  '001-initial': m001,
}

/** The names of all migrations, in the order they run. */
export const STORE_MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS).sort()

/** A Kysely `MigrationProvider` for `engine` (migrations may differ in column types per engine). */
export function storeMigrationProvider(engine: StoreEngine): MigrationProvider {
  const migrations: Record<string, Migration> = {}
  for (const [name, module] of Object.entries(MIGRATIONS)) {
    const { down } = module
    migrations[name] = {
      up: (db) => module.up(db, engine),
      ...(down ? { down: (db: Kysely<unknown>) => down(db, engine) } : {}),
    }
  }
  return { getMigrations: async () => migrations }
}
