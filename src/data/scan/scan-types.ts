/**
 * @module data/scan/scan-types
 * What the leak scanner reports. A finding names where something personal-looking was found and
 * how many values, never a value.
 */

/** What was found. `production-value` is a value that is in the leak filter: a real value survived. */
export const FINDING_KINDS = [
  'production-value',
  'email',
  'phone',
  'card',
  'iban',
  'ip',
  'national-id',
  'column-name',
] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

export type Finding = {
  table: string
  column: string
  kind: FindingKind
  /** Values (rows) with this kind in this column, among those scanned. */
  count: number
  /** `fail` fails the `pii` gate; `warn` is reported only. */
  severity: 'fail' | 'warn'
  /** One sentence for humans, without any value. */
  detail: string
}

export type ScanSummary = {
  scannedAt: string
  durationMs: number
  tables: number
  rowsScanned: number
  /** Whether a leak filter from the sync was used (without it, only validators and names run). */
  usedLeakFilter: boolean
  findings: Finding[]
}
