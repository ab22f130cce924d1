/**
 * @module store/store-database
 * The store's tables as Kysely sees them (the schema the migrations in `migrations/` create).
 * Columns are snake_case; JSON columns hold JSON text (`text` in SQLite, `json` in PostgreSQL),
 * times are ISO 8601 strings, so both engines hand back exactly what was written. Types only.
 */
import type { Generated } from 'kysely'

export type RehearsalsTable = {
  id: string
  project: string
  status: string
  /** JSON text. */
  spec: string
  spec_hash: string
  created_at: string
  finished_at: string | null
  verdict: string | null
  exit_code: number | null
  owner_pid: number | null
  owner_host: string | null
  summary: string | null
  /** The `seq` of the rehearsal's last event: the counter `appendEvents` advances. */
  last_seq: Generated<number>
}

export type StepsTable = {
  rehearsal_id: string
  name: string
  status: string
  started_at: string
  finished_at: string | null
  /** JSON text. */
  error: string
}

export type EventsTable = {
  rehearsal_id: string
  seq: number
  at: string
  type: string
  /** JSON text. */
  data: string
}

export type SeriesTable = {
  rehearsal_id: string
  metric: string
  target: string
  route: string | null
  /** JSON text of `[epochMs, value][]`. */
  points: string
}

export type ApprovalsTable = {
  /** Recording order, for approvals given in the same millisecond. */
  id: Generated<number>
  rehearsal_id: string
  decision: string
  approved_by: string
  at: string
  comment: string | null
}

export type StoreDatabase = {
  rehearsals: RehearsalsTable
  steps: StepsTable
  events: EventsTable
  series: SeriesTable
  approvals: ApprovalsTable
}
