/**
 * @module data/postgres/postgres-sink
 * The PostgreSQL sink. It loads into a fresh schema (`<target>__rh_load_<random>`): tables first,
 * bare; rows by COPY FROM STDIN; then constraints, indexes and sequence positions. Only `publish`
 * makes the copy visible, in one transaction: the old target schema is renamed away, the load
 * schema takes its name, the old one is dropped. Until that commit, staging is exactly as it was.
 * An advisory lock keeps two syncs from loading the same target at once.
 */
import { randomBytes } from 'node:crypto'
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import { runPool } from '../run-pool.ts'
import type { DataSink, TableWriter, WriterHandle } from '../sink.ts'
import type { AbortableOptions, DatabaseSchema, ServerIdentity, TableSchema } from '../source.ts'
import { closePostgres, connectPostgres, type PgClient, pgIdent, pgLiteral } from './postgres-connection.ts'
import type { PgNative } from './postgres-introspector.ts'
import { loadFailed, openCopyWriter } from './postgres-writer.ts'

const LOAD_INFIX = '__rh_load_'
const OLD_INFIX = '__rh_old_'

export class PostgresSink implements DataSink {
  readonly engine = 'postgres'
  readonly targetNamespace: string
  readonly #url: string
  readonly #logger: Logger
  readonly #load: string
  #main: PgClient | undefined
  #schema: DatabaseSchema | undefined
  readonly #writers = new Set<PgClient>()
  readonly #openWriters = new Set<TableWriter>()
  #prepared = false

  constructor(url: string, namespace: string, logger: Logger) {
    this.#url = url
    this.targetNamespace = namespace
    this.#logger = logger
    this.#load = `${namespace.slice(0, 40)}${LOAD_INFIX}${randomBytes(4).toString('hex')}`
  }

  async open(options: AbortableOptions): Promise<void> {
    this.#main = await connectPostgres(this.#url, { applicationName: 'rehearse-sink', what: 'target', ...options })
  }

  async identity(): Promise<ServerIdentity> {
    const client = this.#client()
    let server: string
    try {
      const r = await client.query('select system_identifier::text as id from pg_control_system()')
      server = `pg:${r.rows[0]?.id}`
    } catch {
      const r = await client.query(
        `select coalesce(inet_server_addr()::text, 'local') || ':' || inet_server_port() as id`,
      )
      server = `pg-addr:${r.rows[0]?.id}`
    }
    const db = await client.query('select current_database() as db')
    return { engine: 'postgres', server, database: String(db.rows[0]?.db) }
  }

