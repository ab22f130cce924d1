/**
 * @module data/sync/open-endpoints
 * Parses the data section's URLs and creates the source and sink of the right engine, refusing
 * mixed engines and, before anything is written, a target that is the source.
 */
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { type DatabaseUrl, parseDatabaseUrl } from '../connection-url.ts'
import type { DataSpec } from '../data-schema.ts'
import type { DataSink } from '../sink.ts'
import type { DataSource } from '../source.ts'

export type Endpoints = { source: DatabaseUrl; target: DatabaseUrl; sourceNamespace: string; targetNamespace: string }

function sameTargetError(source: DatabaseUrl, how: string): RehearseError {
  return new RehearseError(
    'DATA_SAME_SOURCE_TARGET',
    `The target is the source database (${source.redacted}): ${how}. Nothing was written.`,
    { hint: 'Point `data.target` at the staging database; the source is only ever read.' },
  )
}

/** Reads the URLs and namespaces of the spec; refuses mixed engines and a target URL equal to the source's. */
export function resolveEndpoints(spec: Pick<DataSpec, 'source' | 'target' | 'schema'>): Endpoints {
  const source = parseDatabaseUrl(spec.source, 'data.source')
  const target = parseDatabaseUrl(spec.target.url, 'data.target.url')
  if (source.engine !== target.engine) {
    throw new RehearseError('DATA_ENGINE_MISMATCH', `The source is ${source.engine} and the target ${target.engine}.`, {
      hint: 'Copy PostgreSQL to PostgreSQL and MySQL/MariaDB to MySQL/MariaDB.',
    })
  }
  // MySQL has no schemas inside a database: the namespace is the database itself.
  const sourceNamespace = source.engine === 'postgres' ? spec.schema : source.database
  const targetNamespace = target.engine === 'postgres' ? (spec.target.schema ?? spec.schema) : target.database
  const local = (h: string) => (h === 'localhost' || h === '127.0.0.1' || h === '::1' ? 'local' : h.toLowerCase())
  // Another schema of the source database is still the source database: it must not be written.
  if (local(source.host) === local(target.host) && source.port === target.port && source.database === target.database) {
    throw sameTargetError(source, 'both URLs name the same server and database')
  }
  return { source, target, sourceNamespace, targetNamespace }
}

// Each engine's module is loaded only when used: a PostgreSQL sync never pays for the MySQL driver.

export async function createSource(endpoints: Endpoints, logger: Logger): Promise<DataSource> {
  if (endpoints.source.engine === 'postgres') {
    const { PostgresSource } = await import('../postgres/postgres-source.ts')
    return new PostgresSource(endpoints.source.url, endpoints.sourceNamespace, logger)
  }
  const { MysqlSource } = await import('../mysql/mysql-source.ts')
  return new MysqlSource(endpoints.source.url, endpoints.sourceNamespace, logger)
}

export async function createSink(endpoints: Endpoints, logger: Logger): Promise<DataSink> {
  if (endpoints.target.engine === 'postgres') {
    const { PostgresSink } = await import('../postgres/postgres-sink.ts')
    return new PostgresSink(endpoints.target.url, endpoints.targetNamespace, logger)
  }
  const { MysqlSink } = await import('../mysql/mysql-sink.ts')
  return new MysqlSink(endpoints.target.url, endpoints.targetNamespace, logger)
}

/** A reader of the staging database (the scanner's), read-only like every source. */
export async function createStagingReader(endpoints: Endpoints, logger: Logger): Promise<DataSource> {
  return createSource({ ...endpoints, source: endpoints.target, sourceNamespace: endpoints.targetNamespace }, logger)
}

/**
 * Refuses when source and target reach the same database: by the servers' identities, and by
 * looking for the source's own session from the target (which sees through aliases, proxies and
 * port forwards that make two URLs look different).
 */
export async function assertDistinct(source: DataSource, sink: DataSink, endpoints: Endpoints): Promise<void> {
  const [a, b] = await Promise.all([source.identity(), sink.identity()])
  if (a.server === b.server && a.database === b.database) {
    throw sameTargetError(endpoints.source, 'the servers report the same identity and database')
  }
  const seen = await sink.findSession(source.sessionMarker)
  if (seen && seen.database === b.database) {
    throw sameTargetError(endpoints.source, "the target server sees the source's own session in the same database")
  }
}
