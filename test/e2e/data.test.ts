/**
 * Staging data as a user meets it, against the real PostgreSQL: `rehearse data plan | sync | scan`
 * on a small shop, a rehearsal whose data step copies it and whose pii gate fails because a real
 * email survived in a free-text column declared safe, the optional section skipped when its
 * database is down (and the failure when it is not optional), and the masking key found nowhere:
 * not in the store, the events, the logs, the artifacts or the output.
 */
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PgTestServer, pgTestServer } from '../../src/data/testing/test-databases.ts'
import { serve, tempProject } from './project.ts'
import { type CliResult, runCli } from './run-cli.ts'

const KEY = `k3y-${randomBytes(24).toString('hex')}`
const PLANTED = 'jane.doe@realcorp-mail.com'

const SOURCE_SQL = `
create table customers (
  id serial primary key,
  name text not null,
  email text not null unique,
  notes text
);
create table orders (
  id serial primary key,
  customer_id integer not null references customers (id),
  total_cents integer not null
);
insert into customers (name, email, notes)
select 'Customer' || g || ' Person', 'customer' || g || '@mailhost' || (g % 5) || '.com', 'prefers morning deliveries'
from generate_series(1, 60) g;
insert into customers (name, email, notes) values ('Jane Doe', '${PLANTED}', 'VIP');
-- A support agent pasted the address into another customer's notes: a real value in free text.
update customers set notes = 'invoices go to ${PLANTED} as well' where id = 7;
insert into orders (customer_id, total_cents) select 1 + g % 61, 100 * g from generate_series(1, 150) g;
`

const dataSection = (source: string, target: string, notes: 'lorem' | 'safe', optional = false) => `
data:
  source: ${source}
  target: ${target}
  key: \${secret.DATA_TEST_KEY}
  optional: ${optional}
  mask:
    customers.id: key
    customers.name: name
    customers.email: email
${notes === 'lorem' ? '    customers.notes: lorem\n' : ''}  safe: [orders.id, orders.total_cents${notes === 'safe' ? ', customers.notes' : ''}]
`

const spec = (data: string, gates = '[smoke, pii]') => `name: data-e2e
services:
  app:
    command: ${serve}
    env: { NAME: "db=\${data.target.url}" }
    health: { http: /healthz, interval: 50ms }
versions:
  baseline: { services: { app: { env: { FLAVOUR: a } } } }
  candidate: { services: { app: { env: { FLAVOUR: b } } } }
smoke:
  - GET /healthz -> 200
${data}
gates: ${gates}
`

const env = { DATA_TEST_KEY: KEY }

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else out.push(path)
  }
  return out
}

/** The key's text is in no file under `.rehearse/` (the store after a run, the log, artifacts) and no output. */
function expectNoKey(dir: string, outputs: CliResult[], { ran = true } = {}): void {
  const key = Buffer.from(KEY)
  const files = filesUnder(join(dir, '.rehearse'))
  if (ran) expect(files.some((f) => f.endsWith('rehearse.db'))).toBe(true)
  expect(files.some((f) => f.endsWith('rehearse.log'))).toBe(true)
  for (const file of files) expect(readFileSync(file).includes(key), `the key is in ${file}`).toBe(false)
  for (const r of outputs) expect(`${r.stdout}${r.stderr}`).not.toContain(KEY)
}

