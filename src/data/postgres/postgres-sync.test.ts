import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { planSync } from '../policy/plan-sync.ts'
import { syncData } from '../sync/sync-data.ts'
import {
  AWKWARD_NOTES,
  AWKWARD_UPDATES,
  OTHER_TEST_KEY,
  PG_SHOP_SQL,
  shopSpec,
  TEST_KEY,
} from '../testing/shop-fixture.ts'
import { pgTestServer } from '../testing/test-databases.ts'

const server = await pgTestServer()
const env = { TEST_MASKING_KEY: TEST_KEY }

/** A fingerprint of a table's contents (order-independent). */
async function fingerprint(db: string, table: string): Promise<string> {
  const r = await server!.query(
    db,
    `select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h, count(*) as n from ${table} t`,
  )
  return `${r.rows[0].n}:${r.rows[0].h}`
}

const TABLES = ['customers', 'products', 'orders', 'order_items', 'referrals', 'employees']
const JOINS = [
  'select count(*) from orders o join customers c on c.id = o.customer_id',
  'select count(*) from order_items i join orders o on o.id = i.order_id join products p on p.id = i.product_id',
  'select count(*) from referrals r join customers a on a.email = r.referrer_email join customers b on b.email = r.referee_email',
  'select count(*) from employees e join employees m on m.id = e.manager_id',
  "select count(*) from orders where shipped_at - created_at = interval '2 days'",
]

