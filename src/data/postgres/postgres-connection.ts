/**
 * @module data/postgres/postgres-connection
 * Opening PostgreSQL connections for the sync, with failures turned into DATA_CONNECT_FAILED and
 * a selection of rows turned into SQL.
 */
import pg from 'pg'
import { RehearseError } from '../../core/errors.ts'
import type { ColumnSchema, RowSelection, TableSchema } from '../source.ts'

export type PgClient = pg.Client

export function pgIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function pgLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** Connects; `readOnly` makes every transaction of the session read-only from the start. */
export async function connectPostgres(
  url: string,
  options: { applicationName: string; readOnly?: boolean; what: string; signal?: AbortSignal },
): Promise<PgClient> {
  const client = new pg.Client({
    connectionString: url,
    application_name: options.applicationName,
    ...(options.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  })
  // An 'error' event on an idle client (the server went away) must not crash the process: the next
  // query on it fails and reports it.
  client.on('error', () => {})
  const onAbort = () => void closePostgres(client)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await client.connect()
  } catch (cause) {
    await client.end().catch(() => {})
    throw new RehearseError(
      'DATA_CONNECT_FAILED',
      `Cannot connect to the ${options.what} database: ${(cause as Error).message}.`,
      {
        hint: 'Check the URL, that the server is running, and the credentials.',
        cause,
      },
    )
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  return client
}

/**
 * Ends a connection, and destroys its socket when a polite end does not finish in time: a
 * connection left in the middle of a COPY that was abandoned may never answer the goodbye.
 */
export async function closePostgres(client: PgClient, graceMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const ended = client.end().catch(() => {})
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), graceMs)
  })
  if ((await Promise.race([ended, late])) === 'late') {
    ;(client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy()
  }
  clearTimeout(timer)
}

/** The column list of a SELECT or COPY, quoted. */
export function columnList(columns: string[]): string {
  return columns.map(pgIdent).join(', ')
}

const KEYS_PER_QUERY = 20_000

/**
 * SQL text (no parameters: COPY takes none) reading `columns` of the selected rows. A key selection
 * becomes one statement per 20 000 keys.
 */
export function selectStatements(
  table: TableSchema,
  columns: string[],
  selection: RowSelection,
  distinct = false,
): string[] {
  const head = `SELECT ${distinct ? 'DISTINCT ' : ''}${columnList(columns)} FROM ${pgIdent(table.name)}`
  if (selection.kind === 'all') return [head]
  if (selection.kind === 'where') return [`${head} WHERE (${selection.where})`]
  if (selection.kind === 'first') return [`${head} LIMIT ${Math.max(0, Math.floor(selection.rows))}`]
  const typesOf = (columns: string[]) =>
    columns.map((c) => {
      const column = table.columns.find((x) => x.name === c)
      if (!column) throw new Error(`no column ${c} in ${table.name}`)
      return column
    })
  if (selection.kind === 'anyOf') {
    // One statement: a row matching two parts must still come out once.
    const parts = selection.parts.filter((p) => p.tuples.length > 0)
    if (parts.length === 0) return []
    return [`${head} WHERE ${parts.map((p) => keyMatch(p.columns, typesOf(p.columns), p.tuples)).join(' OR ')}`]
  }
  const types = typesOf(selection.columns)
  const statements: string[] = []
  for (let i = 0; i < selection.tuples.length; i += KEYS_PER_QUERY) {
    const chunk = selection.tuples.slice(i, i + KEYS_PER_QUERY)
    statements.push(`${head} WHERE ${keyMatch(selection.columns, types, chunk)}`)
  }
  return statements
}

function keyMatch(columns: string[], types: ColumnSchema[], tuples: string[][]): string {
  const arrays = columns.map(
    (_, j) => `ARRAY[${tuples.map((t) => pgLiteral(t[j]!)).join(',')}]::text[]::${types[j]!.type}[]`,
  )
  const names = columns.map((_, j) => `k${j}`)
  return `(${columnList(columns)}) IN (SELECT ${names.join(', ')} FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')}))`
}
