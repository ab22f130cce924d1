/**
 * @module store/postgres/postgres-store
 * The shared store: PostgreSQL, selected by `REHEARSE_DATABASE_URL`, for a team that runs one
 * control plane. A pg pool behind Kysely's PostgreSQL dialect.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Logger } from '../../core/logger.ts'
import { KyselyStore } from '../kysely-store.ts'
import type { StoreDatabase } from '../store-database.ts'
import { postgresErrorReader } from './postgres-errors.ts'
import { postgresUrlSecrets, redactPostgresUrl, scrubSecrets } from './postgres-url.ts'

const JSON_OID = 114
const JSONB_OID = 3802

export type PostgresStoreOptions = {
  /** `postgres://user:password@host:5432/database`. */
  url: string
  logger: Logger
  /** How long to wait for a connection, milliseconds. */
  connectTimeoutMs?: number
}

/**
 * A store on the PostgreSQL database at `options.url`. Nothing connects until the first query
 * (`openStore` checks the connection and migrates right away).
 */
export function openPostgresStore(options: PostgresStoreOptions): KyselyStore {
  const { url } = options
  const logger = options.logger.child({ store: 'postgres' })
  const secrets = postgresUrlSecrets(url)
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'rehearse',
    // An idle pool does not keep a finished CLI process alive.
    allowExitOnIdle: true,
    // JSON columns come back as their text: the store parses them itself, the same way for both engines.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === JSON_OID || oid === JSONB_OID
          ? (value: string) => value
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would crash the process.
  pool.on('error', (error) => {
    logger.warn({ err: scrubSecrets(error.message, secrets) }, 'store connection lost')
  })
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) })
  return new KyselyStore({
    db,
    engine: 'postgres',
    location: redactPostgresUrl(url),
    errors: postgresErrorReader(url),
    logger,
  })
}