describe.skipIf(!server)('PostgreSQL → PostgreSQL masked sync', () => {
  let source = ''
  let target = ''
  let reader = { name: '', password: '' }
  const before = new Map<string, string>()

  beforeAll(async () => {
    source = await server!.createDatabase('pgsync_src')
    target = await server!.createDatabase('pgsync_dst')
    await server!.query(source, PG_SHOP_SQL)
    for (const [sql, params] of AWKWARD_UPDATES) await server!.query(source, sql, params)
    // The sync reads as a role that can do nothing but read.
    reader = await server!.createRole('pgsync_reader')
    await server!.query(
      source,
      `grant usage on schema public to ${reader.name}; grant select on all tables in schema public to ${reader.name}`,
    )
    for (const t of TABLES) before.set(t, await fingerprint(source, t))
  })
  afterAll(async () => server?.cleanup())

  const spec = (extra: Record<string, unknown> = {}, to = target) =>
    shopSpec(server!.url(source, reader), server!.url(to), extra)

  it('plans the coverage without writing anything', async () => {
    const plan = await planSync(spec({ safe: ['products.*'] }), { env })
    expect(plan.uncovered).toContain('customers.notes')
    const email = plan.tables.find((t) => t.name === 'customers')!.columns.find((c) => c.name === 'email')!
    expect(email).toMatchObject({ status: 'masked', transformer: 'email', domain: 'email' })
    const orderId = plan.tables.find((t) => t.name === 'order_items')!.columns.find((c) => c.name === 'order_id')!
    expect(orderId).toMatchObject({ status: 'masked', rule: 'inherits orders.id', domain: 'key:orders.id' })
    expect(plan.keyId).toMatch(/^[0-9a-f]{16}$/)
  })

  it('copies every row, masked, with joins and keys intact, as a read-only role', async () => {
    const progress: string[] = []
    const { manifest } = await syncData(spec(), { env, onProgress: (p) => progress.push(p.phase) })
    expect(progress).toContain('copy')
    expect(progress.at(-1)).toBe('done')
    for (const t of TABLES) {
      const [a, b] = await Promise.all([
        server!.query(source, `select count(*) from ${t}`),
        server!.query(target, `select count(*) from ${t}`),
      ])
      expect(b.rows[0].count, t).toBe(a.rows[0].count)
    }
    for (const sql of JOINS) {
      const [a, b] = await Promise.all([server!.query(source, sql), server!.query(target, sql)])
      expect(b.rows[0].count, sql).toBe(a.rows[0].count)
    }
    const leaked = await server!.query(
      target,
      `select count(*) from customers where email like '%@mail_.example.com' or name like 'First%' or phone like '+1 415 555 %'`,
    )
    expect(Number(leaked.rows[0].count)).toBe(0)
    const unique = await server!.query(
      target,
      'select count(distinct id) as d, count(*) as n, count(distinct email) as e from customers',
    )
    expect(unique.rows[0]).toEqual({ d: '500', n: '500', e: '500' })
    const profile = await server!.query(
      target,
      `select count(*) from customers where profile->>'ssn' <> 'XXX-XX-XXXX' or profile->>'tier' <> 'gold'`,
    )
    expect(Number(profile.rows[0].count)).toBe(0)
    expect(manifest.totals.rows).toBe(500 + 50 + 2000 + 6000 + 300 + 60)
    expect(manifest.tables.find((t) => t.name === 'order_items')!.masked).toEqual({ order_id: 'key' })
    expect(JSON.stringify(manifest)).not.toContain(TEST_KEY)
    expect(JSON.stringify(manifest)).not.toContain(reader.password)
  })

  it('copies awkward safe text exactly, empty string and NULL apart', async () => {
    const r = await server!.query(
      target,
      `select notes from customers where notes is null or notes not like 'customer note %'`,
    )
    const got = r.rows.map((x) => x.notes)
    expect(got.sort()).toEqual([...AWKWARD_NOTES].sort())
  })

  it('leaves a working database: types, constraints, sequences past the copied keys', async () => {
    await server!.query(target, `insert into customers (email, mood) values ('new@x.example', 'happy')`)
    await server!.query(target, `insert into products (sku) values ('new-sku')`)
    await server!.query(target, `insert into orders (customer_id) select max(id) from customers`)
    await expect(server!.query(target, 'insert into orders (customer_id) values (-5)')).rejects.toThrow(/foreign key/)
    const idx = await server!.query(
      target,
      `select count(*) from pg_indexes where schemaname = 'public' and indexname = 'orders_created_idx'`,
    )
    expect(idx.rows[0].count).toBe('1')
  })

  it('never writes the source', async () => {
    for (const t of TABLES) expect(await fingerprint(source, t), t).toBe(before.get(t))
    const schemas = await server!.query(source, `select count(*) from pg_namespace where nspname like '%rh_%'`)
    expect(schemas.rows[0].count).toBe('0')
  })

  it('gives identical data for the same key and different data for another key', async () => {
    // Two fresh targets (the first test's target has had rows added since).
    const [one, two, other] = await Promise.all(
      ['pgsync_one', 'pgsync_two', 'pgsync_other'].map((l) => server!.createDatabase(l)),
    )
    await syncData(spec({}, one!), { env })
    await syncData(spec({}, two!), { env })
    await syncData(spec({}, other!), { env: { TEST_MASKING_KEY: OTHER_TEST_KEY } })
    for (const t of TABLES) expect(await fingerprint(two!, t), t).toBe(await fingerprint(one!, t))
    for (const t of ['customers', 'orders', 'employees'])
      expect(await fingerprint(other!, t), t).not.toBe(await fingerprint(one!, t))
    expect(await fingerprint(other!, 'products')).toBe(await fingerprint(one!, 'products'))
  })

  it('copies a subset closed along foreign keys', async () => {
    const subsetDb = await server!.createDatabase('pgsync_subset')
    await syncData(spec({ subset: { customers: 'id <= 20' } }, subsetDb), { env })
    const n = async (sql: string) => Number((await server!.query(subsetDb, sql)).rows[0].count)
    expect(await n('select count(*) from customers')).toBeGreaterThanOrEqual(20)
    const srcOrders = Number(
      (await server!.query(source, 'select count(*) from orders where customer_id <= 20')).rows[0].count,
    )
    expect(await n('select count(*) from orders')).toBe(srcOrders)
    expect(
      await n('select count(*) from order_items i left join orders o on o.id = i.order_id where o.id is null'),
    ).toBe(0)
    expect(await n('select count(*) from products')).toBeLessThanOrEqual(50)
    // Not connected to customers: copied whole.
    expect(await n('select count(*) from employees')).toBe(60)
  })

  it('subsets by a deterministic percentage', async () => {
    const [a, b] = [await server!.createDatabase('pgsync_pct_a'), await server!.createDatabase('pgsync_pct_b')]
    for (const db of [a, b]) await syncData(spec({ subset: { customers: { percent: '10%' } } }, db), { env })
    const customers = Number((await server!.query(a, 'select count(*) from customers')).rows[0].count)
    expect(customers).toBeGreaterThan(20)
    expect(customers).toBeLessThan(120)
    const orphans = await server!.query(
      a,
      'select count(*) from orders o left join customers c on c.id = o.customer_id where c.id is null',
    )
    expect(orphans.rows[0].count).toBe('0')
    const fp = async (db: string) =>
      (await server!.query(db, `select md5(string_agg(id::text, ',' order by id)) as h from customers`)).rows[0].h
    expect(await fp(b)).toBe(await fp(a))
  })
})
