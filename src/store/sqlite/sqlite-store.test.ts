import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../core/logger.ts'
import { openStore } from '../open-store.ts'
import { describeStoreConformance } from '../store.conformance.ts'
import type { Store } from '../store.ts'
import { openSqliteStore } from './sqlite-store.ts'

const root = mkdtempSync(join(tmpdir(), 'rehearse-sqlite-store-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let dirs = 0
function freshDir(): string {
  dirs += 1
  return join(root, `project-${dirs}`)
}

const conformanceDir = freshDir()
describeStoreConformance('sqlite', () => openStore({ cwd: conformanceDir, env: {} }))

const OPEN_STORE = new URL('../open-store.ts', import.meta.url).href

type NodeRun = { status: number | null; stdout: string; stderr: string }

/**
 * Starts an ES module snippet in a new Node process (argv after the code: open-store.ts, then
 * `args`). `ready` resolves when the child prints `ready`; `go()` tells it to carry on.
 */
function startNode(code: string, args: string[]): { ready: Promise<void>; go(): void; done: Promise<NodeRun> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, OPEN_STORE, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, REHEARSE_DATABASE_URL: '' },
  })
  let stdout = ''
  let stderr = ''
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk
    if (stdout.startsWith('ready\n')) markReady()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk
  })
  const done = new Promise<NodeRun>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (status) => {
      markReady()
      resolve({ status, stdout: stdout.replace(/^ready\n/, ''), stderr })
    })
  })
  return { ready, go: () => child.stdin.end('go\n'), done }
}

async function runNode(code: string, args: string[]): Promise<NodeRun> {
  const run = startNode(code, args)
  await run.ready
  run.go()
  return run.done
}

/** Child code: prints `ready` once the store is open, then waits for `go` on stdin. */
const READY = `
process.stdout.write('ready\\n')
await new Promise((resolve) => process.stdin.once('data', resolve))
`

/** Child: creates rehearsal argv[3] in project argv[2] and appends argv[4] events, two per batch. */
const WRITER = `
const [modulePath, cwd, id, count, tag] = process.argv.slice(1)
const { openStore } = await import(modulePath)
const store = await openStore({ cwd })
if (!(await store.getRehearsal(id))) {
  await store.createRehearsal({ id, project: 'shop', status: 'running', spec: { b: 1, a: ['\\u0000', '🎭'] },
    specHash: 'h', createdAt: '2030-01-01T00:00:00.000Z', ownerPid: process.pid, ownerHost: 'child' }).catch(() => {})
}
${READY}for (let i = 0; i < Number(count); i += 2) {
  await store.appendEvents([0, 1].map((part) => ({ rehearsalId: id, at: 't', type: tag, data: { i, part } })))
}
await store.recordApproval({ rehearsalId: id, decision: 'approve', by: tag, at: '2030-01-01T00:00:01.000Z', comment: null })
await store.close()
`

/** Child: prints rehearsal argv[3] of project argv[2], with its events and approvals, as JSON. */
const READER = `
const [modulePath, cwd, id] = process.argv.slice(1)
const { openStore } = await import(modulePath)
const store = await openStore({ cwd })
${READY}
const rehearsal = await store.findRehearsal(id.slice(0, -2))
process.stdout.write(JSON.stringify({ rehearsal, events: await store.readEvents(id), approvals: await store.listApprovals(id) }))
await store.close()
`

