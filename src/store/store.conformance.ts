/**
 * @module store/store.conformance
 * The tests every `Store` engine passes (CONVENTIONS.md: one conformance suite per boundary).
 * `open` must open the same database every time it is called, so that two stores can race.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApprovalRecord, NewEvent, RehearsalRecord, StepRecord, Store, StoredSeries } from './store.ts'

type NewRehearsal = Omit<RehearsalRecord, 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>

/** JSON documents that catch lossy storage: key order, escapes, surrogates, number edge cases. */
export const JSON_SAMPLES: unknown[] = [
  { zebra: 1, apple: 2, mango: { z: [], a: {} } },
  { nul: 'a\u0000b', control: '\u0001\u001f\t\n\r', quote: '"\\/', emoji: '🎭 rehearsal', cjk: '稽古', rtl: 'חזרה' },
  { lone: '\ud800', pair: '\ud83c\udfad', bom: '\ufeff' },
  [0, -1, 0.1, 1e-300, 1.7976931348623157e308, 2 ** 53 - 1, -(2 ** 53) + 1, 123456789.12345679, 5e-324],
  [true, false, null, '', ' ', [[[]]], { '': '' }],
  'just a string',
  42.5,
  null,
  { deep: { a: { b: { c: { d: { e: { f: ['g'] } } } } } }, 'key with spaces': 1, '1': 'numeric key' },
]

function unique(): string {
  return randomBytes(6).toString('hex')
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'RehearseError', code })
}

