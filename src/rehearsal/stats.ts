/**
 * @module rehearsal/stats
 * `rehearse stats`: the release metrics teams track, computed from the rehearsals in the store
 * (docs/gates.md, "Release statistics", defines each one precisely):
 *
 * - deployment success rate: finished rehearsals whose verdict is promote, out of all finished;
 * - post-deploy failure rate: promotions whose next decisive verdict for the same project — a
 *   later rehearsal's promote or rollback, or the same rehearsal turned to rollback by a
 *   rejection — is a rollback, out of the promotions that have such a next verdict;
 * - error rate: the candidate's failed requests out of all its requests, pooled over the
 *   rehearsals whose canary evidence has the `errors` metric;
 * - time to detection: from the first traffic phase to the first sequential look that found a
 *   regression (or, without one, the final canary judgement that failed), median over the
 *   rehearsals that found one.
 */
import type { RehearsalEvent, Verdict } from '../core/types.ts'
import type { RehearsalRecord, Store } from '../store/store.ts'
import { isOrphaned } from './history.ts'

export type ReleaseStats = {
  /** The project the figures are for; null for all projects together. */
  project: string | null
  counts: {
    rehearsals: number
    finished: number
    promoted: number
    held: number
    rolledBack: number
    failed: number
    interrupted: number
    running: number
  }
  /** promoted / finished; null without a finished rehearsal. */
  deploymentSuccessRate: number | null
  postDeploy: {
    /** Promote verdicts given (a rehearsal approved after a hold counts once). */
    promotions: number
    /** Promotions followed by a later promote or rollback verdict of the same project. */
    judged: number
    /** Of those, the ones whose next verdict was a rollback. */
    failed: number
    /** failed / judged; null when none is judged yet. */
    failureRate: number | null
  }
  errors: {
    /** Candidate requests that failed, out of all, pooled; null without canary evidence. */
    rate: number | null
    errors: number
    requests: number
    /** Rehearsals whose canary evidence gave the figures. */
    rehearsals: number
  }
  timeToDetection: {
    /** Median ms from the first traffic phase to the detected regression; null without one. */
    medianMs: number | null
    /** Rehearsals that detected a regression. */
    detections: number
    /** Of those, found by a sequential look that stopped the traffic early. */
    early: number
  }
}

/** The types of events the statistics read. */
const EVENT_TYPES = ['verdict', 'phase.started', 'analysis.look', 'analysis.canary']

type Decision = { rehearsalId: string; at: string; verdict: Verdict }

/**
 * The statistics of one project, or of every project together when `project` is not given (then
 * also each project's own, in `byProject`, when there are several).
 */
export async function computeStats(
  store: Store,
  options: { project?: string | undefined } = {},
): Promise<ReleaseStats & { byProject?: ReleaseStats[] }> {
  const records = await store.listRehearsals(options.project ? { project: options.project } : {})
  const logs = new Map<string, RehearsalEvent[]>()
  for (const r of records) logs.set(r.id, await store.readEvents(r.id, { types: EVENT_TYPES }))
  const all = statsOf(records, logs, options.project ?? null)
  const projects = [...new Set(records.map((r) => r.project))].sort()
  if (options.project || projects.length < 2) return all
  const byProject = projects.map((p) =>
    statsOf(
      records.filter((r) => r.project === p),
      logs,
      p,
    ),
  )
  return { ...all, byProject }
}

/** The statistics from rehearsal records and their events (pure). */
export function statsOf(
  records: readonly RehearsalRecord[],
  logs: ReadonlyMap<string, readonly RehearsalEvent[]>,
  project: string | null,
): ReleaseStats {
  const status = (r: RehearsalRecord) => (isOrphaned(r) ? 'interrupted' : r.status)
  const finished = records.filter((r) => status(r) === 'finished' && r.verdict)
  const withVerdict = (v: string) => finished.filter((r) => r.verdict === v).length
  const counts = {
    rehearsals: records.length,
    finished: finished.length,
    promoted: withVerdict('promote'),
    held: withVerdict('hold'),
    rolledBack: withVerdict('rollback'),
    failed: records.filter((r) => status(r) === 'failed').length,
    interrupted: records.filter((r) => status(r) === 'interrupted').length,
    running: records.filter((r) => status(r) === 'running').length,
  }
  const eventsOf = (r: RehearsalRecord) => logs.get(r.id) ?? []
  return {
    project,
    counts,
    deploymentSuccessRate: counts.finished ? counts.promoted / counts.finished : null,
    postDeploy: postDeployFailures(finished, eventsOf),
    errors: candidateErrors(finished, eventsOf),
    timeToDetection: detectionTimes(records, eventsOf),
  }
}

