/**
 * @module data/testing/shop-fixture
 * A small shop database for the data module's tests, with what makes a sync hard: an enum, an
 * identity column, serials, JSON, a composite primary key, a foreign key to a unique non-primary
 * key (emails), a self-reference (a management chain), awkward text (tabs, newlines, backslashes,
 * Unicode, an empty string next to a NULL), and the policy that covers it.
 */
import { type DataSpec, dataSpecSchema } from '../data-schema.ts'

export const AWKWARD_NOTES = [
  'tab\there',
  'new\nline\r\nend',
  'back\\slash \\N not null',
  'ünïcødé ✓ 日本 🎉',
  '',
  null,
]

export const PG_SHOP_SQL = `
create type mood as enum ('happy', 'sad', 'meh');
create table customers (
  id serial primary key,
  email text not null unique,
  name text,
  phone varchar(30),
  born date,
  mood mood,
  notes text,
  profile jsonb,
  created_at timestamptz not null default now()
);
create table products (id integer generated always as identity primary key, sku text not null unique, title text);
create table orders (
  id serial primary key,
  customer_id integer not null references customers (id),
  total numeric(10, 2),
  card text,
  created_at timestamptz,
  shipped_at timestamptz
);
create index orders_created_idx on orders (created_at);
create table order_items (
  order_id integer not null references orders (id),
  line integer not null,
  product_id integer references products (id),
  qty integer,
  primary key (order_id, line)
);
create table referrals (
  referrer_email text references customers (email),
  referee_email text references customers (email),
  created_at timestamptz
);
create table employees (id integer primary key, manager_id integer references employees (id), name text);

insert into customers (email, name, phone, born, mood, notes, profile, created_at)
select 'user' || g || '@mail' || (g % 7) || '.example.com', 'First' || g || ' Last' || g, '+1 415 555 ' || lpad(g::text, 4, '0'),
       date '1960-01-01' + g * 17, (array['happy', 'sad', 'meh'])[1 + g % 3]::mood, 'customer note ' || g,
       jsonb_build_object('address', g || ' Main Street', 'ssn', '123-45-' || lpad(g::text, 4, '0'), 'tier', 'gold'),
       timestamptz '2024-01-01 00:00:00+00' + (g || ' hours')::interval
  from generate_series(1, 500) g;
insert into products (sku, title) select 'SKU-' || g, 'Product ' || g from generate_series(1, 50) g;
insert into orders (customer_id, total, card, created_at, shipped_at)
select 1 + (g * 37) % 500, (g % 200) + 0.99, '4111-1111-1111-' || lpad((g % 10000)::text, 4, '0'),
       timestamptz '2024-02-01 00:00:00+00' + (g || ' minutes')::interval,
       timestamptz '2024-02-03 00:00:00+00' + (g || ' minutes')::interval
  from generate_series(1, 2000) g;
insert into order_items (order_id, line, product_id, qty)
select 1 + (g / 3) % 2000, g % 3, 1 + g % 50, 1 + g % 4 from generate_series(0, 5999) g;
insert into referrals (referrer_email, referee_email, created_at)
select 'user' || (1 + g % 500) || '@mail' || ((1 + g % 500) % 7) || '.example.com',
       'user' || (1 + (g * 7) % 500) || '@mail' || ((1 + (g * 7) % 500) % 7) || '.example.com', now()
  from generate_series(1, 300) g;
insert into employees (id, manager_id, name) select g, case when g = 1 then null else g / 2 end, 'Employee ' || g
  from generate_series(1, 60) g;
`

/** Statements that store AWKWARD_NOTES in customers 1…6, with parameters. */
export const AWKWARD_UPDATES: Array<[string, unknown[]]> = AWKWARD_NOTES.map((note, i) => [
  'update customers set notes = $1 where id = $2',
  [note, i + 1],
])

/** The fully covering policy for the shop. */
export function shopSpec(source: string, target: string, extra: Record<string, unknown> = {}): DataSpec {
  return dataSpecSchema.parse({
    source,
    target,
    key: { env: 'TEST_MASKING_KEY' },
    jobs: 2,
    mask: {
      'customers.id': 'key',
      'customers.email': 'email',
      'customers.name': 'name',
      'customers.phone': 'phone',
      'customers.born': 'dateShift',
      'customers.profile': { json: { '$.address': 'street', '$.ssn': { fixed: 'XXX-XX-XXXX' } } },
      'orders.id': 'key',
      'orders.card': { keep: 'last4' },
      'orders.created_at': { kind: 'dateShift', by: 'id' },
      'orders.shipped_at': { kind: 'dateShift', by: 'id' },
      'employees.id': 'key',
      'employees.name': 'name',
    },
    safe: [
      'customers.mood',
      'customers.notes',
      'customers.created_at',
      'products.*',
      'orders.total',
      'order_items.*',
      'referrals.created_at',
    ],
    ...extra,
  })
}

