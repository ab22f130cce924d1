import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MYSQL_SHOP_DDL, PG_SHOP_SQL, shopRows, shopSpec, TEST_KEY } from '../testing/shop-fixture.ts'
import { mysqlTestServer, pgTestServer } from '../testing/test-databases.ts'
import { syncData } from './sync-data.ts'

const pg = await pgTestServer()
const my = await mysqlTestServer()
const env = { TEST_MASKING_KEY: TEST_KEY }

describe.skipIf(!pg || !my)('the same value masks the same way in PostgreSQL and MySQL', () => {
  let pgTarget = ''
  let myTarget = ''

  beforeAll(async () => {
    const [pgSource, pgDst] = [await pg!.createDatabase('xeng_src'), await pg!.createDatabase('xeng_dst')]
    const [mySource, myDst] = [await my!.createDatabase('xeng_src'), await my!.createDatabase('xeng_dst')]
    pgTarget = pgDst
    myTarget = myDst
    await pg!.query(pgSource, PG_SHOP_SQL)
    for (const ddl of MYSQL_SHOP_DDL) await my!.query(`use \`${mySource}\`; ${ddl}`)
    const rows = shopRows()
    for (const [table, data] of Object.entries(rows)) {
      for (let i = 0; i < data.length; i += 500)
        await my!.query(`insert into \`${mySource}\`.\`${table}\` values ?`, [data.slice(i, i + 500)])
    }
    await syncData(shopSpec(pg!.url(pgSource), pg!.url(pgDst)), { env })
    await syncData(shopSpec(my!.url(mySource), my!.url(myDst)), { env })
  })
  afterAll(async () => {
    await pg?.cleanup()
    await my?.cleanup()
  })

  it('gives the same masked customers, orders and employees in both engines', async () => {
    const pgCustomers = (
      await pg!.query(
        pgTarget,
        `select id, email, name, phone, born::text as born, profile::text as profile from customers order by id`,
      )
    ).rows.map((r) => [String(r.id), r.email, r.name, r.phone, r.born, JSON.parse(r.profile)])
    const myCustomers = (
      (await my!.query(
        `select id, email, name, phone, date_format(born, '%Y-%m-%d') as born, profile from \`${myTarget}\`.customers order by id`,
      )) as Array<Record<string, string | number>>
    ).map((r) => [
      String(r.id),
      r.email,
      r.name,
      r.phone,
      r.born,
      typeof r.profile === 'string' ? JSON.parse(r.profile) : r.profile,
    ])
    expect(myCustomers).toHaveLength(500)
    expect(myCustomers).toEqual(pgCustomers)

    const pgOrders = (
      await pg!.query(pgTarget, `select id, customer_id, card, created_at::date::text as day from orders order by id`)
    ).rows.map((r) => [String(r.id), String(r.customer_id), r.card, r.day])
    const myOrders = (
      (await my!.query(
        `select id, customer_id, card, date_format(created_at, '%Y-%m-%d') as day from \`${myTarget}\`.orders order by id`,
      )) as Array<Record<string, string | number>>
    ).map((r) => [String(r.id), String(r.customer_id), r.card, r.day])
    expect(myOrders).toEqual(pgOrders)

    const pgEmployees = (await pg!.query(pgTarget, 'select id, manager_id, name from employees order by id')).rows.map(
      (r) => [String(r.id), r.manager_id === null ? null : String(r.manager_id), r.name],
    )
    const myEmployees = (
      (await my!.query(`select id, manager_id, name from \`${myTarget}\`.employees order by id`)) as Array<
        Record<string, string | number | null>
      >
    ).map((r) => [String(r.id), r.manager_id === null ? null : String(r.manager_id), r.name])
    expect(myEmployees).toEqual(pgEmployees)
  })
})
