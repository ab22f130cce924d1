/**
 * @module data/connection-url
 * Connection URLs of the data section: which engine, and a form safe to print (no password).
 */
import { RehearseError } from '../core/errors.ts'
import type { Engine } from './source.ts'

export type DatabaseUrl = {
  engine: Engine
  url: string
  host: string
  port: number
  database: string
  user: string
  /** The URL without its password, for messages and manifests. */
  redacted: string
}

const SCHEMES: Record<string, Engine> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
}

export function parseDatabaseUrl(url: string, what: string): DatabaseUrl {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RehearseError('DATA_URL_INVALID', `${what} is not a URL.`, {
      hint: 'Write `postgres://user@host:5432/db` or `mysql://user@host:3306/db`.',
      location: { path: what },
    })
  }
  const engine = SCHEMES[parsed.protocol]
  if (!engine) {
    throw new RehearseError(
      'DATA_URL_INVALID',
      `${what} has the scheme ${parsed.protocol}, which is not a supported database.`,
      {
        hint: 'Use postgres:// (PostgreSQL) or mysql:// (MySQL, MariaDB).',
        location: { path: what },
      },
    )
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''))
  if (!database) {
    throw new RehearseError('DATA_URL_INVALID', `${what} names no database.`, {
      hint: 'Add it as the path: `…:5432/shop`.',
      location: { path: what },
    })
  }
  const redactedUrl = new URL(url)
  if (redactedUrl.password) redactedUrl.password = '***'
  return {
    engine,
    url,
    host: parsed.hostname || 'localhost',
    port: Number(parsed.port) || (engine === 'postgres' ? 5432 : 3306),
    database,
    user: decodeURIComponent(parsed.username),
    redacted: redactedUrl.toString(),
  }
}

/** A quoted SQL identifier for the engine. */
export function quoteIdent(engine: Engine, name: string): string {
  return engine === 'postgres' ? `"${name.replace(/"/g, '""')}"` : `\`${name.replace(/`/g, '``')}\``
}
