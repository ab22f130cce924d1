/**
 * @module data/mysql/mysql-connection
 * Opening MySQL/MariaDB connections for the sync (failures become DATA_CONNECT_FAILED), quoting,
 * and a selection of rows turned into SQL.
 */
import mysql from 'mysql2'
import { RehearseError } from '../../core/errors.ts'
import type { RowSelection, TableSchema } from '../source.ts'

export type MysqlConnection = mysql.Connection

export function myIdent(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

export function myLiteral(value: string): string {
  return mysql.escape(value)
}

/**
 * Every value as text: the sync works on text in both engines, which is what makes a value mask
 * the same way in PostgreSQL and MySQL.
 */
const asText: mysql.TypeCast = (field) => field.string()

/** Connects to the server of `url` without selecting a database (the sync names databases itself). */
export async function connectMysql(
  url: string,
  options: { what: string; signal?: AbortSignal },
): Promise<MysqlConnection> {
  const parsed = new URL(url)
  const connection = mysql.createConnection({
    host: parsed.hostname,
    port: Number(parsed.port) || 3306,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    rowsAsArray: true,
    typeCast: asText,
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  })
  // A connection error after connecting (the server went away) surfaces on the next query.
  connection.on('error', () => {})
  const onAbort = () => connection.destroy()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await connection.promise().connect()
  } catch (cause) {
    connection.destroy()
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
  return connection
}

/** Runs one statement; rows come back as arrays of strings. */
export async function run(
  connection: MysqlConnection,
  sql: string,
  params?: unknown[],
): Promise<Array<Array<string | null>>> {
  const [rows] = await connection.promise().query({ sql, ...(params ? { values: params } : {}) })
  return Array.isArray(rows) ? (rows as Array<Array<string | null>>) : []
}

/** The expression a column is read with: binary columns as hex, bit columns as numbers. */
export function readExpression(table: TableSchema, column: string): string {
  const c = table.columns.find((x) => x.name === column)
  if (c?.valueClass === 'binary') return `HEX(${myIdent(column)})`
  if (c?.type.startsWith('bit')) return `${myIdent(column)} + 0`
  return myIdent(column)
}

const KEYS_PER_QUERY = 5_000

function keyMatch(columns: string[], tuples: string[][]): string {
  const cols = columns.length === 1 ? myIdent(columns[0]!) : `(${columns.map(myIdent).join(', ')})`
  const values = tuples.map((t) => (t.length === 1 ? myLiteral(t[0]!) : `(${t.map(myLiteral).join(', ')})`))
  return `${cols} IN (${values.join(', ')})`
}

/** SELECT statements reading `columns` of the selected rows of `database`.`table`. */
export function selectStatements(
  database: string,
  table: TableSchema,
  columns: string[],
  selection: RowSelection,
  distinct = false,
): string[] {
  const head = `SELECT ${distinct ? 'DISTINCT ' : ''}${columns.map((c) => readExpression(table, c)).join(', ')} FROM ${myIdent(database)}.${myIdent(table.name)}`
  switch (selection.kind) {
    case 'all':
      return [head]
    case 'first':
      return [`${head} LIMIT ${Math.max(0, Math.floor(selection.rows))}`]
    case 'where':
      return [`${head} WHERE (${selection.where})`]
    case 'anyOf': {
      const parts = selection.parts.filter((p) => p.tuples.length > 0)
      return parts.length === 0 ? [] : [`${head} WHERE ${parts.map((p) => keyMatch(p.columns, p.tuples)).join(' OR ')}`]
    }
    case 'keys': {
      const out: string[] = []
      for (let i = 0; i < selection.tuples.length; i += KEYS_PER_QUERY) {
        out.push(`${head} WHERE ${keyMatch(selection.columns, selection.tuples.slice(i, i + KEYS_PER_QUERY))}`)
      }
      return out
    }
  }
}