describe('SQLite store', () => {
  it('lives in <cwd>/.rehearse/rehearse.db, in WAL mode, creating the folder', async () => {
    const cwd = freshDir()
    const store = await openStore({ cwd, env: {} })
    expect(store.engine).toBe('sqlite')
    expect(store.location).toBe(join(cwd, '.rehearse', 'rehearse.db'))
    await store.close()
    const raw = new DatabaseSync(join(cwd, '.rehearse', 'rehearse.db'), { readOnly: true })
    try {
      expect(raw.prepare('pragma journal_mode').get()).toEqual({ journal_mode: 'wal' })
      const tables = raw.prepare("select name from sqlite_master where type = 'table' order by name").all()
      expect(tables.map((t) => t['name'])).toEqual(
        expect.arrayContaining(['approvals', 'events', 'kysely_migration', 'rehearsals', 'series', 'steps']),
      )
    } finally {
      raw.close()
    }
  })

  it('takes a sqlite:PATH URL, relative to cwd', async () => {
    const cwd = freshDir()
    const store = await openStore({ cwd, url: 'sqlite:state/custom.db', env: {} })
    expect(store.location).toBe(join(cwd, 'state', 'custom.db'))
    await store.close()
    expect(existsSync(join(cwd, 'state', 'custom.db'))).toBe(true)
  })

  it('is STORE_UNAVAILABLE when the folder cannot be made', async () => {
    const file = join(root, 'a-file')
    writeFileSync(file, 'not a directory')
    await expect(openStore({ cwd: file, env: {} })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
  })

  it('is STORE_UNAVAILABLE when the file is not a database', async () => {
    const cwd = freshDir()
    const store = await openStore({ cwd, env: {} })
    await store.close()
    writeFileSync(join(cwd, '.rehearse', 'rehearse.db'), 'x'.repeat(4096))
    rmSync(join(cwd, '.rehearse', 'rehearse.db-wal'), { force: true })
    rmSync(join(cwd, '.rehearse', 'rehearse.db-shm'), { force: true })
    const error = await openStore({ cwd, env: {} }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('not a SQLite database'),
    })
  })

  it('is STORE_UNAVAILABLE when another process keeps the lock past the busy timeout, and works after', async () => {
    const cwd = freshDir()
    const first = await openStore({ cwd, env: {} })
    await first.createRehearsal({
      id: 'r_locked',
      project: 'shop',
      status: 'running',
      spec: null,
      specHash: 'h',
      createdAt: '2030-01-01T00:00:00.000Z',
      ownerPid: null,
      ownerHost: null,
    })
    await first.close()
    const file = join(cwd, '.rehearse', 'rehearse.db')
    const holder = new DatabaseSync(file)
    const store = openSqliteStore({ file, logger: silentLogger, busyTimeoutMs: 300 })
    try {
      holder.exec('begin immediate')
      const event = { rehearsalId: 'r_locked', at: 't', type: 'x', data: null }
      const error = await store.appendEvents([event]).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('locked') })
      // Readers are not blocked by a writer (WAL).
      expect((await store.getRehearsal('r_locked'))?.id).toBe('r_locked')
      holder.exec('rollback')
      expect((await store.appendEvents([event]))[0]?.seq).toBe(1)
    } finally {
      if (holder.isTransaction) holder.exec('rollback')
      holder.close()
      await store.close()
    }
  })

  it('is STORE_MIGRATION_FAILED when a newer Rehearse migrated the file', async () => {
    const cwd = freshDir()
    const store = await openStore({ cwd, env: {} })
    await store.close()
    const raw = new DatabaseSync(join(cwd, '.rehearse', 'rehearse.db'))
    raw.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('999-future', '2099-01-01')
    raw.close()
    const error = await openStore({ cwd, env: {} }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'STORE_MIGRATION_FAILED', hint: expect.stringContaining('newer version') })
  })

  it('migrates a new file once when several stores open it at once', async () => {
    const cwd = freshDir()
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ cwd, env: {} })))
    await Promise.all(stores.map((s) => s.close()))
    const raw = new DatabaseSync(join(cwd, '.rehearse', 'rehearse.db'), { readOnly: true })
    expect(
      raw
        .prepare('select name from kysely_migration')
        .all()
        .map((r) => r['name']),
    ).toEqual(['001-initial'])
    raw.close()
  })

  describe('across processes', () => {
    it('reads in one process what another wrote, both ways', async () => {
      const cwd = freshDir()
      const id = 'r_fromchild01'
      const wrote = await runNode(WRITER, [cwd, id, '4', 'child'])
      expect(wrote.stderr).not.toMatch(/Error/)
      expect(wrote.status).toBe(0)

      const store: Store = await openStore({ cwd, env: {} })
      try {
        const rehearsal = await store.findRehearsal('r_fromchild')
        expect(rehearsal).toMatchObject({ id, project: 'shop', ownerHost: 'child' })
        expect(JSON.stringify(rehearsal.spec)).toBe(JSON.stringify({ b: 1, a: ['\u0000', '🎭'] }))
        expect((await store.readEvents(id)).map((e) => [e.seq, e.data])).toEqual([
          [1, { i: 0, part: 0 }],
          [2, { i: 0, part: 1 }],
          [3, { i: 2, part: 0 }],
          [4, { i: 2, part: 1 }],
        ])
        await store.appendEvents([{ rehearsalId: id, at: 't', type: 'parent', data: { from: 'parent' } }])
        await store.recordApproval({
          rehearsalId: id,
          decision: 'reject',
          by: 'parent',
          at: '2030-01-02',
          comment: 'no',
        })
      } finally {
        await store.close()
      }

      const read = await runNode(READER, [cwd, id])
      expect(read.status).toBe(0)
      const seen = JSON.parse(read.stdout) as { rehearsal: { id: string }; events: unknown[]; approvals: unknown[] }
      expect(seen.rehearsal.id).toBe(id)
      expect(seen.events).toHaveLength(5)
      expect(seen.events[4]).toMatchObject({ seq: 5, type: 'parent', data: { from: 'parent' } })
      expect(seen.approvals).toEqual([
        { rehearsalId: id, decision: 'approve', by: 'child', at: '2030-01-01T00:00:01.000Z', comment: null },
        { rehearsalId: id, decision: 'reject', by: 'parent', at: '2030-01-02', comment: 'no' },
      ])
    })

    it('gives dense seqs when processes append to one rehearsal at once', async () => {
      const cwd = freshDir()
      const id = 'r_shared0001'
      // The children race to create the file, migrate it and create the rehearsal; once all are
      // ready they append at the same time.
      const runs = ['one', 'two', 'three'].map((tag) => startNode(WRITER, [cwd, id, '200', tag]))
      await Promise.all(runs.map((run) => run.ready))
      for (const run of runs) run.go()
      const results = await Promise.all(runs.map((run) => run.done))
      for (const result of results) expect(result, result.stderr).toMatchObject({ status: 0 })
      const store = await openStore({ cwd, env: {} })
      try {
        const events = await store.readEvents(id)
        expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1))
        for (let i = 0; i < events.length; i += 2) {
          expect(events[i]?.type).toBe(events[i + 1]?.type)
          expect(events[i + 1]?.data).toMatchObject({ part: 1 })
        }
        expect((await store.listApprovals(id)).map((a) => a.by).sort()).toEqual(['one', 'three', 'two'])
        expect(await store.listRehearsals()).toHaveLength(1)
      } finally {
        await store.close()
      }
    })
  })
})
