/**
 * @module gates/gate
 * The boundary every gate kind implements: look at the evidence a rehearsal gathered and say
 * pass, warn, fail or pending, with the reasons a person needs. Types only.
 */
import type { GateResult } from '../core/types.ts'

/** One smoke request, as it was answered by one version. */
export type SmokeResult = {
  version: string
  instance: string
  method: string
  path: string
  expected: number
  /** 0 when there was no response. */
  status: number
  ms: number
  error?: string
}

/** A recorded decision of a person on a rehearsal. */
export type ApprovalEvidence = { decision: 'approve' | 'reject'; by: string; at: string; comment: string | null }

/**
 * Everything gates may look at. Each step of the rehearsal fills in its part; a part that is
 * absent was not gathered (the gate then says so rather than passing).
 */
export type GateContext = {
  rehearsalId: string
  /** Directory of the spec (relative paths in gate options resolve against it). */
  dir: string
  smoke?: SmokeResult[]
  approvals?: ApprovalEvidence[]
  /** Evidence from later modules, by kind (`canary`, `slo`, `diff`, `pii`…). */
  evidence: Record<string, unknown>
}

export interface Gate {
  /** The gate's kind as written in the spec's `gates:` list. */
  readonly kind: string
  /** Judges the evidence. Never throws for a failed check: that is a `fail` with reasons. */
  evaluate(ctx: GateContext, signal: AbortSignal): Promise<GateResult>
}

/** The result of one gate as the verdict and the report see it. */
export type GateOutcome = GateResult & { kind: string; critical: boolean }
