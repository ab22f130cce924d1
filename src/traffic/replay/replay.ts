/**
 * @module traffic/replay/replay
 * The replayer's boundary: what `runReplay` takes (a capture file, the targets, the timing, the
 * auth), what it reports per replayed request (every target's answer, for the three-way diff)
 * and what it returns. Types only.
 */
import type { Logger } from '../../core/logger.ts'
import type { SampleSink } from '../../core/types.ts'
import type { ObservedResponse } from './observed-response.ts'

/** A named receiver of the replay: every request goes to every target at the same moment. */
export type ReplayTarget = {
  /** `baseline`, `secondary`, `candidate`, … — the `target` of the samples. */
  name: string
  /** `http://host:port`, optionally with a path prefix. */
  url: string
}

/**
 * When requests are sent: the recorded timing divided by `speed` (2 = twice as fast), or rescaled
 * so that the mean rate is `rate` per second — the gaps keep their proportions, so bursts stay
 * bursts.
 */
export type ReplayTiming = { speed: number } | { rate: number }

/** Staging credentials for the captured ones (see replay-auth.ts). */
export type ReplayAuthConfig = {
  /** Re-sign captured JWTs with this HS256 key, keeping the claims the capture carried. */
  jwt?: {
    /** At least 32 bytes; from the environment (`${secret.NAME}`), never the spec itself. */
    key: string
    /** Lifetime of a re-signed token (default 1 h; re-signed after half of it). */
    ttlMs?: number
    /** Claims set on every re-signed token (`iss`, `aud`), over the captured ones. */
    claims?: Record<string, unknown>
  }
  /**
   * A command run once per identity before the replay, with `REHEARSE_IDENTITY` (the token's
   * hex), `REHEARSE_CREDENTIAL` (its rule) and `REHEARSE_CLAIMS` (carried JWT claims, JSON) set;
   * the first line it prints replaces that identity's tokens.
   */
  login?: {
    command: string
    timeoutMs?: number
    /** Token rules it replaces (default authorization, jwt, bearer, cookie, header). */
    rules?: string[]
  }
  /** Headers set on every replayed request (a staging API key), over the captured ones. */
  headers?: Record<string, string>
}

/** One replayed request and what each target answered. */
export type ReplayObservation = {
  /** The exchange id in the capture. */
  id: string
  method: string
  /** The URL as sent (auth and time shift applied). */
  url: string
  /** Route key, `GET /products/:id`. */
  route: string
  session?: string
  /** By target name. */
  responses: Record<string, ObservedResponse>
}

/** Reported about once a second while the replay runs. */
export type ReplayProgress = {
  elapsedMs: number
  /** Scheduled length of the replay, ms. */
  totalMs: number
  sent: number
  /** Replayable exchanges in the capture. */
  total: number
  inFlight: number
}

export type ReplayOptions = {
  targets: ReplayTarget[]
  /** Default `{ speed: 1 }`: the recorded timing. */
  timing?: ReplayTiming
  auth?: ReplayAuthConfig
  /** Move timestamps in requests by the record-to-replay offset (default true). */
  shiftTimestamps?: boolean
  /** Epoch numbers within this window of the recording time are timestamps (default 30 days). */
  epochWindowMs?: number
  /** Keep-alive connections per target (default 64). */
  connections?: number
  /** Time a request may take, headers and body each (default 10 s). */
  timeoutMs?: number
  /** Requests in flight per target; beyond it requests are dropped and counted (default 1000). */
  maxInFlight?: number
  /** Response bytes kept per target for `onObservation` (default 1 MiB). */
  maxResponseBytes?: number
  /** Replay at most this many exchanges. */
  limit?: number
  /** Directory the login hook runs in (default the current directory). */
  cwd?: string
  /** One sample per request and target. */
  sink: SampleSink
  /** Every target's answer to each request (for the diff); not called for dropped requests. */
  onObservation?: (observation: ReplayObservation) => void
  onProgress?: (progress: ReplayProgress) => void
  progressIntervalMs?: number
  /** Aborting stops the replay: in-flight requests are aborted and `runReplay` rejects. */
  signal: AbortSignal
  logger?: Logger
}

export type ReplayTargetResult = {
  name: string
  url: string
  sent: number
  responses: number
  /** 5xx answers and requests without an answer. */
  errors: number
  dropped: number
  byStatus: Record<number, number>
  /** From the intended start, ms. */
  latencyMs?: { p50: number; p90: number; p99: number; max: number }
}

export type ReplayResult = {
  file: string
  /** Exchanges in the capture (up to `limit`). */
  exchanges: number
  /** Exchanges sent (each to every target). */
  replayed: number
  /** Exchanges not replayable, by reason (`request body cut at capture`, …). */
  skipped: Record<string, number>
  /** Exchanges dropped because a session's queue or a target's in-flight limit was full. */
  dropped: number
  /** Sent more than 10 ms after their intended time (not counting waits for their session). */
  late: number
  /** Requests held back so that their session's earlier request finished first. */
  heldForSession: number
  sessions: number
  /** Epoch ms of the replay's start. */
  startedAt: number
  /** The recorded span between the first and the last exchange, ms. */
  recordedSpanMs: number
  /** The replay's schedule length, ms (recorded span ÷ speed). */
  scheduledMs: number
  elapsedMs: number
  /** The factor applied to the recorded timing. */
  speed: number
  /** Mean rate of the capture, per second. */
  recordedRate: number
  /** Rate asked for (with `rate` timing). */
  requestedRate?: number
  /** Requests sent per second from the first send to the last. */
  achievedRate: number
  /** Identities given a staging credential. */
  identities: number
  targets: ReplayTargetResult[]
}