export function describeStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store
    let other: Store

    beforeAll(async () => {
      store = await open()
      other = await open()
    })
    afterAll(async () => {
      await store?.close()
      await other?.close()
    })

    let clock = Date.parse('2030-01-01T00:00:00.000Z')
    /** A rehearsal of its own project (tests share the database), created a millisecond after the last. */
    async function rehearsal(overrides: Partial<NewRehearsal> = {}): Promise<NewRehearsal> {
      clock += 1
      const record: NewRehearsal = {
        id: `r_${unique()}`,
        project: `p-${unique()}`,
        status: 'running',
        spec: { name: 'shop', services: { api: { port: 'auto' } } },
        specHash: 'f'.repeat(64),
        createdAt: new Date(clock).toISOString(),
        ownerPid: 4242,
        ownerHost: 'build-7',
        ...overrides,
      }
      await store.createRehearsal(record)
      return record
    }

    function events(rehearsalId: string, count: number, type = 'tick'): NewEvent[] {
      return Array.from({ length: count }, (_, i) => ({
        rehearsalId,
        at: new Date(clock + i).toISOString(),
        type,
        data: { i },
      }))
    }

    describe('rehearsals', () => {
      it('names its engine and where the data lives', () => {
        expect(['sqlite', 'postgres']).toContain(store.engine)
        expect(store.location.length).toBeGreaterThan(0)
      })

      it('creates and gets a rehearsal with every field', async () => {
        const created = await rehearsal()
        expect(await store.getRehearsal(created.id)).toEqual({
          ...created,
          finishedAt: null,
          verdict: null,
          exitCode: null,
          summary: null,
        })
        expect(await store.getRehearsal(`r_${unique()}`)).toBeUndefined()
      })

      it.each(JSON_SAMPLES.map((sample, i) => [i, sample]))('keeps spec #%i exactly as JSON', async (_, spec) => {
        const created = await rehearsal({ spec })
        const got = await store.getRehearsal(created.id)
        expect(JSON.stringify(got?.spec)).toBe(JSON.stringify(spec))
        expect(got?.spec).toEqual(spec)
      })

      it('updates only the fields given, and the owner for a resume', async () => {
        const created = await rehearsal()
        await store.updateRehearsal(created.id, { status: 'finished', verdict: 'hold', exitCode: 1 })
        await store.updateRehearsal(created.id, { finishedAt: '2030-01-02T00:00:00.000Z', summary: 'p99 +40%' })
        await store.updateRehearsal(created.id, { ownerPid: 7, ownerHost: 'other-host' })
        await store.updateRehearsal(created.id, {})
        expect(await store.getRehearsal(created.id)).toEqual({
          ...created,
          status: 'finished',
          verdict: 'hold',
          exitCode: 1,
          finishedAt: '2030-01-02T00:00:00.000Z',
          summary: 'p99 +40%',
          ownerPid: 7,
          ownerHost: 'other-host',
        })
        await store.updateRehearsal(created.id, { verdict: null, exitCode: 0, ownerPid: null })
        expect(await store.getRehearsal(created.id)).toMatchObject({ verdict: null, exitCode: 0, ownerPid: null })
      })

      it('refuses to update a rehearsal that does not exist', async () => {
        await expectCode(store.updateRehearsal(`r_${unique()}`, { status: 'failed' }), 'STORE_NOT_FOUND')
        await expectCode(store.updateRehearsal(`r_${unique()}`, {}), 'STORE_NOT_FOUND')
      })

      it('lists newest first, filtered by project and status, limited', async () => {
        const project = `p-${unique()}`
        const first = await rehearsal({ project })
        const second = await rehearsal({ project })
        const third = await rehearsal({ project })
        await store.updateRehearsal(second.id, { status: 'failed' })
        const all = await store.listRehearsals({ project })
        expect(all.map((r) => r.id)).toEqual([third.id, second.id, first.id])
        expect((await store.listRehearsals({ project, status: 'failed' })).map((r) => r.id)).toEqual([second.id])
        expect((await store.listRehearsals({ project, limit: 2 })).map((r) => r.id)).toEqual([third.id, second.id])
        const everything = await store.listRehearsals()
        expect(everything.map((r) => r.id)).toEqual(expect.arrayContaining([first.id, second.id, third.id]))
        const times = everything.map((r) => r.createdAt)
        expect([...times].sort().reverse()).toEqual(times)
      })

      it('orders rehearsals created in the same millisecond by id, newest id first', async () => {
        const project = `p-${unique()}`
        const createdAt = '2031-05-05T05:05:05.005Z'
        const ids = [`r_${unique()}a`, `r_${unique()}b`, `r_${unique()}c`]
        for (const id of ids) await rehearsal({ id, project, createdAt })
        expect((await store.listRehearsals({ project })).map((r) => r.id)).toEqual([...ids].sort().reverse())
      })
    })

    describe('findRehearsal', () => {
      it('finds by full id and by unique prefix', async () => {
        const stem = `r_${unique()}`
        const a = await rehearsal({ id: `${stem}aa1` })
        await rehearsal({ id: `${stem}aa2` })
        const b = await rehearsal({ id: `${stem}bb1` })
        expect((await store.findRehearsal(a.id)).id).toBe(a.id)
        expect((await store.findRehearsal(`${stem}b`)).id).toBe(b.id)
        expect((await store.findRehearsal(` ${stem}bb `)).id).toBe(b.id)
      })

      it('reports an ambiguous prefix with its candidates', async () => {
        const stem = `r_${unique()}`
        const ids = [`${stem}x1`, `${stem}x2`, `${stem}x3`]
        for (const id of ids) await rehearsal({ id })
        const error = await store.findRehearsal(`${stem}x`).catch((e: unknown) => e)
        expect(error).toMatchObject({ code: 'STORE_NOT_FOUND' })
        const { hint, details } = error as { hint: string; details: { candidates: string[] } }
        for (const id of ids) expect(hint).toContain(id)
        expect([...details.candidates].sort()).toEqual(ids)
      })

      it('treats an id that is its own prefix of another as exact', async () => {
        const stem = `r_${unique()}`
        const short = await rehearsal({ id: stem })
        await rehearsal({ id: `${stem}0` })
        expect((await store.findRehearsal(stem)).id).toBe(short.id)
      })

      it('reports none, and does not treat _ or % as wildcards', async () => {
        const tail = unique()
        await rehearsal({ id: `q_${tail}` })
        await expectCode(store.findRehearsal(`qx${tail}`), 'STORE_NOT_FOUND')
        await expectCode(store.findRehearsal(`q%${tail.slice(0, 4)}`), 'STORE_NOT_FOUND')
        await expectCode(store.findRehearsal(`zz_${unique()}`), 'STORE_NOT_FOUND')
        await expectCode(store.findRehearsal('  '), 'STORE_NOT_FOUND')
      })
    })

    describe('events', () => {
      it('numbers events 1, 2, 3 … per rehearsal and returns them in input order', async () => {
        const a = await rehearsal()
        const b = await rehearsal()
        const first = await store.appendEvents(events(a.id, 3))
        expect(first.map((e) => e.seq)).toEqual([1, 2, 3])
        const mixed = await store.appendEvents([
          { rehearsalId: b.id, at: 't1', type: 'x', data: 'b1' },
          { rehearsalId: a.id, at: 't2', type: 'x', data: 'a4' },
          { rehearsalId: b.id, at: 't3', type: 'x', data: 'b2' },
          { rehearsalId: a.id, at: 't4', type: 'x', data: 'a5' },
        ])
        expect(mixed.map((e) => [e.rehearsalId, e.seq, e.data])).toEqual([
          [b.id, 1, 'b1'],
          [a.id, 4, 'a4'],
          [b.id, 2, 'b2'],
          [a.id, 5, 'a5'],
        ])
        expect((await store.readEvents(a.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
        expect(await store.readEvents(b.id)).toEqual(mixed.filter((e) => e.rehearsalId === b.id))
        expect(await store.appendEvents([])).toEqual([])
      })

      it('appends all or nothing: an unknown rehearsal fails the whole batch', async () => {
        const a = await rehearsal()
        await store.appendEvents(events(a.id, 2))
        const batch = [...events(a.id, 2), ...events(`r_${unique()}`, 1)]
        await expectCode(store.appendEvents(batch), 'STORE_NOT_FOUND')
        expect((await store.readEvents(a.id)).map((e) => e.seq)).toEqual([1, 2])
        expect((await store.appendEvents(events(a.id, 1)))[0]?.seq).toBe(3)
      })

      it('keeps event data exactly as JSON, and undefined as null', async () => {
        const a = await rehearsal()
        const appended = await store.appendEvents([
          ...JSON_SAMPLES.map((data, i) => ({ rehearsalId: a.id, at: `t${i}`, type: 'sample', data })),
          { rehearsalId: a.id, at: 'tu', type: 'nothing', data: undefined },
        ])
        const read = await store.readEvents(a.id)
        expect(read).toEqual(appended)
        for (const [i, sample] of JSON_SAMPLES.entries())
          expect(JSON.stringify(read[i]?.data)).toBe(JSON.stringify(sample))
        expect(read.at(-1)?.data).toBeNull()
      })

      it('reads after a seq, by type, and in pages', async () => {
        const a = await rehearsal()
        await store.appendEvents([
          ...events(a.id, 3, 'sample.batch'),
          ...events(a.id, 1, 'gate.evaluated'),
          ...events(a.id, 3, 'sample.batch'),
          ...events(a.id, 1, 'verdict'),
        ])
        const seqs = (list: { seq: number }[]) => list.map((e) => e.seq)
        expect(seqs(await store.readEvents(a.id, { afterSeq: 5 }))).toEqual([6, 7, 8])
        expect(seqs(await store.readEvents(a.id, { afterSeq: 8 }))).toEqual([])
        expect(seqs(await store.readEvents(a.id, { types: ['gate.evaluated', 'verdict'] }))).toEqual([4, 8])
        expect(seqs(await store.readEvents(a.id, { types: ['verdict'], afterSeq: 4 }))).toEqual([8])
        expect(await store.readEvents(a.id, { types: [] })).toEqual([])
        expect(seqs(await store.readEvents(a.id, { afterSeq: 2, limit: 3 }))).toEqual([3, 4, 5])
        expect(await store.readEvents(`r_${unique()}`)).toEqual([])
      })

      it('appends and reads a long batch', async () => {
        const a = await rehearsal()
        const appended = await store.appendEvents(events(a.id, 1500))
        expect(appended.at(-1)?.seq).toBe(1500)
        const read = await store.readEvents(a.id)
        expect(read.map((e) => e.seq)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1))
        expect(read.map((e) => e.data)).toEqual(appended.map((e) => e.data))
      })

      it('gives dense, unique seqs when two stores append at once', async () => {
        const a = await rehearsal()
        const rounds = 25
        const write = (writer: Store, tag: string) =>
          (async () => {
            for (let round = 0; round < rounds; round++) {
              await writer.appendEvents([
                { rehearsalId: a.id, at: 't', type: tag, data: { round, part: 0 } },
                { rehearsalId: a.id, at: 't', type: tag, data: { round, part: 1 } },
              ])
            }
          })()
        await Promise.all([write(store, 'one'), write(other, 'two')])
        const read = await other.readEvents(a.id)
        expect(read.map((e) => e.seq)).toEqual(Array.from({ length: rounds * 4 }, (_, i) => i + 1))
        for (const tag of ['one', 'two']) {
          const mine = read.filter((e) => e.type === tag).map((e) => e.data as { round: number; part: number })
          expect(mine).toEqual(
            Array.from({ length: rounds * 2 }, (_, i) => ({ round: Math.floor(i / 2), part: i % 2 })),
          )
        }
        // Each batch stays contiguous: a batch's two events have consecutive seqs.
        for (let i = 0; i < read.length; i += 2) expect(read[i]?.type).toBe(read[i + 1]?.type)
      })

      it('lets another store tail the log with afterSeq', async () => {
        const a = await rehearsal()
        let seen = 0
        const tailed: number[] = []
        for (let round = 0; round < 3; round++) {
          await store.appendEvents(events(a.id, 2))
          const fresh = await other.readEvents(a.id, { afterSeq: seen })
          tailed.push(...fresh.map((e) => e.seq))
          seen = fresh.at(-1)?.seq ?? seen
        }
        expect(tailed).toEqual([1, 2, 3, 4, 5, 6])
      })
    })

    describe('steps', () => {
      it('inserts, replaces by name, and lists in start order', async () => {
        const a = await rehearsal()
        const step = (name: string, startedAt: string, extra: Partial<StepRecord> = {}): StepRecord => ({
          rehearsalId: a.id,
          name,
          status: 'running',
          startedAt,
          finishedAt: null,
          error: null,
          ...extra,
        })
        await store.upsertStep(step('deploy', '2030-01-01T00:00:02.000Z'))
        await store.upsertStep(step('provision', '2030-01-01T00:00:01.000Z'))
        await store.upsertStep(step('data', '2030-01-01T00:00:01.000Z', { status: 'skipped' }))
        const failed = step('deploy', '2030-01-01T00:00:02.000Z', {
          status: 'failed',
          finishedAt: '2030-01-01T00:00:09.000Z',
          error: { code: 'DRIVER_UNHEALTHY', message: 'api did not become healthy', lines: ['a', 'b'] },
        })
        await store.upsertStep(failed)
        expect(await store.listSteps(a.id)).toEqual([
          step('data', '2030-01-01T00:00:01.000Z', { status: 'skipped' }),
          step('provision', '2030-01-01T00:00:01.000Z'),
          failed,
        ])
        expect(await store.listSteps(`r_${unique()}`)).toEqual([])
      })

      it('refuses a step of a rehearsal that does not exist', async () => {
        const step: StepRecord = {
          rehearsalId: `r_${unique()}`,
          name: 'x',
          status: 'running',
          startedAt: 't',
          finishedAt: null,
          error: null,
        }
        await expectCode(store.upsertStep(step), 'STORE_NOT_FOUND')
      })
    })

    describe('series', () => {
      it('writes, replaces and reads series with exact points', async () => {
        const a = await rehearsal()
        const series = (metric: string, target: string, route: string | null, points: Array<[number, number]>) =>
          ({ rehearsalId: a.id, metric, target, route, points }) satisfies StoredSeries
        const latency = series('latency', 'candidate', null, [
          [1_900_000_000_000, 0.1 + 0.2],
          [1_900_000_001_000, 1e-9],
          [1_900_000_002_000, 123456.789],
        ])
        const route = series('latency', 'candidate', 'GET /products/:id', [[1_900_000_000_000, 5]])
        const baseline = series('latency', 'baseline', null, [[1_900_000_000_000, 4]])
        const errors = series('errors', 'candidate', null, [])
        await store.writeSeries([route, latency, baseline, errors])
        expect(await store.readSeries(a.id)).toEqual([errors, baseline, latency, route])
        const replaced = series('latency', 'candidate', null, [[1_900_000_009_000, -2.5]])
        await store.writeSeries([replaced])
        expect(await store.readSeries(a.id, { metric: 'latency', target: 'candidate' })).toEqual([replaced, route])
        expect(await store.readSeries(a.id, { target: 'baseline' })).toEqual([baseline])
        expect(await store.readSeries(a.id, { metric: 'none' })).toEqual([])
        await store.writeSeries([])
      })

      it('refuses series of a rehearsal that does not exist, writing none of the batch', async () => {
        const a = await rehearsal()
        const mine: StoredSeries = { rehearsalId: a.id, metric: 'm', target: 't', route: null, points: [[1, 1]] }
        const stray: StoredSeries = { ...mine, rehearsalId: `r_${unique()}` }
        await expectCode(store.writeSeries([mine, stray]), 'STORE_NOT_FOUND')
        expect(await store.readSeries(a.id)).toEqual([])
      })
    })

    describe('approvals', () => {
      it('records approvals and lists them in the order given', async () => {
        const a = await rehearsal()
        const approval = (by: string, at: string, decision: ApprovalRecord['decision'] = 'approve') =>
          ({ rehearsalId: a.id, decision, by, at, comment: null }) satisfies ApprovalRecord
        const late = { ...approval('dana', '2030-01-01T10:00:00.000Z', 'reject'), comment: 'p99 is 40% worse' }
        const early1 = approval('bo', '2030-01-01T09:00:00.000Z')
        const early2 = approval('al', '2030-01-01T09:00:00.000Z')
        await store.recordApproval(late)
        await store.recordApproval(early1)
        await store.recordApproval(early2)
        expect(await other.listApprovals(a.id)).toEqual([early1, early2, late])
        expect(await store.listApprovals(`r_${unique()}`)).toEqual([])
      })

      it('refuses an approval of a rehearsal that does not exist', async () => {
        const approval = { rehearsalId: `r_${unique()}`, decision: 'approve', by: 'x', at: 't', comment: null } as const
        await expectCode(store.recordApproval(approval), 'STORE_NOT_FOUND')
      })
    })

    describe('lifecycle', () => {
      it('migrates idempotently, also from several stores at once', async () => {
        const a = await rehearsal()
        await store.migrate()
        await Promise.all([store.migrate(), other.migrate(), store.migrate()])
        expect((await other.getRehearsal(a.id))?.id).toBe(a.id)
      })

      it('closes idempotently and refuses work afterwards', async () => {
        const third = await open()
        const a = await rehearsal()
        expect((await third.getRehearsal(a.id))?.id).toBe(a.id)
        await Promise.all([third.close(), third.close()])
        await third.close()
        await expectCode(third.getRehearsal(a.id), 'INTERNAL')
        expect((await store.getRehearsal(a.id))?.id).toBe(a.id)
      })
    })
  })
}
