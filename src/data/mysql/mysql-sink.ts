/**
 * @module data/mysql/mysql-sink
 * The MySQL/MariaDB sink. It loads into a fresh database (`<target>__rh_load_<random>`): the
 * tables from the source's `SHOW CREATE TABLE`, then rows by multi-row INSERTs of up to ~1 MiB
 * with foreign-key checks off for the session (tables load in any order, cycles included). Only
 * `publish` makes the copy visible: one `RENAME TABLE` statement, atomic in MySQL, moves the old
 * staging tables out and the new ones in; then the old ones are dropped. A named lock keeps two
 * syncs from loading the same target at once.
 */
import { randomBytes } from 'node:crypto'
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { DataSink, TableWriter } from '../sink.ts'
import type { AbortableOptions, DatabaseSchema, RowBatch, ServerIdentity, TableSchema } from '../source.ts'
import { connectMysql, type MysqlConnection, myIdent, myLiteral, run } from './mysql-connection.ts'
import type { MysqlNative } from './mysql-introspector.ts'
import { MARKER_LOCK } from './mysql-source.ts'

const LOAD_INFIX = '__rh_load_'
const OLD_INFIX = '__rh_old_'
const STATEMENT_BYTES = 1 << 20
// Strict, but with zero dates allowed and 0 kept as a value in AUTO_INCREMENT columns: the copy
// must take every value the source holds.
const LOAD_SQL_MODE = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'

function loadFailed(what: string, cause: unknown): RehearseError {
  if (cause instanceof RehearseError) return cause
  return new RehearseError(
    'DATA_LOAD_FAILED',
    `Loading the staging copy failed (${what}): ${(cause as Error)?.message ?? cause}.`,
    {
      hint: 'The partial copy was dropped; the previous staging data is untouched. Fix the cause and run again.',
      cause,
    },
  )
}

/** A value as a SQL literal for its column. */
function literal(value: string | null, kind: 'text' | 'binary' | 'number'): string {
  if (value === null) return 'NULL'
  if (kind === 'binary') return /^[0-9A-Fa-f]*$/.test(value) ? `X'${value}'` : myLiteral(value)
  if (kind === 'number' && /^\d+$/.test(value)) return value
  return myLiteral(value)
}

export class MysqlSink implements DataSink {
  readonly engine = 'mysql'
  readonly targetNamespace: string
  readonly #url: string
  readonly #logger: Logger
  readonly #load: string
  #main: MysqlConnection | undefined
  #schema: DatabaseSchema | undefined
  readonly #writers = new Set<MysqlConnection>()
  #prepared = false

  constructor(url: string, database: string, logger: Logger) {
    this.#url = url
    this.targetNamespace = database
    this.#logger = logger
    this.#load = `${database.slice(0, 40)}${LOAD_INFIX}${randomBytes(4).toString('hex')}`
  }

  async open(options: AbortableOptions): Promise<void> {
    this.#main = await connectMysql(this.#url, { what: 'target', ...options })
  }

  async identity(): Promise<ServerIdentity> {
    const [[host, port, datadir]] = (await run(this.#conn(), 'SELECT @@hostname, @@port, @@datadir')) as [
      [string, string, string],
    ]
    return { engine: 'mysql', server: `mysql:${host}:${port}:${datadir}`, database: this.targetNamespace }
  }

  async findSession(marker: string): Promise<{ database: string } | undefined> {
    // The source holds a named lock for (marker, its database): visible server-wide, so a holder
    // means the same server, and the same database as the one asked about.
    const [[holder]] = (await run(this.#conn(), `SELECT IS_USED_LOCK(${MARKER_LOCK})`, [
      marker,
      this.targetNamespace,
    ])) as [[string | null]]
    return holder === null ? undefined : { database: this.targetNamespace }
  }

  async prepare(schema: DatabaseSchema, options: AbortableOptions): Promise<void> {
    const c = this.#conn()
    this.#schema = schema
    const native = schema.native as MysqlNative
    const [[locked]] = (await run(c, 'SELECT GET_LOCK(?, 0)', [`rehearse-sync:${this.targetNamespace}`])) as [[string]]
    if (String(locked) !== '1') {
      throw new RehearseError(
        'DATA_LOAD_FAILED',
        `Another sync is loading ${this.targetNamespace} on this server right now.`,
        {
          hint: 'Wait for it to finish, then run again.',
        },
      )
    }
    try {
      const prefix = this.targetNamespace.slice(0, 40)
      const stale = await run(
        c,
        'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? OR SCHEMA_NAME LIKE ?',
        [`${prefix}${LOAD_INFIX}%`, `${prefix}${OLD_INFIX}%`],
      )
      for (const [name] of stale) await run(c, `DROP DATABASE IF EXISTS ${myIdent(String(name))}`)
      const charset = await run(
        c,
        'SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [this.targetNamespace],
      )
      const [cs, coll] = charset[0] ?? ['utf8mb4', null]
      await run(c, `CREATE DATABASE ${myIdent(this.#load)} CHARACTER SET ${cs}${coll ? ` COLLATE ${coll}` : ''}`)
      this.#prepared = true
      await run(c, `USE ${myIdent(this.#load)}`)
      await run(c, 'SET SESSION foreign_key_checks = 0')
      for (const table of schema.tables) {
        options.signal?.throwIfAborted()
        await run(c, native.tables[table.name]!.createTable)
      }
    } catch (cause) {
      throw loadFailed('creating the tables', cause)
    }
  }

