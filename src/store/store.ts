/**
 * @module store/store
 * The persistence boundary (DESIGN.md, "Store"): rehearsals, their steps, the append-only event
 * log, stored series, verdicts and approvals. Implemented over Kysely for SQLite (embedded
 * default, `.rehearse/rehearse.db`) and PostgreSQL (`REHEARSE_DATABASE_URL`); `openStore` in
 * `open-store.ts` picks one. Types only.
 *
 * Every method throws a `RehearseError`: STORE_UNAVAILABLE when the database cannot be reached or
 * stays locked, STORE_NOT_FOUND when a write names a rehearsal that does not exist.
 */
import type { RehearsalEvent } from '../core/types.ts'

export type RehearsalStatus = 'running' | 'finished' | 'failed' | 'interrupted'

export type RehearsalRecord = {
  id: string
  project: string
  status: RehearsalStatus
  /** The spec as loaded and validated (secrets never included). */
  spec: unknown
  /** sha256 of the canonical spec, to tell re-runs of the same config apart. */
  specHash: string
  createdAt: string
  finishedAt: string | null
  /** promote | hold | rollback once decided. */
  verdict: string | null
  exitCode: number | null
  /** The pid and host of the process that runs it, to tell a live run from an interrupted one. */
  ownerPid: number | null
  ownerHost: string | null
  /** One-line explanation of the verdict. */
  summary: string | null
}

export type StepRecord = {
  rehearsalId: string
  name: string
  status: 'running' | 'passed' | 'failed' | 'skipped'
  startedAt: string
  finishedAt: string | null
  error: unknown
}

/** One stored point series (aggregated telemetry, not raw samples). */
export type StoredSeries = {
  rehearsalId: string
  metric: string
  target: string
  route: string | null
  /** [epoch ms, value] pairs in time order. */
  points: Array<[number, number]>
}

export type ApprovalRecord = {
  rehearsalId: string
  decision: 'approve' | 'reject'
  by: string
  at: string
  comment: string | null
}

export type NewEvent = Omit<RehearsalEvent, 'seq'>

/** The database engines a store runs on. */
export const STORE_ENGINES = ['sqlite', 'postgres'] as const
export type StoreEngine = (typeof STORE_ENGINES)[number]

/** The fields of a rehearsal that change after it was created. */
export type RehearsalPatch = Partial<
  Pick<RehearsalRecord, 'status' | 'finishedAt' | 'verdict' | 'exitCode' | 'summary' | 'ownerPid' | 'ownerHost'>
>

export type ReadEventsOptions = {
  /** Only events with a greater `seq` (live tailing: pass the last `seq` seen). */
  afterSeq?: number
  /** Only events of these types; an empty list matches none. */
  types?: string[]
  /** At most this many events (the first ones after `afterSeq`), to page through a long log. */
  limit?: number
}

/**
 * JSON values (`spec`, `error`, event `data`, series `points`) round-trip exactly as
 * `JSON.parse(JSON.stringify(value))` would: key order and every string are kept; `undefined`
 * becomes `null` at the top and disappears inside objects, non-finite numbers become `null`.
 */
export interface Store {
  /** `sqlite` or `postgres`. */
  readonly engine: StoreEngine
  /** Where the data lives, for messages: a file path, or the PostgreSQL URL without its password. */
  readonly location: string
  /** Applies pending migrations. Idempotent; safe to call from concurrent processes. */
  migrate(): Promise<void>

  createRehearsal(record: Omit<RehearsalRecord, 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>): Promise<void>
  /**
   * Changes the given fields; the others keep their values. `ownerPid`/`ownerHost` move a rehearsal
   * to the process that resumes it. STORE_NOT_FOUND when no rehearsal has that id.
   */
  updateRehearsal(id: string, patch: RehearsalPatch): Promise<void>
  getRehearsal(id: string): Promise<RehearsalRecord | undefined>
  /** Newest first (by `createdAt`, then id). `id` may be given as a unique prefix to `findRehearsal`. */
  listRehearsals(filter?: { project?: string; status?: RehearsalStatus; limit?: number }): Promise<RehearsalRecord[]>
  /** Looks a rehearsal up by full id or unique id prefix; STORE_NOT_FOUND when none or ambiguous. */
  findRehearsal(idOrPrefix: string): Promise<RehearsalRecord>

  /**
   * Appends events in order and returns them, in the same order, with their sequence numbers
   * (1, 2, … per rehearsal, without gaps, also when several processes append at once). All or
   * nothing: STORE_NOT_FOUND when one of them names a rehearsal that does not exist.
   */
  appendEvents(events: NewEvent[]): Promise<RehearsalEvent[]>
  /** Events of one rehearsal in `seq` order; none for an unknown id. */
  readEvents(rehearsalId: string, options?: ReadEventsOptions): Promise<RehearsalEvent[]>

  /** Inserts the step, or replaces the one of the same rehearsal and name. */
  upsertStep(step: StepRecord): Promise<void>
  /** Steps in the order they started (then by name). */
  listSteps(rehearsalId: string): Promise<StepRecord[]>

  /** Stores series; one with the same rehearsal, metric, target and route replaces the stored one. */
  writeSeries(series: StoredSeries[]): Promise<void>
  /** Stored series ordered by metric, target and route (the whole-target series, `route: null`, first). */
  readSeries(rehearsalId: string, filter?: { metric?: string; target?: string }): Promise<StoredSeries[]>

  /** Adds an approval or rejection; earlier ones are kept (an audit trail). */
  recordApproval(approval: ApprovalRecord): Promise<void>
  /** Approvals in the order they were given (by `at`, then recording order). */
  listApprovals(rehearsalId: string): Promise<ApprovalRecord[]>

  /** Closes connections. Idempotent. */
  close(): Promise<void>
}
