import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openStore } from '../open-store.ts'
import { describeStoreConformance } from '../store.conformance.ts'

const SERVER = 'postgres://postgres@127.0.0.1:5432'

type TestDatabase = { name: string; url: string; drop(): Promise<void> }

/**
 * A new, empty database on the test server, for this file alone. Undefined when the server cannot
 * be reached, unless CI is set: then the tests must fail, not skip.
 */
async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres`, connectionTimeoutMillis: 5_000 })
  try {
    await admin.connect()
  } catch (error) {
    if (process.env['CI'])
      throw new Error('PostgreSQL is not reachable on 127.0.0.1:5432 (CI is set)', { cause: error })
    return undefined
  }
  const name = `rehearse_store_${randomBytes(6).toString('hex')}`
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  return {
    name,
    url: `${SERVER}/${name}`,
    async drop() {
      const client = new pg.Client({ connectionString: `${SERVER}/postgres` })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}

async function query(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows
  } finally {
    await client.end()
  }
}

const database = await createTestDatabase()
const cwd = mkdtempSync(join(tmpdir(), 'rehearse-postgres-store-'))
const created: TestDatabase[] = database ? [database] : []
afterAll(async () => {
  for (const db of created) await db.drop()
  rmSync(cwd, { recursive: true, force: true })
})

if (database) {
  describeStoreConformance('postgres', () => openStore({ cwd, url: database.url }))

  describe('PostgreSQL store', () => {
    it('is chosen by REHEARSE_DATABASE_URL and never shows the password', async () => {
      const url = database.url.replace('postgres@', 'postgres:hunter2@')
      const store = await openStore({ cwd, env: { REHEARSE_DATABASE_URL: url } })
      try {
        expect(store.engine).toBe('postgres')
        expect(store.location).toBe(`postgres://postgres:***@127.0.0.1:5432/${database.name}`)
      } finally {
        await store.close()
      }
    })

    it('keeps JSON as json (not jsonb) and indexes the event log by rehearsal and seq', async () => {
      const columns = await query(
        database.url,
        `select table_name, column_name, data_type from information_schema.columns
         where table_schema = 'public' and data_type = 'json' order by table_name, column_name`,
      )
      expect(columns.map((c) => `${c['table_name']}.${c['column_name']}`)).toEqual([
        'events.data',
        'rehearsals.spec',
        'series.points',
        'steps.error',
      ])
      const [pk] = await query(database.url, `select indexdef from pg_indexes where indexname = 'events_pk'`)
      expect(pk?.['indexdef']).toMatch(/\(rehearsal_id, seq\)/)
    })

    it('migrates a new database once when several stores open it at once', async () => {
      const fresh = await createTestDatabase()
      created.push(fresh!)
      const stores = await Promise.all([1, 2, 3].map(() => openStore({ cwd, url: fresh!.url })))
      await Promise.all(stores.map((s) => s.close()))
      const rows = await query(fresh!.url, 'select name from kysely_migration')
      expect(rows.map((r) => r['name'])).toEqual(['001-initial'])
    })

    it('is STORE_MIGRATION_FAILED when a newer Rehearse migrated the database', async () => {
      const fresh = await createTestDatabase()
      created.push(fresh!)
      await (await openStore({ cwd, url: fresh!.url })).close()
      await query(fresh!.url, 'insert into kysely_migration (name, timestamp) values ($1, $2)', ['999-future', '2099'])
      await expect(openStore({ cwd, url: fresh!.url })).rejects.toMatchObject({
        code: 'STORE_MIGRATION_FAILED',
        hint: expect.stringContaining('newer version'),
      })
    })

    it('is STORE_UNAVAILABLE for a database that does not exist, with a hint and no password', async () => {
      const missing = `rehearse_missing_${randomBytes(4).toString('hex')}`
      const url = `postgres://postgres:s3cr3t-pw@127.0.0.1:5432/${missing}`
      const error = await openStore({ cwd, url }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', hint: expect.stringContaining(`createdb ${missing}`) })
      const { message, cause } = error as Error
      expect(message).toContain(`postgres://postgres:***@127.0.0.1:5432/${missing}`)
      expect(JSON.stringify((error as { toJSON(): unknown }).toJSON())).not.toContain('s3cr3t-pw')
      expect(String((cause as Error).message)).not.toContain('s3cr3t-pw')
    })
  })
} else {
  describe.skip('PostgreSQL store (no server on 127.0.0.1:5432; set CI to make this fail)', () => {
    it('needs PostgreSQL', () => {})
  })
}