  async findSession(marker: string): Promise<{ database: string } | undefined> {
    const r = await this.#client().query('select datname from pg_stat_activity where application_name = $1 limit 1', [
      marker,
    ])
    return r.rows.length > 0 ? { database: String(r.rows[0]?.datname) } : undefined
  }

  async prepare(schema: DatabaseSchema, options: AbortableOptions): Promise<void> {
    const client = this.#client()
    const native = schema.native as PgNative
    this.#schema = schema
    const lock = await client.query('select pg_try_advisory_lock(hashtext($1)) as ok', [
      `rehearse-sync:${this.targetNamespace}`,
    ])
    if (!lock.rows[0]?.ok) {
      throw new RehearseError(
        'DATA_LOAD_FAILED',
        `Another sync is loading ${this.targetNamespace} in this database right now.`,
        {
          hint: 'Wait for it to finish, then run again.',
        },
      )
    }
    try {
      // Leftovers of syncs that crashed before cleaning up (the lock says none is running).
      const stale = await client.query('select nspname from pg_namespace where nspname like $1 or nspname like $2', [
        `${this.targetNamespace.slice(0, 40)}${LOAD_INFIX}%`,
        `${this.targetNamespace.slice(0, 40)}${OLD_INFIX}%`,
      ])
      for (const row of stale.rows) await client.query(`drop schema if exists ${pgIdent(String(row.nspname))} cascade`)
      await client.query(`create schema ${pgIdent(this.#load)}`)
      this.#prepared = true
      await client.query(`set search_path to ${pgIdent(this.#load)}`)
      for (const e of native.enums) {
        await client.query(`create type ${pgIdent(e.name)} as enum (${e.labels.map(pgLiteral).join(', ')})`)
      }
      for (const d of native.domains) await client.query(`create domain ${pgIdent(d.name)} as ${d.definition}`)
      for (const s of native.sequences) await client.query(`create sequence ${pgIdent(s.name)} ${s.definition}`)
      for (const table of schema.tables) {
        options.signal?.throwIfAborted()
        const t = native.tables[table.name]!
        await client.query(`create table ${pgIdent(table.name)} (${t.columns.join(', ')})`)
      }
    } catch (cause) {
      throw loadFailed('creating the tables', cause)
    }
  }

  async openWriter(options: AbortableOptions): Promise<TableWriter> {
    const writer = await openCopyWriter(this.writerHandle(), options)
    this.#openWriters.add(writer)
    return {
      ...writer,
      close: async () => {
        this.#openWriters.delete(writer)
        await writer.close()
      },
    }
  }

  writerHandle(): WriterHandle {
    const schema = this.#schema
    if (!schema) throw new Error('sink not prepared')
    const native = schema.native as PgNative
    const copied = new Set(schema.tables.map((t) => t.name))
    // Each table's keys and indexes are built as soon as it is loaded, while others still load.
    const afterLoad = Object.fromEntries(
      schema.tables.map((t) => [
        t.name,
        [...this.#constraints(t, ['p', 'u', 'c', 'x'], copied), ...native.tables[t.name]!.indexes],
      ]),
    )
    return { engine: 'postgres', url: this.#url, loadNamespace: this.#load, afterLoad }
  }

  /** ALTER TABLE … ADD CONSTRAINT statements of `types`, leaving out foreign keys to tables not copied. */
  #constraints(t: TableSchema, types: string[], copied: Set<string>): string[] {
    const native = this.#schema!.native as PgNative
    return native.tables[t.name]!.constraints.filter((c) => {
      if (!types.includes(c.type)) return false
      const fk = t.foreignKeys.find((f) => f.name === c.name)
      if (fk && !copied.has(fk.refTable)) {
        this.#logger.warn({ table: t.name, constraint: c.name }, 'foreign key to a table not copied: left out')
        return false
      }
      return true
    }).map((c) => `alter table ${pgIdent(t.name)} add constraint ${pgIdent(c.name)} ${c.definition}`)
  }

  async finish(options: AbortableOptions & { jobs?: number }): Promise<void> {
    const schema = this.#schema!
    const native = schema.native as PgNative
    const copied = new Set(schema.tables.map((t) => t.name))
    const jobs = Math.max(1, options.jobs ?? 1)
    const clients: PgClient[] = [this.#client()]
    try {
      // Index builds sort in memory when they may: the session's own setting, nothing global.
      await clients[0]!.query(`set maintenance_work_mem = '256MB'`)
      for (let i = 1; i < Math.min(jobs, schema.tables.length); i++) {
        const c = await connectPostgres(this.#url, {
          applicationName: 'rehearse-sink-index',
          what: 'target',
          ...options,
        })
        this.#writers.add(c)
        await c.query(`set search_path to ${pgIdent(this.#load)}`)
        await c.query(`set maintenance_work_mem = '256MB'`)
        clients.push(c)
      }
      const run = async (statements: (t: TableSchema) => string[]) =>
        runPool(schema.tables, jobs, async (table, worker) => {
          for (const sql of statements(table)) {
            options.signal?.throwIfAborted()
            await clients[worker]!.query(sql)
          }
        })
      // Keys and indexes were built by each table's writer right after its load; foreign keys
      // need both ends loaded.
      await run((t) => this.#constraints(t, ['f'], copied))
      await run((t) =>
        native.tables[t.name]!.sequenceColumns.map((s) => {
          const col = pgIdent(s.column)
          const seq = s.sequence
            ? pgLiteral(s.sequence)
            : `pg_get_serial_sequence(${pgLiteral(`${pgIdent(this.#load)}.${pgIdent(t.name)}`)}, ${pgLiteral(s.column)})`
          // Past the highest copied value, so the application's next insert does not collide with
          // a (possibly permuted) copied key.
          return `select setval(${seq}, greatest((select max(${col}) from ${pgIdent(t.name)}), 1)::bigint, (select count(*) > 0 from ${pgIdent(t.name)}))`
        }),
      )
    } catch (cause) {
      throw loadFailed('creating constraints and indexes', cause)
    } finally {
      for (const c of clients.slice(1)) {
        this.#writers.delete(c)
        await closePostgres(c)
      }
    }
  }

  async publish(options: AbortableOptions): Promise<void> {
    const client = this.#client()
    const target = this.targetNamespace
    const old = `${target.slice(0, 40)}${OLD_INFIX}${randomBytes(4).toString('hex')}`
    try {
      options.signal?.throwIfAborted()
      await client.query('begin')
      await client.query(`set local lock_timeout = '15s'`)
      const exists = await client.query('select oid from pg_namespace where nspname = $1', [target])
      if (exists.rows.length > 0) {
        const oid = exists.rows[0]!.oid
        // Extensions installed in the target schema (say citext in public) move with it: the new
        // tables' columns may use their types.
        const exts = await client.query('select extname from pg_extension where extnamespace = $1', [oid])
        for (const e of exts.rows)
          await client.query(`alter extension ${pgIdent(String(e.extname))} set schema ${pgIdent(this.#load)}`)
        // Whoever could use the old schema and its tables can use the new ones.
        const grants = await client.query(
          `select format('grant %s on schema %I to %s', a.privilege_type, $2::text,
                         case when a.grantee = 0 then 'public' else quote_ident(a.grantee::regrole::text) end) as sql
             from pg_namespace n, aclexplode(n.nspacl) a where n.oid = $1 and a.grantee <> n.nspowner
           union all
           select format('grant %s on table %I.%I to %s', g.privilege_type, $2::text, g.table_name,
                         case when g.grantee = 'PUBLIC' then 'public' else quote_ident(g.grantee) end)
             from information_schema.role_table_grants g
             join pg_class c on c.relname = g.table_name and c.relnamespace = $1
            where g.table_schema = $3 and g.grantee <> pg_get_userbyid(c.relowner)
              and exists (select 1 from pg_class l join pg_namespace ln on ln.oid = l.relnamespace
                           where ln.nspname = $2 and l.relname = g.table_name)`,
          [oid, this.#load, target],
        )
        for (const g of grants.rows) await client.query(String(g.sql))
        await client.query(`alter schema ${pgIdent(target)} rename to ${pgIdent(old)}`)
      }
      await client.query(`alter schema ${pgIdent(this.#load)} rename to ${pgIdent(target)}`)
      if (exists.rows.length > 0) await client.query(`drop schema ${pgIdent(old)} cascade`)
      await client.query('commit')
      this.#prepared = false
      this.#logger.info({ schema: target }, 'staging copy published')
    } catch (cause) {
      await client.query('rollback').catch(() => {})
      throw new RehearseError(
        'DATA_PUBLISH_FAILED',
        `Swapping the new copy into ${target} failed: ${(cause as Error).message}.`,
        {
          hint: 'The previous staging data is untouched. If a running application holds locks on the staging tables, stop it or run again.',
          cause,
        },
      )
    }
  }

  async discard(): Promise<void> {
    if (!this.#prepared) return
    this.#prepared = false
    // The main connection may be the one that broke: use a fresh one.
    let client: PgClient | undefined
    try {
      client = await connectPostgres(this.#url, { applicationName: 'rehearse-sink-cleanup', what: 'target' })
      await client.query(`drop schema if exists ${pgIdent(this.#load)} cascade`)
    } catch (error) {
      this.#logger.warn({ err: error, schema: this.#load }, 'could not drop the load schema; the next sync drops it')
    } finally {
      await (client ? closePostgres(client) : undefined)
    }
  }

  async close(): Promise<void> {
    const clients = [...this.#writers, ...(this.#main ? [this.#main] : [])]
    const writers = [...this.#openWriters]
    this.#writers.clear()
    this.#openWriters.clear()
    this.#main = undefined
    await Promise.all([...writers.map((w) => w.close()), ...clients.map((c) => closePostgres(c))])
  }

  #client(): PgClient {
    if (!this.#main) throw new Error('sink not open')
    return this.#main
  }
}
