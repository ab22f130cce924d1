/**
 * @module store/sqlite/sqlite-dialect
 * The store's SQLite dialect: Kysely's SQLite query compiler and introspector, with the store's
 * driver (`BEGIN IMMEDIATE`, asynchronous lock waits) and adapter (transactional migrations).
 */
import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely'
import { SqliteStoreAdapter } from './sqlite-adapter.ts'
import { SqliteStoreDriver, type SqliteStoreDriverConfig } from './sqlite-driver.ts'

export class SqliteStoreDialect implements Dialect {
  readonly #config: SqliteStoreDriverConfig

  constructor(config: SqliteStoreDriverConfig) {
    this.#config = config
  }

  createDriver(): Driver {
    return new SqliteStoreDriver(this.#config)
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler()
  }

  createAdapter(): DialectAdapter {
    return new SqliteStoreAdapter()
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface takes Kysely<any> here.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db)
  }
}
