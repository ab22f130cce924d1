/**
 * @module core/types
 * The few types every module meets (DESIGN.md, "The few types everything meets").
 */

/** Why a request failed without an HTTP status (or with one the proxy made up). */
export const ERROR_CAUSES = [
  'connect-refused',
  'connect-reset',
  'timeout',
  'socket-closed',
  'dns',
  'protocol',
  'fault-injected',
  'dropped',
  'other',
] as const
export type ErrorCause = (typeof ERROR_CAUSES)[number]

/** One request, as the proxy or the load generator saw it. */
export type Sample = {
  /** Epoch milliseconds at which the request was *intended* to start. */
  at: number
  /** Which side: 'baseline' | 'candidate' | any other name of a target. */
  target: string
  /** A route key such as `GET /products/:id`, low-cardinality. */
  route: string
  /** HTTP status; 0 when there was no response (then `cause` says why). */
  status: number
  /** Latency from the intended start to the end of the response, microseconds. */
  latencyUs: number
  /** Latency from the actual send to the end of the response, microseconds (no queueing). */
  serviceTimeUs?: number
  /** Response body bytes. */
  bytes: number
  cause?: ErrorCause
}

/** The hot path's consumer of samples: synchronous, no I/O, no awaiting. */
export interface SampleSink {
  record(sample: Sample): void
}

/** The two sides a rehearsal compares. */
export const VERSIONS = ['baseline', 'candidate'] as const
export type VersionName = (typeof VERSIONS)[number]

/** Result of one gate (DESIGN.md). */
export type GateStatus = 'pass' | 'warn' | 'fail' | 'pending'
export type GateResult = { status: GateStatus; reasons: string[]; details?: unknown }

/** The outcome of a rehearsal. */
export const VERDICTS = ['promote', 'hold', 'rollback'] as const
export type Verdict = (typeof VERDICTS)[number]

/** An event of a rehearsal's log (the store appends them; everything else reads them). */
export type RehearsalEvent = { rehearsalId: string; seq: number; at: string; type: string; data: unknown }
