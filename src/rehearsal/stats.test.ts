import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../store/open-store.ts'
import type { RehearsalStatus, Store } from '../store/store.ts'
import { computeStats } from './stats.ts'

const cwd = mkdtempSync(join(tmpdir(), 'rehearse-stats-'))
let store: Store
const T0 = Date.parse('2026-03-02T09:00:00.000Z')
const HOUR = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

type Planned = {
  id: string
  project?: string
  hour: number
  status: RehearsalStatus
  /** Verdicts as given over time: [seconds after the start, verdict]. */
  verdicts?: Array<[number, string]>
  /** Seconds after the start the first traffic phase began. */
  phaseAt?: number
  /** A sequential look that stopped the traffic on a regression, seconds after the start. */
  failingLookAt?: number
  /** The final canary judgement: when, its verdict, and the candidate's errors of requests. */
  canary?: { at: number; verdict: string; errors: [number, number] }
}

/** Writes a rehearsal and its events into the store as a run (and `rehearse approve`) would. */
async function plant(p: Planned): Promise<void> {
  const start = T0 + p.hour * HOUR
  const verdicts = p.verdicts ?? []
  const last = verdicts.at(-1)
  await store.createRehearsal({
    id: p.id,
    project: p.project ?? 'shop',
    status: 'running',
    spec: {},
    specHash: 'h',
    createdAt: iso(start),
    ownerPid: null,
    ownerHost: null,
  })
  await store.updateRehearsal(p.id, {
    status: p.status,
    verdict: last?.[1] ?? null,
    exitCode: last ? (last[1] === 'promote' ? 0 : 1) : 3,
    finishedAt: iso(start + 120_000),
  })
  const events: Array<{ at: number; type: string; data: unknown }> = [{ at: 0, type: 'rehearsal.started', data: {} }]
  if (p.phaseAt !== undefined) {
    events.push({ at: p.phaseAt - 5, type: 'phase.started', data: { name: 'warm-up' } })
    events.push({ at: p.phaseAt + 5, type: 'phase.started', data: { name: 'steady' } })
  }
  if (p.failingLookAt !== undefined) {
    events.push({
      at: p.failingLookAt - 5,
      type: 'analysis.look',
      data: { look: 1, verdict: 'inconclusive', stop: false },
    })
    events.push({ at: p.failingLookAt, type: 'analysis.look', data: { look: 2, verdict: 'fail', stop: true } })
  }
  if (p.canary) {
    const [events_, trials] = p.canary.errors
    const metric = (name: string, e: number, t: number) => ({
      name,
      kind: 'rate',
      candidate: { n: t, events: e, trials: t },
    })
    events.push({
      at: p.canary.at,
      type: 'analysis.canary',
      data: {
        judgement: {
          verdict: p.canary.verdict,
          metrics: [
            { name: 'latency', kind: 'latency', candidate: { n: trials } },
            metric('errors', events_, trials),
            metric('errors POST /checkout', events_, 100), // a route's breakdown: not counted twice
          ],
        },
        breakdown: ['errors POST /checkout'],
      },
    })
  }
  for (const [at, verdict] of verdicts) events.push({ at, type: 'verdict', data: { verdict, gates: [] } })
  events.sort((a, b) => a.at - b.at)
  await store.appendEvents(
    events.map((e) => ({ rehearsalId: p.id, at: iso(start + e.at * 1000), type: e.type, data: e.data })),
  )
}

beforeAll(async () => {
  store = await openStore({ cwd, env: {} })
  await plant({
    id: 'r1',
    hour: 0,
    status: 'finished',
    verdicts: [[60, 'promote']],
    phaseAt: 10,
    canary: { at: 50, verdict: 'pass', errors: [5, 1000] },
  })
  // The next release fails in staging: r1's promotion is followed by a rollback.
  await plant({
    id: 'r2',
    hour: 1,
    status: 'finished',
    verdicts: [[70, 'rollback']],
    phaseAt: 10,
    failingLookAt: 40,
    canary: { at: 60, verdict: 'fail', errors: [30, 1000] },
  })
  // Held for approval, then approved: one promotion, followed by r4's promote.
  await plant({
    id: 'r3',
    hour: 2,
    status: 'finished',
    verdicts: [
      [60, 'hold'],
      [300, 'promote'],
    ],
  })
  // Promoted, then rejected by a person: a promotion that failed.
  await plant({
    id: 'r4',
    hour: 3,
    status: 'finished',
    verdicts: [
      [60, 'promote'],
      [600, 'rollback'],
    ],
  })
  await plant({ id: 'r5', hour: 4, status: 'failed' })
  await plant({ id: 'r6', hour: 5, status: 'interrupted' })
  // A regression found only by the final judgement, 65 s after traffic started.
  await plant({
    id: 'r7',
    hour: 6,
    status: 'finished',
    verdicts: [[80, 'rollback']],
    phaseAt: 10,
    canary: { at: 70, verdict: 'fail', errors: [10, 2000] },
  })
  // The latest promotion: nothing after it yet, so it is not judged.
  await plant({ id: 'r8', hour: 7, status: 'finished', verdicts: [[60, 'promote']] })
  await plant({ id: 'o1', project: 'other', hour: 0, status: 'finished', verdicts: [[60, 'hold']] })
})
afterAll(async () => {
  await store.close()
  rmSync(cwd, { recursive: true, force: true })
})

describe('rehearse stats', () => {
  it('computes the release metrics of one project from its history', async () => {
    const stats = await computeStats(store, { project: 'shop' })
    expect(stats).toEqual({
      project: 'shop',
      counts: {
        rehearsals: 8,
        finished: 6,
        promoted: 3,
        held: 0,
        rolledBack: 3,
        failed: 1,
        interrupted: 1,
        running: 0,
      },
      deploymentSuccessRate: 0.5,
      postDeploy: { promotions: 4, judged: 3, failed: 2, failureRate: 2 / 3 },
      errors: { rate: 45 / 4000, errors: 45, requests: 4000, rehearsals: 3 },
      // From the first phase (the warm-up, 5 s in): r2's look at 40 s (35 s), r7's judgement at 70 s (65 s).
      timeToDetection: { medianMs: 50_000, detections: 2, early: 1 },
    })
  })

  it('sums every project, and gives each its own figures', async () => {
    const stats = await computeStats(store)
    expect(stats.project).toBeNull()
    expect(stats.counts).toMatchObject({ rehearsals: 9, finished: 7, held: 1 })
    expect(stats.deploymentSuccessRate).toBeCloseTo(3 / 7, 12)
    // Verdicts of other projects never count as what followed a promotion.
    expect(stats.postDeploy).toEqual({ promotions: 4, judged: 3, failed: 2, failureRate: 2 / 3 })
    expect(stats.byProject?.map((p) => [p.project, p.counts.rehearsals, p.deploymentSuccessRate])).toEqual([
      ['other', 1, 0],
      ['shop', 8, 0.5],
    ])
  })

  it('says "no figure" rather than 0 when there is nothing to compute from', async () => {
    const stats = await computeStats(store, { project: 'nobody' })
    expect(stats).toMatchObject({
      counts: { rehearsals: 0, finished: 0 },
      deploymentSuccessRate: null,
      postDeploy: { failureRate: null },
      errors: { rate: null },
      timeToDetection: { medianMs: null, detections: 0 },
    })
  })
})
