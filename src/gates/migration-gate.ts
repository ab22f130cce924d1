/**
 * @module gates/migration-gate
 * The `migration` gate: the release's migration, run by the data step on the fresh staging copy
 * (`data.migrate`), judged against the section's limits (`judgeMigration`): it fails when the
 * command failed or timed out, or took longer, waited on locks longer or rewrote more tables than
 * allowed. Like `pii`, it passes with its reason when an optional data section was skipped.
 */
import type { GateResult } from '../core/types.ts'
import { type DataSpec, judgeMigration, type MigrationResult } from '../data/index.ts'
import type { Gate, GateContext } from './gate.ts'

/** What the data step leaves for this gate (recorded as the `analysis.migration` event). */
export type MigrationEvidence =
  | {
      ran: true
      result: MigrationResult
      limits: DataSpec['migrate']
      traffic?: { total: number; failed: number; slowed: number }
    }
  | { ran: false; reason: string }

export const migrationGate: Gate = {
  kind: 'migration',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const evidence = ctx.evidence['migration'] as MigrationEvidence | undefined
    if (!evidence) {
      return {
        status: 'fail',
        reasons: ['no migration was rehearsed: set data.migrate.command (docs/data.md)'],
      }
    }
    if (!evidence.ran) return { status: 'pass', reasons: [`no migration was rehearsed: ${evidence.reason}`] }
    return judgeMigration(evidence.result, evidence.limits, evidence.traffic)
  },
}
