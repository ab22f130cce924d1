import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sample } from '../../core/types.ts'
import { dataSpecSchema } from '../data-schema.ts'
import { mysqlTestServer, pgTestServer } from '../testing/test-databases.ts'
import { judgeMigration, rehearseMigration, summarizeTraffic } from './rehearse-migration.ts'

const server = await pgTestServer()
const my = await mysqlTestServer()
const dir = mkdtempSync(join(tmpdir(), 'rehearse-migrate-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A migration script (Node + pg) that holds an exclusive lock for a while, then rewrites a table. */
function writeScript(name: string, sql: string): string {
  const file = join(dir, name)
  writeFileSync(
    file,
    `import pg from ${JSON.stringify(import.meta.resolve('pg'))}
const client = new pg.Client({ connectionString: process.env.DATABASE_URL })
await client.connect()
await client.query(${JSON.stringify(sql)})
await client.end()
console.log('migrated')
`,
  )
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(file)}`
}

describe('summarizeTraffic', () => {
  it('counts failed and slow requests inside the window only', () => {
    const at = Date.parse('2025-01-01T00:00:10Z')
    const s = (offsetMs: number, status: number, latencyMs: number): Sample => ({
      at: at + offsetMs,
      target: 'candidate',
      route: 'GET /',
      status,
      latencyUs: latencyMs * 1000,
      bytes: 0,
    })
    const samples = [
      s(-5000, 500, 1),
      s(0, 200, 10),
      s(100, 503, 10),
      s(200, 0, 10),
      s(300, 200, 2500),
      s(99_000, 500, 1),
    ]
    expect(
      summarizeTraffic(samples, { startedAt: '2025-01-01T00:00:10Z', finishedAt: '2025-01-01T00:00:11Z' }),
    ).toEqual({ total: 4, failed: 2, slowed: 1 })
  })
})

describe.skipIf(!server)('migration rehearsal on PostgreSQL', () => {
  let db = ''
  const spec = (migrate: Record<string, unknown> = {}) =>
    dataSpecSchema.parse({
      source: 'postgres://prod.invalid/shop',
      target: server!.url(db),
      migrate: { command: 'true', ...migrate },
    })

  beforeAll(async () => {
    db = await server!.createDatabase('migrate')
    await server!.query(
      db,
      'create table big (id int primary key, v int); insert into big select g, g from generate_series(1, 50000) g; create table small (id int)',
    )
  })
  afterAll(async () => server?.cleanup())

  it('records lock waits, rewritten tables and the exit status while traffic runs', async () => {
    const command = writeScript(
      'lock.mjs',
      'begin; lock table big in access exclusive mode; select pg_sleep(1); alter table big alter column v type bigint; create table added (id int); commit',
    )
    const traffic = new pg.Client({ connectionString: server!.url(db) })
    await traffic.connect()
    let running = true
    const load = (async () => {
      const until = Date.now() + 20_000
      while (running && Date.now() < until) await traffic.query('select count(*) from big')
    })()
    try {
      const result = await rehearseMigration(spec(), { command, sampleIntervalMs: 50 })
      expect(result.exitCode).toBe(0)
      expect(result.outputTail).toContain('migrated')
      expect(result.rewrittenTables).toEqual(['big'])
      expect(result.createdTables).toEqual(['added'])
      expect(result.lockWaits.maxWaitMs).toBeGreaterThan(300)
      expect(result.lockWaits.byTable.map((w) => w.table)).toContain('big')
      expect(judgeMigration(result, { ...spec().migrate!, maxLockWait: 100 }).status).toBe('fail')
      expect(judgeMigration(result, { ...spec().migrate!, maxLockWait: 60_000, maxDuration: 60_000 }).status).toBe(
        'pass',
      )
    } finally {
      running = false
      await load
      await traffic.end()
    }
  })

  it('fails the gate when the command fails, and refuses a command that cannot start', async () => {
    const failed = await rehearseMigration(spec(), { command: 'echo boom >&2; exit 3' })
    expect(failed.exitCode).toBe(3)
    expect(failed.outputTail).toContain('boom')
    expect(judgeMigration(failed, spec().migrate).status).toBe('fail')
    await expect(rehearseMigration(spec(), { command: 'true', cwd: join(dir, 'missing') })).rejects.toMatchObject({
      code: 'DATA_MIGRATION_SPAWN_FAILED',
    })
  })

  it('stops the command on abort and on timeout', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    const started = Date.now()
    await expect(rehearseMigration(spec(), { command: 'sleep 30', signal: controller.signal })).rejects.toMatchObject({
      code: 'INTERRUPTED',
    })
    const timedOut = await rehearseMigration(spec({ timeout: '300ms' }), { command: 'sleep 30' })
    expect(timedOut.timedOut).toBe(true)
    expect(judgeMigration(timedOut, spec().migrate).status).toBe('fail')
    expect(Date.now() - started).toBeLessThan(25_000)
  })
})

describe.skipIf(!my)('migration rehearsal on MySQL/MariaDB', () => {
  let db = ''
  beforeAll(async () => {
    db = await my!.createDatabase('migrate')
    await my!.query(
      `create table \`${db}\`.big (id int primary key, v int); insert into \`${db}\`.big values (1, 1), (2, 2), (3, 3)`,
    )
  })
  afterAll(async () => my?.cleanup())

  it('sees lock waits and a table rebuilt by ALTER TABLE … ALGORITHM=COPY', async () => {
    const url = my!.url(db)
    const spec = dataSpecSchema.parse({
      source: 'mysql://prod.invalid/shop',
      target: url,
      migrate: { command: 'true' },
    })
    const file = join(dir, 'my.mjs')
    writeFileSync(
      file,
      `import mysql from ${JSON.stringify(import.meta.resolve('mysql2/promise'))}
const c = await mysql.createConnection({ uri: process.env.DATABASE_URL })
await c.query('lock tables big write')
await c.query('select sleep(1)')
await c.query('unlock tables')
await c.query('alter table big modify v bigint, algorithm=copy')
await c.end()
`,
    )
    const traffic = await (await import('mysql2/promise')).createConnection({ uri: url })
    let running = true
    const load = (async () => {
      const until = Date.now() + 20_000
      while (running && Date.now() < until) await traffic.query('select count(*) from big')
    })()
    try {
      const result = await rehearseMigration(spec, {
        command: `${JSON.stringify(process.execPath)} ${JSON.stringify(file)}`,
        sampleIntervalMs: 50,
      })
      expect(result.exitCode).toBe(0)
      expect(result.rewrittenTables).toEqual(['big'])
      expect(result.lockWaits.maxWaitMs).toBeGreaterThan(300)
    } finally {
      running = false
      await load
      await traffic.end()
    }
  })
})
