/**
 * @module data/testing/test-databases
 * Real databases for the data module's tests: uniquely named databases (and roles) on the test
 * servers, created per test file and dropped afterwards. When a server cannot be reached the
 * helpers return undefined so tests can skip, except when CI is set: then they throw, and the
 * tests fail instead of passing by skipping.
 */
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import pg from 'pg'

export const PG_SERVER = process.env['REHEARSE_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432'
export const MYSQL_SERVER = process.env['REHEARSE_TEST_MYSQL'] ?? 'mysql://root@127.0.0.1:3306'

export type PgTestServer = {
  /** A URL to database `name` on the server, as `user` (default: the admin). */
  url(name: string, user?: { name: string; password: string }): string
  /** Runs SQL as the admin in database `name`. */
  query(name: string, sql: string, params?: unknown[]): Promise<pg.QueryResult>
  /** A new database; dropped by `cleanup`. */
  createDatabase(label: string): Promise<string>
  /** A new login role with a password; dropped by `cleanup`. */
  createRole(label: string): Promise<{ name: string; password: string }>
  cleanup(): Promise<void>
}

function unreachable(what: string, cause: unknown): undefined {
  if (process.env['CI']) throw new Error(`${what} is not reachable (CI is set, so the tests fail)`, { cause })
  return undefined
}

/** The PostgreSQL test server, or undefined when it is unreachable and CI is not set. */
export async function pgTestServer(): Promise<PgTestServer | undefined> {
  const probe = new pg.Client({ connectionString: `${PG_SERVER}/postgres`, connectionTimeoutMillis: 5_000 })
  probe.on('error', () => {})
  try {
    await probe.connect()
  } catch (error) {
    return unreachable(`PostgreSQL at ${PG_SERVER}`, error)
  } finally {
    await probe.end().catch(() => {})
  }
  const databases: string[] = []
  const roles: string[] = []
  const run = async (db: string, sql: string, params?: unknown[]) => {
    const client = new pg.Client({ connectionString: `${PG_SERVER}/${db}` })
    client.on('error', () => {})
    await client.connect()
    try {
      return await client.query(sql, params)
    } finally {
      await client.end()
    }
  }
  const server = new URL(PG_SERVER)
  return {
    url(name, user) {
      const u = new URL(`${PG_SERVER}/${name}`)
      if (user) {
        u.username = user.name
        u.password = user.password
      }
      return u.toString()
    },
    query: run,
    async createDatabase(label) {
      const name = `rh_${label}_${randomBytes(5).toString('hex')}`
      await run('postgres', `create database ${name}`)
      databases.push(name)
      return name
    },
    async createRole(label) {
      const name = `rh_${label}_${randomBytes(5).toString('hex')}`
      const password = randomBytes(12).toString('hex')
      await run('postgres', `create role ${name} login password '${password}'`)
      roles.push(name)
      return { name, password }
    },
    async cleanup() {
      for (const db of databases.splice(0)) await run('postgres', `drop database if exists ${db} with (force)`)
      for (const role of roles.splice(0)) await run('postgres', `drop role if exists ${role}`)
      void server
    },
  }
}

export type MysqlTestServer = {
  url(database: string): string
  query(sql: string, params?: unknown[]): Promise<unknown>
  createDatabase(label: string): Promise<string>
  cleanup(): Promise<void>
}

/** The MySQL/MariaDB test server, or undefined when it is unreachable and CI is not set. */
export async function mysqlTestServer(): Promise<MysqlTestServer | undefined> {
  let admin: mysql.Connection
  try {
    admin = await mysql.createConnection({ uri: MYSQL_SERVER, connectTimeout: 5_000, multipleStatements: true })
  } catch (error) {
    return unreachable(`MySQL at ${MYSQL_SERVER}`, error)
  }
  await admin.end()
  const databases: string[] = []
  const run = async (sql: string, params?: unknown[]) => {
    const c = await mysql.createConnection({ uri: MYSQL_SERVER, multipleStatements: true })
    try {
      const [rows] = await c.query(sql, params)
      return rows
    } finally {
      await c.end()
    }
  }
  return {
    url: (database) => `${MYSQL_SERVER}/${database}`,
    query: run,
    async createDatabase(label) {
      const name = `rh_${label}_${randomBytes(5).toString('hex')}`
      await run(`create database \`${name}\``)
      databases.push(name)
      return name
    },
    async cleanup() {
      for (const db of databases.splice(0)) {
        // The sync's load and swap databases are named after the target.
        const rows = (await run('select schema_name as s from information_schema.schemata where schema_name like ?', [
          `${db}%`,
        ])) as Array<{ s: string }>
        for (const r of rows) await run(`drop database if exists \`${r.s}\``)
      }
    },
  }
}
