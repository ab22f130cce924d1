/**
 * @module data
 * Staging data: masked, consistent copies of production databases (PostgreSQL → PostgreSQL,
 * MySQL/MariaDB → MySQL/MariaDB), the fail-closed masking policy, subsetting, the leak scanner
 * behind the `pii` gate, and migration rehearsal behind the `migration` gate. These plain async
 * functions are what the CLI (`rehearse data plan|sync|scan|migrate`) and the pipeline's `data`
 * step call; every long one takes an AbortSignal. See docs/data.md.
 */
export {
  type DataSpec,
  type DataSpecInput,
  dataSpecSchema,
  type TransformerSpec,
  transformerSpecSchema,
} from './data-schema.ts'
export { DEFAULT_KEY_ENV, type KeySource, loadMaskingKey, MaskingKey } from './keys/masking-key.ts'
export {
  attachScan,
  LEAK_FILTER_FILE,
  MANIFEST_FILE,
  readSyncArtifacts,
  type SyncManifest,
  type TableManifest,
  writeSyncArtifacts,
} from './manifest.ts'
export {
  judgeMigration,
  type MigrationOptions,
  type MigrationResult,
  rehearseMigration,
  summarizeTraffic,
} from './migrate/rehearse-migration.ts'
export { type ColumnPlan, type PlanOptions, planSync, type SyncPlan, type TablePlan } from './policy/plan-sync.ts'
export { LeakFilter } from './scan/leak-filter.ts'
export { judgePii, type ScanOptions, scanStaging } from './scan/scan-staging.ts'
export type { Finding, FindingKind, ScanSummary } from './scan/scan-types.ts'
export { type SyncOptions, type SyncPhase, type SyncProgress, type SyncResult, syncData } from './sync/sync-data.ts'
export { TRANSFORMER_KINDS, type TransformerKind } from './transformer.ts'