export const TEST_KEY = 'a-test-masking-key-that-is-long-enough'
export const OTHER_TEST_KEY = 'another-test-masking-key-long-enough'

/** The same shop for MySQL/MariaDB (no enum type, JSON, datetime instead of timestamptz). */
export const MYSQL_SHOP_DDL = [
  `create table customers (
     id int auto_increment primary key, email varchar(255) not null unique, name varchar(200), phone varchar(30),
     born date, mood enum('happy', 'sad', 'meh'), notes text, profile json, created_at datetime(6) not null)`,
  'create table products (id int auto_increment primary key, sku varchar(50) not null unique, title varchar(200))',
  `create table orders (
     id int auto_increment primary key, customer_id int not null, total decimal(10, 2), card varchar(30),
     created_at datetime, shipped_at datetime, index orders_created_idx (created_at),
     constraint orders_customer_fk foreign key (customer_id) references customers (id))`,
  `create table order_items (
     order_id int not null, line int not null, product_id int, qty int, primary key (order_id, line),
     constraint items_order_fk foreign key (order_id) references orders (id),
     constraint items_product_fk foreign key (product_id) references products (id))`,
  `create table referrals (
     referrer_email varchar(255), referee_email varchar(255), created_at datetime,
     constraint ref_a_fk foreign key (referrer_email) references customers (email),
     constraint ref_b_fk foreign key (referee_email) references customers (email))`,
  `create table employees (id int primary key, manager_id int, name varchar(200),
     constraint emp_mgr_fk foreign key (manager_id) references employees (id))`,
]

const pad4 = (n: number) => String(n).padStart(4, '0')
const day = (from: string, days: number) =>
  new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
const at = (from: string, minutes: number) =>
  new Date(Date.parse(`${from}Z`) + minutes * 60_000).toISOString().replace('T', ' ').slice(0, 19)
const email = (g: number) => `user${g}@mail${g % 7}.example.com`

/** The shop's rows, the same values as PG_SHOP_SQL generates (customers ids 1…500 in order). */
export function shopRows(): Record<string, Array<Array<string | number | null>>> {
  const customers = Array.from({ length: 500 }, (_, i): Array<string | number | null> => {
    const g = i + 1
    const profile = JSON.stringify({ address: `${g} Main Street`, ssn: `123-45-${pad4(g)}`, tier: 'gold' })
    return [
      g,
      email(g),
      `First${g} Last${g}`,
      `+1 415 555 ${pad4(g)}`,
      day('1960-01-01', g * 17),
      ['happy', 'sad', 'meh'][g % 3]!,
      `customer note ${g}`,
      profile,
      at('2024-01-01T00:00:00', g * 60),
    ]
  })
  AWKWARD_NOTES.forEach((note, i) => {
    customers[i]![6] = note
  })
  return {
    customers,
    products: Array.from({ length: 50 }, (_, i) => [i + 1, `SKU-${i + 1}`, `Product ${i + 1}`]),
    orders: Array.from({ length: 2000 }, (_, i) => {
      const g = i + 1
      return [
        g,
        1 + ((g * 37) % 500),
        `${(g % 200) + 0.99}`,
        `4111-1111-1111-${pad4(g % 10000)}`,
        at('2024-02-01T00:00:00', g),
        at('2024-02-03T00:00:00', g),
      ]
    }),
    order_items: Array.from({ length: 6000 }, (_, g) => [
      1 + (Math.floor(g / 3) % 2000),
      g % 3,
      1 + (g % 50),
      1 + (g % 4),
    ]),
    referrals: Array.from({ length: 300 }, (_, i) => {
      const g = i + 1
      return [email(1 + (g % 500)), email(1 + ((g * 7) % 500)), '2024-03-01 00:00:00']
    }),
    employees: Array.from({ length: 60 }, (_, i) => [
      i + 1,
      i === 0 ? null : Math.floor((i + 1) / 2),
      `Employee ${i + 1}`,
    ]),
  }
}