  async openWriter(options: AbortableOptions): Promise<TableWriter> {
    const c = await connectMysql(this.#url, { what: 'target', ...options })
    this.#writers.add(c)
    await run(c, 'SET SESSION foreign_key_checks = 0, unique_checks = 0')
    await run(c, `SET SESSION sql_mode = '${LOAD_SQL_MODE}'`)
    return {
      write: (table, columns, rows, opts) => this.#write(c, table, columns, rows, opts),
      close: async () => {
        this.#writers.delete(c)
        await c
          .promise()
          .end()
          .catch(() => c.destroy())
      },
    }
  }

  async #write(
    c: MysqlConnection,
    table: TableSchema,
    columns: string[],
    rows: AsyncIterable<RowBatch>,
    options: AbortableOptions,
  ) {
    const kinds = columns.map((name) => {
      const col = table.columns.find((x) => x.name === name)!
      return col.valueClass === 'binary' ? 'binary' : col.type.startsWith('bit') ? 'number' : 'text'
    })
    const head = `INSERT INTO ${myIdent(this.#load)}.${myIdent(table.name)} (${columns.map(myIdent).join(', ')}) VALUES `
    const onAbort = () => c.destroy()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    let written = 0
    let sql = ''
    const flush = async () => {
      if (!sql) return
      await run(c, head + sql)
      sql = ''
    }
    try {
      for await (const batch of rows) {
        for (const row of batch) {
          let tuple = '('
          for (let i = 0; i < row.length; i++) tuple += (i ? ',' : '') + literal(row[i]!, kinds[i] as 'text')
          tuple += ')'
          sql += sql ? `,${tuple}` : tuple
          written++
          if (sql.length >= STATEMENT_BYTES) await flush()
        }
      }
      await flush()
      return written
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason
      throw loadFailed(`table ${table.name}`, cause)
    } finally {
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  async finish(): Promise<void> {
    // Keys, indexes and foreign keys came with the tables; the AUTO_INCREMENT counters follow the
    // copied values by themselves.
  }

  async publish(options: AbortableOptions): Promise<void> {
    const c = this.#conn()
    const target = this.targetNamespace
    const old = `${target.slice(0, 40)}${OLD_INFIX}${randomBytes(4).toString('hex')}`
    try {
      options.signal?.throwIfAborted()
      await run(c, `CREATE DATABASE IF NOT EXISTS ${myIdent(target)}`)
      const current = await run(
        c,
        `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'`,
        [target],
      )
      const renames: string[] = []
      if (current.length > 0) {
        await run(c, `CREATE DATABASE ${myIdent(old)}`)
        for (const [t] of current)
          renames.push(`${myIdent(target)}.${myIdent(String(t))} TO ${myIdent(old)}.${myIdent(String(t))}`)
      }
      for (const t of this.#schema!.tables)
        renames.push(`${myIdent(this.#load)}.${myIdent(t.name)} TO ${myIdent(target)}.${myIdent(t.name)}`)
      await run(c, 'SET SESSION lock_wait_timeout = 15')
      // One RENAME TABLE is atomic: readers see the old tables or the new ones, never a mix.
      await run(c, `RENAME TABLE ${renames.join(', ')}`)
      if (current.length > 0) await run(c, `DROP DATABASE ${myIdent(old)}`)
      await run(c, `DROP DATABASE ${myIdent(this.#load)}`)
      this.#prepared = false
      this.#logger.info({ database: target }, 'staging copy published')
    } catch (cause) {
      throw new RehearseError(
        'DATA_PUBLISH_FAILED',
        `Swapping the new copy into ${target} failed: ${(cause as Error).message}.`,
        {
          hint: 'The previous staging data is untouched. If an application holds locks on the staging tables, stop it or run again.',
          cause,
        },
      )
    }
  }

  async discard(): Promise<void> {
    if (!this.#prepared) return
    this.#prepared = false
    let c: MysqlConnection | undefined
    try {
      c = await connectMysql(this.#url, { what: 'target' })
      await run(c, `DROP DATABASE IF EXISTS ${myIdent(this.#load)}`)
    } catch (error) {
      this.#logger.warn(
        { err: error, database: this.#load },
        'could not drop the load database; the next sync drops it',
      )
    } finally {
      await c
        ?.promise()
        .end()
        .catch(() => c?.destroy())
    }
  }

  async close(): Promise<void> {
    const all = [...this.#writers, ...(this.#main ? [this.#main] : [])]
    this.#writers.clear()
    this.#main = undefined
    await Promise.all(
      all.map((c) =>
        c
          .promise()
          .end()
          .catch(() => c.destroy()),
      ),
    )
  }

  #conn(): MysqlConnection {
    if (!this.#main) throw new Error('sink not open')
    return this.#main
  }
}
