import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../core/logger.ts'
import { assertDistinct, resolveEndpoints } from '../sync/open-endpoints.ts'
import { syncData } from '../sync/sync-data.ts'
import { PG_SHOP_SQL, shopSpec, TEST_KEY } from '../testing/shop-fixture.ts'
import { pgTestServer } from '../testing/test-databases.ts'
import { PostgresSink } from './postgres-sink.ts'
import { PostgresSource } from './postgres-source.ts'

const server = await pgTestServer()
const env = { TEST_MASKING_KEY: TEST_KEY }

async function fingerprint(db: string, table: string): Promise<string> {
  const r = await server!.query(
    db,
    `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h, count(*) as n from ${table} t`,
  )
  return `${r.rows[0].n}:${r.rows[0].h}`
}

async function loadSchemas(db: string): Promise<string[]> {
  const r = await server!.query(db, `select nspname from pg_namespace where nspname like '%\\_\\_rh\\_%'`)
  return r.rows.map((x) => x.nspname)
}

async function failure(run: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected the sync to fail')
}

describe.skipIf(!server)('PostgreSQL sync faults', () => {
  let shop = ''
  let big = ''
  let target = ''
  let staged = ''

  beforeAll(async () => {
    ;[shop, big, target] = (await Promise.all(
      ['pgfault_src', 'pgfault_big', 'pgfault_dst'].map((l) => server!.createDatabase(l)),
    )) as [string, string, string]
    await server!.query(shop, PG_SHOP_SQL)
    // A table large enough that the load is still running when the test cuts the connection.
    await server!.query(
      big,
      `create table events (id bigint primary key, email text, payload text);
       insert into events select g, 'user' || g || '@corp.example', repeat('x', 100) from generate_series(1, 400000) g;
       create table visits (id bigint primary key, ip text);
       insert into visits select g, '10.0.' || (g % 250) || '.' || (g % 200) from generate_series(1, 200000) g;`,
    )
    await syncData(shopSpec(server!.url(shop), server!.url(target)), { env })
    staged = await fingerprint(target, 'customers')
  })
  afterAll(async () => server?.cleanup())

  it('refuses an uncovered column, names it, and writes nothing', async () => {
    const spec = shopSpec(server!.url(shop), server!.url(target))
    spec.safe = spec.safe.filter((s) => s !== 'customers.notes')
    const error = await failure(syncData(spec, { env }))
    expect(error.code).toBe('DATA_UNCOVERED_COLUMNS')
    expect(error.message).toContain('customers.notes')
    expect(await fingerprint(target, 'customers')).toBe(staged)
    expect(await loadSchemas(target)).toEqual([])
  })

  it('leaves the old copy when the connection drops half way through the load', async () => {
    const spec = shopSpec(server!.url(big), server!.url(target), {
      mask: { 'events.email': 'email' },
      safe: ['events.id', 'events.payload'],
      tables: { include: ['events'] },
      jobs: 1,
    })
    let killed: Promise<unknown> | undefined
    const error = await failure(
      syncData(spec, {
        env,
        onProgress: (p) => {
          if (p.phase === 'copy' && (p.tableRows ?? 0) > 50_000 && !killed) {
            killed = server!.query(
              target,
              `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'rehearse-sink-writer' and datname = current_database()`,
            )
          }
        },
      }),
    )
    await killed
    expect(killed).toBeDefined()
    expect(error.code).toBe('DATA_LOAD_FAILED')
    expect(await fingerprint(target, 'customers')).toBe(staged)
    const tables = await server!.query(target, `select count(*) from pg_tables where tablename = 'events'`)
    expect(tables.rows[0].count).toBe('0')
    expect(await loadSchemas(target)).toEqual([])
  })

  it('stops on abort (copies running in worker threads) and leaves the old copy', async () => {
    const spec = shopSpec(server!.url(big), server!.url(target), {
      mask: { 'events.email': 'email', 'visits.ip': 'hash' },
      safe: ['events.id', 'events.payload', 'visits.id'],
      jobs: 2,
    })
    const controller = new AbortController()
    const error = await failure(
      syncData(spec, {
        env,
        signal: controller.signal,
        onProgress: (p) => (p.tableRows ?? 0) > 20_000 && controller.abort(),
      }),
    )
    expect(error.code).toBe('INTERRUPTED')
    expect(await fingerprint(target, 'customers')).toBe(staged)
    expect(await loadSchemas(target)).toEqual([])
  })

  it('stops when a value cannot be masked, without showing it', async () => {
    const spec = shopSpec(server!.url(shop), server!.url(target))
    spec.mask['customers.notes'] = { kind: 'json', paths: { '$.x': { kind: 'name' } } }
    spec.safe = spec.safe.filter((s) => s !== 'customers.notes')
    const error = await failure(syncData(spec, { env }))
    expect(error.code).toBe('DATA_TRANSFORM_FAILED')
    expect(error.message).toContain('customers.notes')
    expect(error.message).not.toContain('customer note')
    expect(await fingerprint(target, 'customers')).toBe(staged)
  })

  it('refuses a target that is the source, before writing anything', async () => {
    const same = await failure(syncData(shopSpec(server!.url(shop), server!.url(shop)), { env }))
    expect(same.code).toBe('DATA_SAME_SOURCE_TARGET')
    const alias = server!.url(shop).replace('127.0.0.1', 'localhost')
    expect((await failure(syncData(shopSpec(server!.url(shop), alias), { env }))).code).toBe('DATA_SAME_SOURCE_TARGET')
    // Past the URLs: the servers' identities and the source's own session, seen from the target.
    const endpoints = {
      ...resolveEndpoints(shopSpec(server!.url(shop), server!.url(target))),
      targetNamespace: 'public',
    }
    const source = new PostgresSource(server!.url(shop), 'public', silentLogger)
    const sink = new PostgresSink(server!.url(shop), 'public', silentLogger)
    try {
      await Promise.all([source.open({}), sink.open({})])
      expect((await failure(assertDistinct(source, sink, endpoints))).code).toBe('DATA_SAME_SOURCE_TARGET')
      expect(await sink.findSession(source.sessionMarker)).toEqual({ database: shop })
    } finally {
      await Promise.all([source.close(), sink.close()])
    }
    expect(await loadSchemas(shop)).toEqual([])
  })
})
