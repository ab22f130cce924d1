/**
 * @module gates/gate
 * The boundary every gate kind implements: look at the evidence a rehearsal gathered and say
 * pass, warn, fail or pending, with the reasons a person needs. Types only.
 */
import type { GateResult, Verdict } from '../core/types.ts'

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
  /** The spec's `name`. */
  project: string
  /** Directory of the spec (relative paths in gate options resolve against it). */
  dir: string
  smoke?: SmokeResult[]
  approvals?: ApprovalEvidence[]
  /** Evidence from later modules, by kind (`canary`, `slo`, `diff`, `pii`…). */
  evidence: Record<string, unknown>
  /** The gates of the list evaluated before this one, in order. */
  earlier?: GateOutcome[]
  /** The verdict those earlier gates alone would give; null before the first gate. */
  verdictSoFar?: Verdict | null
}

/**
 * One gate kind. `Options` is what the gate's entry in the spec's `gates:` list parsed to (its
 * schema lives next to the gate and is composed in `gates-schema.ts`); kinds written as a bare
 * name (`smoke`) take none.
 */
export interface Gate<Options = undefined> {
  /** The gate's kind as written in the spec's `gates:` list. */
  readonly kind: string
  /**
   * True when the gate judges only what the rehearsal recorded (smoke results, the analysis, the
   * approvals in the store) and takes no options, so its result can be worked out again from the
   * event log (`rehearse approve` does). False or absent for gates that look at the world (run a
   * command, call a URL, read report files): their recorded result stands.
   */
  readonly supportsReplay?: boolean
  /**
   * Judges the evidence. Never throws for a failed check: that is a `fail` with reasons. Work that
   * takes time (a command, a request) stops when `signal` aborts.
   */
  evaluate(ctx: GateContext, options: Options, signal: AbortSignal): Promise<GateResult>
}

/** The result of one gate as the verdict and the report see it. */
export type GateOutcome = GateResult & { kind: string; critical: boolean }
