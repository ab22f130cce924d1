// @ts-check
/**
 * @module shop/db/seed
 * The demo shop's "production" database, made up: customers with names, emails, phone numbers and
 * addresses that look personal (and are invented), and their orders. Idempotent: it creates the
 * production and the staging database if they are missing, the tables if they are missing, and
 * fills them only when `customers` is empty, always with the same rows (a fixed-seed generator).
 *
 * The rehearsal runs it before each sync (`data.prepare` in rehearse.yaml), which sets
 * REHEARSE_DATA_SOURCE_URL and REHEARSE_DATA_TARGET_URL. By hand:
 *
 *   REHEARSE_DATA_SOURCE_URL=postgres://postgres@127.0.0.1:5432/rehearse_shop_prod \
 *   REHEARSE_DATA_TARGET_URL=postgres://postgres@127.0.0.1:5432/rehearse_shop_staging node db/seed.js
 *
 * Uses the `pg` package of the Rehearse repository (resolved from its node_modules).
 */
import pg from 'pg'

const CUSTOMERS = 240

const FIRST = [
  'Anna',
  'Bram',
  'Chloé',
  'Daan',
  'Elif',
  'Finn',
  'Greta',
  'Hugo',
  'Ines',
  'Jonas',
  'Katja',
  'Liam',
  'Mila',
  'Noah',
  'Olga',
  'Pieter',
  'Quinn',
  'Rosa',
  'Sem',
  'Tess',
  'Umar',
  'Vera',
  'Willem',
  'Yara',
  'Zoë',
]
const LAST = [
  'de Vries',
  'Jansen',
  'Bakker',
  'Visser',
  'Smit',
  'Meijer',
  'Mulder',
  'de Boer',
  'Bos',
  'Vos',
  'Peters',
  'Hendriks',
  'van Dijk',
  'Dekker',
  'Brouwer',
  'Schouten',
  'Kok',
  'Jacobs',
  'van Leeuwen',
  'Willems',
]
const STREETS = [
  'Kerkstraat',
  'Dorpsstraat',
  'Molenweg',
  'Stationsplein',
  'Lindenlaan',
  'Beukenhof',
  'Havenkade',
  'Schoolstraat',
  'Parklaan',
  'Julianastraat',
]
const CITIES = [
  ['Amsterdam', '10'],
  ['Utrecht', '35'],
  ['Rotterdam', '30'],
  ['Leiden', '23'],
  ['Groningen', '97'],
  ['Haarlem', '20'],
  ['Delft', '26'],
  ['Zwolle', '80'],
]
const MAIL = ['gmail.com', 'outlook.com', 'hotmail.nl', 'ziggo.nl', 'kpnmail.nl', 'proton.me']
const STATUSES = ['paid', 'paid', 'paid', 'shipped', 'shipped', 'delivered', 'refunded']

/**
 * mulberry32: a tiny deterministic generator, so every machine seeds the same rows.
 * @param {number} seed
 */
function generator(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Creates database `name` on the server of `url` unless it exists (two seeds at once: one wins).
 * @param {string} url
 */
async function ensureDatabase(url) {
  const target = new URL(url)
  const name = decodeURIComponent(target.pathname.slice(1))
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new pg.Client({ connectionString: admin.toString() })
  await client.connect()
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name])
    if (found.rowCount) return
    await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((error) => {
      if (error.code !== '42P04' && error.code !== '23505') throw error // created meanwhile
    })
  } finally {
    await client.end()
  }
}

/** @param {pg.Client} client */
async function seed(client) {
  await client.query(`
    create table if not exists customers (
      id serial primary key,
      name text not null,
      email text not null unique,
      phone text,
      street text,
      city text,
      postcode text,
      created_at timestamptz not null
    );
    create table if not exists orders (
      id serial primary key,
      customer_id integer not null references customers (id),
      total_cents integer not null,
      status text not null,
      created_at timestamptz not null
    );
    create index if not exists orders_customer_id on orders (customer_id);
  `)
  const { rows } = await client.query('select count(*)::int as n from customers')
  if (rows[0].n > 0) return { customers: rows[0].n, orders: null }

  const random = generator(20_240_601)
  const pick = (/** @type {any[]} */ list) => list[Math.floor(random() * list.length)]
  const start = Date.UTC(2024, 0, 1)
  const customers = []
  const orders = []
  for (let id = 1; id <= CUSTOMERS; id++) {
    const first = pick(FIRST)
    const last = pick(LAST)
    const [city, area] = pick(CITIES)
    const local = `${first}.${last}`
      .normalize('NFD')
      .replace(/[^A-Za-z.]/g, '')
      .toLowerCase()
    const created = start + Math.floor(random() * 300) * 86_400_000
    customers.push([
      `${first} ${last}`,
      `${local}${id}@${pick(MAIL)}`,
      `+31 6 ${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
      `${pick(STREETS)} ${1 + Math.floor(random() * 180)}`,
      city,
      `${area}${String(10 + Math.floor(random() * 90))} ${String.fromCharCode(65 + Math.floor(random() * 26))}${String.fromCharCode(65 + Math.floor(random() * 26))}`,
      new Date(created).toISOString(),
    ])
    const count = 1 + Math.floor(random() * 6)
    for (let n = 0; n < count; n++) {
      const at = created + Math.floor(random() * 60 * 86_400_000)
      orders.push([id, 500 + Math.floor(random() * 25_000), pick(STATUSES), new Date(at).toISOString()])
    }
  }
  await client.query('begin')
  try {
    for (const c of customers) {
      await client.query(
        'insert into customers (name, email, phone, street, city, postcode, created_at) values ($1, $2, $3, $4, $5, $6, $7)',
        c,
      )
    }
    for (const o of orders) {
      await client.query('insert into orders (customer_id, total_cents, status, created_at) values ($1, $2, $3, $4)', o)
    }
    await client.query('commit')
  } catch (error) {
    await client.query('rollback')
    throw error
  }
  return { customers: customers.length, orders: orders.length }
}

const source = process.env['REHEARSE_DATA_SOURCE_URL']
const target = process.env['REHEARSE_DATA_TARGET_URL']
if (!source || !target) {
  console.error('seed: set REHEARSE_DATA_SOURCE_URL and REHEARSE_DATA_TARGET_URL (rehearse sets them for data.prepare)')
  process.exit(2)
}
await ensureDatabase(source)
await ensureDatabase(target)
const client = new pg.Client({ connectionString: source })
await client.connect()
try {
  const result = await seed(client)
  console.log(
    result.orders === null
      ? `seed: production already has ${result.customers} customers`
      : `seed: production seeded with ${result.customers} customers and ${result.orders} orders`,
  )
} finally {
  await client.end()
}
