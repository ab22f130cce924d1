/**
 * @module gates/pii-gate
 * The `pii` gate: did anything personal survive into the staging copy? It judges the leak scan the
 * data step ran on the staging database (`judgePii`: fail on a real production value or anything a
 * validator recognises in a column the policy does not mask, warn on warnings only). When an
 * optional data section was skipped because its database was down, no copy was made and the
 * services had no database: nothing can have leaked, so the gate passes and says why.
 */
import type { GateResult } from '../core/types.ts'
import { judgePii, type ScanSummary } from '../data/index.ts'
import type { Gate, GateContext } from './gate.ts'

/** What the data step leaves for this gate (recorded as the `analysis.pii` event). */
export type PiiEvidence = { scanned: true; scan: ScanSummary } | { scanned: false; reason: string }

export const piiGate: Gate = {
  kind: 'pii',
  supportsReplay: true,
  async evaluate(ctx: GateContext): Promise<GateResult> {
    const evidence = ctx.evidence['pii'] as PiiEvidence | undefined
    if (!evidence) {
      return {
        status: 'fail',
        reasons: ['no staging data was scanned: the pii gate needs a `data:` section (docs/data.md)'],
      }
    }
    if (!evidence.scanned) {
      return {
        status: 'pass',
        reasons: [`there was no staging copy to scan: ${evidence.reason}; the services ran without a database`],
      }
    }
    return judgePii(evidence.scan)
  },
}
