/**
 * @module store/store-rows
 * Conversions between the store's records (store.ts) and table rows (store-database.ts). JSON
 * values travel as JSON text in both engines, so what comes back is exactly `JSON.stringify`'s view
 * of what went in.
 */
import type { Insertable, Selectable } from 'kysely'
import type { ApprovalRecord, RehearsalRecord, RehearsalStatus, StepRecord, StoredSeries } from './store.ts'
import type { ApprovalsTable, RehearsalsTable, SeriesTable, StepsTable } from './store-database.ts'

/** JSON text of `value`; `undefined` (and functions, symbols) become `null` rather than nothing. */
export function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null'
}

export function fromJson(text: string): unknown {
  return JSON.parse(text)
}

export function rehearsalToRow(
  record: Omit<RehearsalRecord, 'finishedAt' | 'verdict' | 'exitCode' | 'summary'>,
): Insertable<RehearsalsTable> {
  return {
    id: record.id,
    project: record.project,
    status: record.status,
    spec: toJson(record.spec),
    spec_hash: record.specHash,
    created_at: record.createdAt,
    finished_at: null,
    verdict: null,
    exit_code: null,
    owner_pid: record.ownerPid,
    owner_host: record.ownerHost,
    summary: null,
  }
}

export function rowToRehearsal(row: Selectable<RehearsalsTable>): RehearsalRecord {
  return {
    id: row.id,
    project: row.project,
    status: row.status as RehearsalStatus,
    spec: fromJson(row.spec),
    specHash: row.spec_hash,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    verdict: row.verdict,
    exitCode: row.exit_code,
    ownerPid: row.owner_pid,
    ownerHost: row.owner_host,
    summary: row.summary,
  }
}

export function stepToRow(step: StepRecord): Selectable<StepsTable> {
  return {
    rehearsal_id: step.rehearsalId,
    name: step.name,
    status: step.status,
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    error: toJson(step.error),
  }
}

export function rowToStep(row: Selectable<StepsTable>): StepRecord {
  return {
    rehearsalId: row.rehearsal_id,
    name: row.name,
    status: row.status as StepRecord['status'],
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: fromJson(row.error),
  }
}

export function seriesToRow(series: StoredSeries): Selectable<SeriesTable> {
  return {
    rehearsal_id: series.rehearsalId,
    metric: series.metric,
    target: series.target,
    route: series.route,
    points: toJson(series.points),
  }
}

export function rowToSeries(row: Selectable<SeriesTable>): StoredSeries {
  return {
    rehearsalId: row.rehearsal_id,
    metric: row.metric,
    target: row.target,
    route: row.route,
    points: fromJson(row.points) as StoredSeries['points'],
  }
}

export function approvalToRow(approval: ApprovalRecord): Insertable<ApprovalsTable> {
  return {
    rehearsal_id: approval.rehearsalId,
    decision: approval.decision,
    approved_by: approval.by,
    at: approval.at,
    comment: approval.comment,
  }
}

export function rowToApproval(row: Omit<Selectable<ApprovalsTable>, 'id'>): ApprovalRecord {
  return {
    rehearsalId: row.rehearsal_id,
    decision: row.decision as ApprovalRecord['decision'],
    by: row.approved_by,
    at: row.at,
    comment: row.comment,
  }
}

/** JavaScript string order, the same for every engine (database collations differ). */
export function compareSeries(a: StoredSeries, b: StoredSeries): number {
  return (
    compareText(a.metric, b.metric) ||
    compareText(a.target, b.target) ||
    (a.route === null ? (b.route === null ? 0 : -1) : b.route === null ? 1 : compareText(a.route, b.route))
  )
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