/** A port on 127.0.0.1 where nothing listens (taken and given back). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

let pg: PgTestServer | undefined
let source = ''
let staging = ''
const cleanups: Array<() => void> = []

beforeAll(async () => {
  pg = await pgTestServer()
  if (!pg) return
  const src = await pg.createDatabase('e2e_src')
  const stg = await pg.createDatabase('e2e_stg')
  await pg.query(src, SOURCE_SQL)
  source = pg.url(src)
  staging = pg.url(stg)
})

afterAll(async () => {
  for (const c of cleanups.splice(0)) c()
  await pg?.cleanup()
})

function project(text: string): string {
  const p = tempProject(text)
  cleanups.push(p.cleanup)
  return p.dir
}

describe('rehearse data plan | sync | scan', () => {
  it('plans every column, copies masked data and finds nothing personal in the copy', async (t) => {
    if (!pg) return t.skip()
    const dir = project(spec(dataSection(source, staging, 'lorem')))

    const plan = await runCli(['data', 'plan', '--json', '-C', dir], { env })
    expect(plan.code, plan.stderr).toBe(0)
    const planned = JSON.parse(plan.stdout) as {
      uncovered: string[]
      tables: Array<{ name: string; columns: Array<{ name: string; status: string; rule?: string }> }>
    }
    expect(planned.uncovered).toEqual([])
    const orders = planned.tables.find((t) => t.name === 'orders')!
    expect(orders.columns.find((c) => c.name === 'customer_id')).toMatchObject({
      status: 'masked',
      rule: 'inherits customers.id',
    })

    const sync = await runCli(['data', 'sync', '--json', '-C', dir], { env })
    expect(sync.code, sync.stderr).toBe(0)
    const synced = JSON.parse(sync.stdout) as { manifest: { totals: { tables: number; rows: number } } }
    expect(synced.manifest.totals).toEqual({ tables: 2, rows: 61 + 150 })
    const copy = await pg.query(new URL(staging).pathname.slice(1), 'select email, notes from customers')
    expect(copy.rowCount).toBe(61)
    expect(copy.rows.every((r) => String(r.email).endsWith('.example'))).toBe(true)
    expect(copy.rows.some((r) => String(r.notes).includes(PLANTED))).toBe(false)
    const joined = await pg.query(
      new URL(staging).pathname.slice(1),
      'select count(*)::int as n from orders o join customers c on c.id = o.customer_id',
    )
    expect(joined.rows[0].n).toBe(150)

    const scan = await runCli(['data', 'scan', '--json', '-C', dir], { env })
    expect(scan.code, scan.stdout).toBe(0)
    const scanned = JSON.parse(scan.stdout) as { scan: { usedLeakFilter: boolean }; gate: { status: string } }
    expect(scanned.scan.usedLeakFilter).toBe(true)
    expect(scanned.gate.status).toBe('pass')

    const human = await runCli(['data', 'scan', '-C', dir], { env })
    expect(human.stdout).toMatch(/PASS\s+pii/)
    expectNoKey(dir, [plan, sync, scan, human], { ran: false })
  })

  it('shows an uncovered column and exits 2', async (t) => {
    if (!pg) return t.skip()
    const dir = project(spec(dataSection(source, staging, 'lorem').replace('    customers.notes: lorem\n', '')))
    const plan = await runCli(['data', 'plan', '-C', dir], { env })
    expect(plan.code, plan.stderr).toBe(2)
    expect(plan.stdout).toMatch(/1 column\(s\) neither masked nor safe — a sync would refuse: customers\.notes/)
  })
})

describe('the data step of a rehearsal', () => {
  it('syncs, scans and fails the pii gate on a real email left in a column declared safe', async (t) => {
    if (!pg) return t.skip()
    const dir = project(spec(dataSection(source, staging, 'safe')))
    const run = await runCli(['run', '-C', dir], { env })
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1)
    expect(run.stderr).toContain('✓ data')
    expect(run.stdout).toContain('ROLLBACK')
    expect(run.stdout).toMatch(/FAIL\s+pii/)
    expect(run.stdout).toContain('customers.notes')
    expect(run.stdout).not.toContain(PLANTED)

    const [record] = JSON.parse((await runCli(['history', '--json', '-C', dir])).stdout) as Array<{ id: string }>
    const show = await runCli(['show', record!.id, '--json', '-C', dir])
    const events = (JSON.parse(show.stdout) as { events: Array<{ type: string; data: Record<string, unknown> }> })
      .events
    const synced = events.find((e) => e.type === 'data.synced')!.data as { totals: { rows: number }; keyId: string }
    expect(synced.totals.rows).toBe(61 + 150)
    expect(synced.keyId).toMatch(/^[0-9a-f]{16}$/)
    const scanned = events.find((e) => e.type === 'data.scanned')!.data as {
      findings: Array<{ table: string; column: string; kind: string; severity: string }>
    }
    expect(scanned.findings).toContainEqual(
      expect.objectContaining({ table: 'customers', column: 'notes', kind: 'production-value', severity: 'fail' }),
    )
    expect(show.stdout).not.toContain(PLANTED)
    // The manifest and leak filter are kept with the rehearsal.
    const kept = readdirSync(join(dir, '.rehearse', 'data', record!.id))
    expect(kept.sort()).toEqual(['data-manifest.json', 'leak-filter.bin'])
    // The service was given the staging copy's URL.
    const logs = filesUnder(join(dir, '.rehearse', 'envs')).map((f) => readFileSync(f, 'utf8'))
    expect(logs.some((l) => l.includes(`db=${staging}`))).toBe(true)

    // Judged again from the event log alone: the same verdict.
    const again = await runCli(['rejudge', record!.id, '-C', dir], { env })
    expect(again.code).toBe(1)
    expect(again.stdout).toMatch(/FAIL\s+pii/)
    expectNoKey(dir, [run, show, again])
  })

  it('skips an optional data section whose database is down, and says why', async () => {
    const port = await closedPort()
    const down = `postgres://postgres@127.0.0.1:${port}/nowhere`
    const dir = project(spec(dataSection(down, `postgres://postgres@127.0.0.1:${port}/staging`, 'lorem', true)))
    const run = await runCli(['run', '-C', dir], { env })
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stderr).toContain(
      `- data skipped: PostgreSQL at 127.0.0.1:${port} (the source) is not reachable: the data step was skipped`,
    )
    expect(run.stdout).toMatch(/PASS\s+pii\s+there was no staging copy to scan/)
    expect(run.stdout).toContain('PROMOTE')
    const logs = filesUnder(join(dir, '.rehearse', 'envs')).map((f) => readFileSync(f, 'utf8'))
    expect(logs.some((l) => l.includes('db= listening'))).toBe(true)
    expectNoKey(dir, [run])
  })

  it('fails with exit 3 when a database that is not optional is down', async () => {
    const port = await closedPort()
    const down = `postgres://postgres@127.0.0.1:${port}/nowhere`
    const dir = project(spec(dataSection(down, `postgres://postgres@127.0.0.1:${port}/staging`, 'lorem')))
    const run = await runCli(['run', '-C', dir], { env })
    expect(run.code).toBe(3)
    expect(run.stderr).toContain(
      `error[DATA_CONNECT_FAILED]: PostgreSQL at 127.0.0.1:${port} (the source) is not reachable`,
    )
    expect(run.stderr).toContain('optional: true')
  })
})
