/**
 * @module store/sqlite/sqlite-database
 * Node's built-in SQLite (`node:sqlite`, `DatabaseSync`) in the shape Kysely's SQLite dialect
 * expects: `SqliteDatabase`, "the subset of better-sqlite3's Database that kysely needs".
 *
 * Why not better-sqlite3, which DESIGN.md names: it is a native addon. Its prebuilt binary cannot
 * be downloaded here, so npm compiles it from source against the system Node 20 headers (npm's
 * `nodedir=/usr`), and the result refuses to load under the project's Node 24 (ABI mismatch).
 * `node:sqlite` ships inside Node 24: nothing to compile, nothing to download.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Prepared statements kept per connection: the store runs the same few dozen queries again and again. */
const STATEMENT_CACHE_SIZE = 100

/**
 * Opens (creating if needed) the SQLite file at `file` with foreign keys on and no blocking busy
 * handler: `SqliteStoreDriver` waits for locks itself, asynchronously (see there why).
 */
export function openSqliteDatabase(file: string): SqliteDatabase {
  const db = new DatabaseSync(file, { timeout: 0, enableForeignKeyConstraints: true })
  const cache = new Map<string, { statement: StatementSync; reader: boolean }>()

  function prepared(sql: string): { statement: StatementSync; reader: boolean } {
    let entry = cache.get(sql)
    if (entry) {
      // Re-insert so the Map's order is least-recently-used first.
      cache.delete(sql)
    } else {
      const statement = db.prepare(sql)
      // better-sqlite3's `reader`: the statement returns rows (SELECT, PRAGMA, … RETURNING).
      entry = { statement, reader: statement.columns().length > 0 }
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    }
    cache.set(sql, entry)
    return entry
  }

  return {
    prepare(sql: string): SqliteStatement {
      const { statement, reader } = prepared(sql)
      return {
        reader,
        all: (parameters) => statement.all(...toInputValues(parameters)),
        run: (parameters) => statement.run(...toInputValues(parameters)),
        iterate: (parameters) => statement.iterate(...toInputValues(parameters)),
      }
    },
    close() {
      cache.clear()
      if (db.isOpen) db.close()
    },
  }
}

/** node:sqlite binds null, numbers, bigints, strings and bytes; Kysely may also hand booleans. */
function toInputValues(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  return parameters.map((value) => (typeof value === 'boolean' ? (value ? 1 : 0) : (value as SQLInputValue)))
}
