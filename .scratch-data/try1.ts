import pg from 'pg'
import { dataSpecSchema } from '/work/main/src/data/data-schema.ts'
import { syncData } from '/work/main/src/data/sync/sync-data.ts'
import { planSync } from '/work/main/src/data/policy/plan-sync.ts'
const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
await admin.connect()
await admin.query('drop database if exists tmp_try_dst')
await admin.query('create database tmp_try_dst')
await admin.end()
const spec = dataSpecSchema.parse({
  source: 'postgres://postgres@127.0.0.1:5432/tmpbench_src',
  target: 'postgres://postgres@127.0.0.1:5432/tmp_try_dst',
  key: { env: 'MK' },
  mask: { 'customers.email': 'email', 'customers.name': 'name', 'customers.phone': 'phone', 'customers.street': 'street', 'customers.city': 'city', 'customers.birth_date': 'dateShift', 'customers.notes': 'lorem', 'orders.card_last4': { keep: 'last4' }, 'orders.shipping_street': 'street', 'customers.id': 'key', 'orders.id': 'key', 'order_items.id': 'key' },
  safe: ['products.*', 'orders.total', 'orders.created_at', 'customers.created_at', 'order_items.qty', 'order_items.price'],
})
const env = { MK: 'this-is-a-long-test-key-0123456789' }
const plan = await planSync(spec, { env })
console.log(JSON.stringify(plan, null, 1).slice(0, 3000))
const t = performance.now()
const r = await syncData(spec, { env })
console.log(performance.now() - t, JSON.stringify(r.manifest, null, 1))
