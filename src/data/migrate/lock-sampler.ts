/**
 * @module data/migrate/lock-sampler
 * What a migration does to the database while it runs, seen from a separate connection: which
 * sessions wait for locks and for how long (sampled every `intervalMs`), and, comparing the
 * storage identity of every table before and after, which tables were rewritten (PostgreSQL's
 * relfilenode, InnoDB's table id: both change when a table is copied into new storage).
 */
import { connectMysql, type MysqlConnection, run } from '../mysql/mysql-connection.ts'
import { closePostgres, connectPostgres, type PgClient } from '../postgres/postgres-connection.ts'
import type { Engine } from '../source.ts'

/** One waiting lock as sampled. `table` is unknown where the engine does not say (MySQL metadata locks). */
export type LockWait = { table?: string; mode: string; waitMs: number }

export interface DatabaseProbe {
  /** Storage identity of every table in the staging namespace. */
  storage(): Promise<Map<string, string>>
  /** Sessions (other than the probe) waiting for a lock right now. */
  waits(): Promise<LockWait[]>
  close(): Promise<void>
}

export async function openProbe(
  engine: Engine,
  url: string,
  namespace: string,
  signal?: AbortSignal,
): Promise<DatabaseProbe> {
  return engine === 'postgres' ? postgresProbe(url, namespace, signal) : mysqlProbe(url, namespace, signal)
}

async function postgresProbe(url: string, namespace: string, signal?: AbortSignal): Promise<DatabaseProbe> {
  const client: PgClient = await connectPostgres(url, {
    applicationName: 'rehearse-migration-probe',
    what: 'staging',
    ...(signal ? { signal } : {}),
  })
  const since = (await hasWaitstart(client)) ? 'l.waitstart, ' : ''
  return {
    async storage() {
      const r = await client.query(
        `select c.relname, c.relfilenode::text as id from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'm')`,
        [namespace],
      )
      return new Map(r.rows.map((x) => [String(x.relname), String(x.id)]))
    },
    async waits() {
      // pg_locks.waitstart (PostgreSQL 14+) says when the wait began; older servers: the query start.
      const r = await client.query(
        `select c.relname, l.mode,
                extract(epoch from clock_timestamp() - coalesce(${since}a.query_start)) * 1000 as wait_ms
           from pg_locks l join pg_stat_activity a on a.pid = l.pid left join pg_class c on c.oid = l.relation
          where not l.granted and a.datname = current_database() and l.pid <> pg_backend_pid()`,
      )
      return r.rows.map((x) => ({
        ...(x.relname ? { table: String(x.relname) } : {}),
        mode: String(x.mode),
        waitMs: Math.max(0, Number(x.wait_ms)),
      }))
    },
    close: () => closePostgres(client),
  }
}

async function hasWaitstart(client: PgClient): Promise<boolean> {
  const r = await client.query(
    `select count(*)::int as n from pg_attribute where attrelid = 'pg_locks'::regclass and attname = 'waitstart'`,
  )
  return r.rows[0]?.n === 1
}

async function mysqlProbe(url: string, database: string, signal?: AbortSignal): Promise<DatabaseProbe> {
  const c: MysqlConnection = await connectMysql(url, { what: 'staging', ...(signal ? { signal } : {}) })
  const [[id]] = (await run(c, 'SELECT CONNECTION_ID()')) as [[string]]
  // MariaDB names the InnoDB dictionary view INNODB_SYS_TABLES, MySQL 8 INNODB_TABLES.
  let dictionary = 'INNODB_SYS_TABLES'
  try {
    await run(c, `SELECT 1 FROM information_schema.${dictionary} LIMIT 1`)
  } catch {
    dictionary = 'INNODB_TABLES'
  }
  let hasTimeMs = true
  return {
    async storage() {
      const rows = await run(c, `SELECT NAME, TABLE_ID FROM information_schema.${dictionary} WHERE NAME LIKE ?`, [
        `${database}/%`,
      ])
      return new Map(rows.map(([name, tableId]) => [String(name).slice(database.length + 1), String(tableId)]))
    },
    async waits() {
      const query = (time: string) =>
        run(
          c,
          `SELECT STATE, ${time} FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for%lock%' AND ID <> ? AND DB = ?`,
          [id, database],
        )
      let rows: Array<Array<string | null>>
      try {
        // TIME_MS is MariaDB's; MySQL only has whole seconds.
        rows = await query(hasTimeMs ? 'TIME_MS' : 'TIME * 1000')
      } catch (error) {
        if (!hasTimeMs) throw error
        hasTimeMs = false
        rows = await query('TIME * 1000')
      }
      return rows.map(([state, ms]) => ({ mode: String(state), waitMs: Number(ms) }))
    },
    close: () =>
      c
        .promise()
        .end()
        .catch(() => c.destroy()),
  }
}

/** Tables whose storage changed, and those created and dropped, between two `storage()` snapshots. */
export function compareStorage(before: Map<string, string>, after: Map<string, string>) {
  const rewritten = [...after].filter(([t, id]) => before.has(t) && before.get(t) !== id).map(([t]) => t)
  const created = [...after.keys()].filter((t) => !before.has(t))
  const dropped = [...before.keys()].filter((t) => !after.has(t))
  return { rewritten: rewritten.sort(), created: created.sort(), dropped: dropped.sort() }
}
