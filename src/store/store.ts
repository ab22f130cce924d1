/**
 * @module store/store
 * The persistence boundary (DESIGN.md, "Store"): rehearsals, their steps, the append-only event
 * log, stored series, verdicts and approvals. Implemented over Kysely for SQLite (embedded
 * default, `.rehearse/rehearse.db`) and PostgreSQL (`REHEARSE_DATABASE_URL`). Types only.
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

export interface Store {
  /** `sqlite` or `postgres`. */
  readonly engine: string
  /** Applies pending migrations. Idempotent; safe to call from concurrent processes. */
  migrate(): Promise<void>

  createRehearsal(record: Omit<RehearsalRecord, 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>): Promise<void>
  updateRehearsal(
    id: string,
    patch: Partial<Pick<RehearsalRecord, 'status' | 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>>,
  ): Promise<void>
  getRehearsal(id: string): Promise<RehearsalRecord | undefined>
  /** Newest first. `id` may be given as a unique prefix to `findRehearsal`. */
  listRehearsals(filter?: { project?: string; status?: RehearsalStatus; limit?: number }): Promise<RehearsalRecord[]>
  /** Looks a rehearsal up by full id or unique id prefix; STORE_NOT_FOUND when none or ambiguous. */
  findRehearsal(idOrPrefix: string): Promise<RehearsalRecord>

  /** Appends events in order and returns them with their sequence numbers (1, 2, … per rehearsal). */
  appendEvents(events: NewEvent[]): Promise<RehearsalEvent[]>
  /** Events of one rehearsal in order, optionally only those after `afterSeq`. */
  readEvents(rehearsalId: string, options?: { afterSeq?: number; types?: string[] }): Promise<RehearsalEvent[]>

  upsertStep(step: StepRecord): Promise<void>
  listSteps(rehearsalId: string): Promise<StepRecord[]>

  writeSeries(series: StoredSeries[]): Promise<void>
  readSeries(rehearsalId: string, filter?: { metric?: string; target?: string }): Promise<StoredSeries[]>

  recordApproval(approval: ApprovalRecord): Promise<void>
  listApprovals(rehearsalId: string): Promise<ApprovalRecord[]>

  /** Closes connections. Idempotent. */
  close(): Promise<void>
}
