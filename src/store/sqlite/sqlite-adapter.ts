/**
 * @module store/sqlite/sqlite-adapter
 * Kysely's SQLite adapter, told that SQLite runs DDL inside transactions (it does; Kysely assumes
 * not, to be safe across drivers). Kysely's Migrator then runs the migrations in one transaction,
 * which `SqliteStoreDriver` begins with `BEGIN IMMEDIATE`: the database's write lock is the
 * migration lock, so two processes migrating the same file at once take turns, and the second
 * finds nothing left to do.
 */
import { SqliteAdapter } from 'kysely'

export class SqliteStoreAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}
