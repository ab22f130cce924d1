/**
 * @module store/postgres/postgres-errors
 * Reads pg's errors (Node socket errors and PostgreSQL SQLSTATEs) for the store. Messages name the
 * server by its URL without the password, and the password is scrubbed from the driver's words too.
 */
import { RehearseError } from '../../core/errors.ts'
import type { StoreErrorReader } from '../kysely-store.ts'
import { postgresDatabaseName, postgresUrlSecrets, redactPostgresUrl, scrubSecrets } from './postgres-url.ts'

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT', // a Unix socket path that does not exist
])

/** pg's own words when a connection fails or drops (it attaches no code to these). */
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|does not support SSL|Client has encountered a connection error/i

export function postgresErrorReader(url: string): StoreErrorReader {
  const where = redactPostgresUrl(url)
  const secrets = postgresUrlSecrets(url)
  const database = postgresDatabaseName(url)

  return {
    unavailable(error) {
      const code = String((error as { code?: unknown } | null)?.code ?? '')
      const message = error instanceof Error ? error.message : ''
      let hint: string | undefined
      if (SOCKET_CODES.has(code) || PG_CONNECTION_MESSAGES.test(message) || code.startsWith('08')) {
        hint =
          'Start PostgreSQL, or fix the host and port in REHEARSE_DATABASE_URL; unset it to use the embedded SQLite store (.rehearse/rehearse.db).'
      } else if (code.startsWith('28')) {
        hint = 'Check the user name and password in REHEARSE_DATABASE_URL.'
      } else if (code === '3D000') {
        hint = `Create the database first (createdb ${database ?? 'NAME'}), or fix its name in REHEARSE_DATABASE_URL.`
      } else if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') {
        hint = 'The server is shutting down, starting up or out of connections: try again when it is ready.'
      } else if (code === '53100') {
        hint = 'The database server is out of disk space.'
      } else {
        return undefined
      }
      const reason = scrubSecrets(message || code, secrets)
      const cause = new Error(reason)
      Object.assign(cause, { code })
      return new RehearseError('STORE_UNAVAILABLE', `Cannot use the PostgreSQL store at ${where}: ${reason}`, {
        hint,
        cause,
        details: { code },
      })
    },
    isForeignKeyViolation(error) {
      return (error as { code?: unknown } | null)?.code === '23503'
    },
  }
}