/** Every verdict given, per project, in time order (from `verdict` events; else the record's). */
function decisionsByProject(
  records: readonly RehearsalRecord[],
  eventsOf: (r: RehearsalRecord) => readonly RehearsalEvent[],
): Map<string, Decision[]> {
  const byProject = new Map<string, Decision[]>()
  for (const r of records) {
    const verdicts = eventsOf(r).filter((e) => e.type === 'verdict')
    const decisions: Decision[] = verdicts.length
      ? verdicts.map((e) => ({ rehearsalId: r.id, at: e.at, verdict: (e.data as { verdict: Verdict }).verdict }))
      : [{ rehearsalId: r.id, at: r.finishedAt ?? r.createdAt, verdict: r.verdict as Verdict }]
    const list = byProject.get(r.project) ?? []
    list.push(...decisions)
    byProject.set(r.project, list)
  }
  for (const list of byProject.values()) list.sort((a, b) => a.at.localeCompare(b.at))
  return byProject
}

function postDeployFailures(
  finished: readonly RehearsalRecord[],
  eventsOf: (r: RehearsalRecord) => readonly RehearsalEvent[],
): ReleaseStats['postDeploy'] {
  let promotions = 0
  let judged = 0
  let failed = 0
  for (const decisions of decisionsByProject(finished, eventsOf).values()) {
    decisions.forEach((d, i) => {
      if (d.verdict !== 'promote') return
      // A rehearsal's repeated promote (approve on an already promoted one) is one promotion.
      if (decisions.slice(0, i).some((p) => p.rehearsalId === d.rehearsalId && p.verdict === 'promote')) return
      promotions++
      // Holds decide nothing about the release that went out: the next promote or rollback does.
      const next = decisions
        .slice(i + 1)
        .find((n) => (n.verdict === 'promote' && n.rehearsalId !== d.rehearsalId) || n.verdict === 'rollback')
      if (!next) return
      judged++
      if (next.verdict === 'rollback') failed++
    })
  }
  return { promotions, judged, failed, failureRate: judged ? failed / judged : null }
}

type CanaryMetric = { name: string; kind: string; candidate: { events?: number; trials?: number } }

function candidateErrors(
  finished: readonly RehearsalRecord[],
  eventsOf: (r: RehearsalRecord) => readonly RehearsalEvent[],
): ReleaseStats['errors'] {
  let errors = 0
  let requests = 0
  let rehearsals = 0
  for (const r of finished) {
    const canary = eventsOf(r).findLast((e) => e.type === 'analysis.canary')
    const data = canary?.data as { judgement?: { metrics?: CanaryMetric[] } } | undefined
    const metric = data?.judgement?.metrics?.find((m) => m.name === 'errors' && m.kind === 'rate')
    const { events, trials } = metric?.candidate ?? {}
    if (typeof events !== 'number' || typeof trials !== 'number' || trials <= 0) continue
    errors += events
    requests += trials
    rehearsals++
  }
  return { rate: requests ? errors / requests : null, errors, requests, rehearsals }
}

function detectionTimes(
  records: readonly RehearsalRecord[],
  eventsOf: (r: RehearsalRecord) => readonly RehearsalEvent[],
): ReleaseStats['timeToDetection'] {
  const times: number[] = []
  let early = 0
  for (const r of records) {
    const events = eventsOf(r)
    const start = events.find((e) => e.type === 'phase.started')
    if (!start) continue
    const look = events.find((e) => {
      const d = e.data as { stop?: boolean; verdict?: string }
      return e.type === 'analysis.look' && d.stop === true && d.verdict === 'fail'
    })
    const final = events.find(
      (e) =>
        e.type === 'analysis.canary' && (e.data as { judgement?: { verdict?: string } }).judgement?.verdict === 'fail',
    )
    const found = look ?? final
    if (!found) continue
    if (look) early++
    times.push(Date.parse(found.at) - Date.parse(start.at))
  }
  return { medianMs: median(times), detections: times.length, early }
}

function median(values: number[]): number | null {
  if (!values.length) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
