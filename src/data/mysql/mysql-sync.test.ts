import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MaskingKey } from '../keys/masking-key.ts'
import { judgePii, scanStaging } from '../scan/scan-staging.ts'
import { syncData } from '../sync/sync-data.ts'
import { AWKWARD_NOTES, MYSQL_SHOP_DDL, OTHER_TEST_KEY, shopRows, shopSpec, TEST_KEY } from '../testing/shop-fixture.ts'
import { mysqlTestServer } from '../testing/test-databases.ts'

const server = await mysqlTestServer()
const env = { TEST_MASKING_KEY: TEST_KEY }
const TABLES = ['customers', 'products', 'orders', 'order_items', 'referrals', 'employees']

async function fingerprint(db: string, table: string): Promise<string> {
  const rows = (await server!.query(`select * from \`${db}\`.\`${table}\``)) as Array<Record<string, unknown>>
  return `${rows.length}:${rows
    .map((r) => JSON.stringify(r))
    .sort()
    .join('|')}`
}

async function count(sql: string): Promise<number> {
  const rows = (await server!.query(sql)) as Array<Record<string, unknown>>
  return Number(Object.values(rows[0]!)[0])
}

async function failure(run: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await run
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected a failure')
}

describe.skipIf(!server)('MySQL/MariaDB → MySQL/MariaDB masked sync', () => {
  let source = ''
  let target = ''
  const user = `rh_reader_${process.pid}`
  const before = new Map<string, string>()
  const url = (db: string, asReader = false) =>
    asReader ? server!.url(db).replace('root@', `${user}:readpw@`) : server!.url(db)

  beforeAll(async () => {
    source = await server!.createDatabase('mysync_src')
    target = await server!.createDatabase('mysync_dst')
    for (const ddl of MYSQL_SHOP_DDL) await server!.query(`use \`${source}\`; ${ddl}`)
    const rows = shopRows()
    for (const table of TABLES) {
      const data = rows[table]!
      for (let i = 0; i < data.length; i += 500) {
        await server!.query(`insert into \`${source}\`.\`${table}\` values ?`, [data.slice(i, i + 500)])
      }
    }
    await server!.query(
      `drop user if exists '${user}'@'%'; create user '${user}'@'%' identified by 'readpw'; grant select on \`${source}\`.* to '${user}'@'%'`,
    )
    for (const t of TABLES) before.set(t, await fingerprint(source, t))
  })
  afterAll(async () => {
    await server?.query(`drop user if exists '${user}'@'%'`)
    await server?.cleanup()
  })

  it('copies every row, masked, with joins and keys intact, as a read-only user', async () => {
    const { manifest } = await syncData(shopSpec(url(source, true), url(target)), { env })
    expect(manifest.engine).toBe('mysql')
    for (const t of TABLES)
      expect(await count(`select count(*) from \`${target}\`.${t}`), t).toBe(
        await count(`select count(*) from \`${source}\`.${t}`),
      )
    const joins = [
      'select count(*) from DB.orders o join DB.customers c on c.id = o.customer_id',
      'select count(*) from DB.order_items i join DB.orders o on o.id = i.order_id join DB.products p on p.id = i.product_id',
      'select count(*) from DB.referrals r join DB.customers a on a.email = r.referrer_email join DB.customers b on b.email = r.referee_email',
      'select count(*) from DB.employees e join DB.employees m on m.id = e.manager_id',
      'select count(*) from DB.orders where timestampdiff(hour, created_at, shipped_at) = 48',
    ]
    for (const sql of joins) {
      expect(await count(sql.replaceAll('DB', `\`${target}\``)), sql).toBe(
        await count(sql.replaceAll('DB', `\`${source}\``)),
      )
    }
    expect(
      await count(
        `select count(*) from \`${target}\`.customers where email like '%@mail_.example.com' or name like 'First%'`,
      ),
    ).toBe(0)
    expect(await count(`select count(distinct id) from \`${target}\`.customers`)).toBe(500)
    expect(
      await count(`select count(*) from \`${target}\`.customers where json_value(profile, '$.ssn') <> 'XXX-XX-XXXX'`),
    ).toBe(0)
    const notes = (await server!.query(
      `select notes from \`${target}\`.customers where notes is null or notes not like 'customer note %'`,
    )) as Array<{ notes: string | null }>
    expect(notes.map((n) => n.notes).sort()).toEqual([...AWKWARD_NOTES].sort())
    // The new tables work: foreign keys hold, AUTO_INCREMENT continues past the copied keys.
    await server!.query(`insert into \`${target}\`.customers (email, created_at) values ('new@x.example', now())`)
    await expect(server!.query(`insert into \`${target}\`.orders (customer_id) values (-5)`)).rejects.toThrow(
      /foreign key/i,
    )
    for (const t of TABLES) expect(await fingerprint(source, t), t).toBe(before.get(t))
    expect(
      await count(`select count(*) from information_schema.schemata where schema_name like '${target}\\_\\_rh%'`),
    ).toBe(0)
  })

  it('gives identical data for the same key and different data for another', async () => {
    const [one, two, other] = [
      await server!.createDatabase('mysync_one'),
      await server!.createDatabase('mysync_two'),
      await server!.createDatabase('mysync_oth'),
    ]
    await syncData(shopSpec(url(source), url(one)), { env })
    await syncData(shopSpec(url(source), url(two)), { env })
    await syncData(shopSpec(url(source), url(other)), { env: { TEST_MASKING_KEY: OTHER_TEST_KEY } })
    for (const t of TABLES) expect(await fingerprint(two, t), t).toBe(await fingerprint(one, t))
    expect(await fingerprint(other, 'customers')).not.toBe(await fingerprint(one, 'customers'))
    expect(await fingerprint(other, 'products')).toBe(await fingerprint(one, 'products'))
  })

  it('refuses an uncovered column and a target that is the source, leaving staging as it was', async () => {
    const staged = await fingerprint(target, 'orders')
    const spec = shopSpec(url(source), url(target))
    spec.safe = spec.safe.filter((s) => s !== 'orders.total')
    const uncovered = await failure(syncData(spec, { env }))
    expect(uncovered.code).toBe('DATA_UNCOVERED_COLUMNS')
    expect(uncovered.message).toContain('orders.total')
    expect((await failure(syncData(shopSpec(url(source), url(source)), { env }))).code).toBe('DATA_SAME_SOURCE_TARGET')
    const alias = url(source).replace('127.0.0.1', 'localhost')
    expect((await failure(syncData(shopSpec(url(source), alias), { env }))).code).toBe('DATA_SAME_SOURCE_TARGET')
    expect(await fingerprint(target, 'orders')).toBe(staged)
  })

  it('copies a subset closed along foreign keys', async () => {
    const subset = await server!.createDatabase('mysync_sub')
    await syncData(shopSpec(url(source), url(subset), { subset: { customers: 'id <= 20' } }), { env })
    const orders = await count(`select count(*) from \`${source}\`.orders where customer_id <= 20`)
    expect(await count(`select count(*) from \`${subset}\`.orders`)).toBe(orders)
    expect(
      await count(
        `select count(*) from \`${subset}\`.order_items i left join \`${subset}\`.orders o on o.id = i.order_id where o.id is null`,
      ),
    ).toBe(0)
    expect(await count(`select count(*) from \`${subset}\`.employees`)).toBe(60)
    const pct = await server!.createDatabase('mysync_pct')
    await syncData(shopSpec(url(source), url(pct), { subset: { customers: { percent: '10%' } } }), { env })
    const customers = await count(`select count(*) from \`${pct}\`.customers`)
    expect(customers).toBeGreaterThan(20)
    expect(customers).toBeLessThan(120)
  })

  it('finds a real email planted in staging and fails the pii gate', async () => {
    const scanTarget = await server!.createDatabase('mysync_scan')
    const { leakFilter } = await syncData(shopSpec(url(source), url(scanTarget)), { env })
    const spec = shopSpec(url(source), url(scanTarget))
    expect(judgePii(await scanStaging(spec, { filter: leakFilter })).status).toBe('pass')
    await server!.query(
      `update \`${scanTarget}\`.customers set notes = 'mail user9@mail2.example.com' where notes = 'customer note 100'`,
    )
    const scan = await scanStaging(spec, { filter: leakFilter })
    expect(scan.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'customers', column: 'notes', kind: 'production-value' }),
      ]),
    )
    expect(judgePii(scan).status).toBe('fail')
    expect(leakFilter.keyId).toBe(new MaskingKey(Buffer.from(TEST_KEY)).id)
  })
})
