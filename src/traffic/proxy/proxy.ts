/**
 * @module traffic/proxy/proxy
 * The proxy's boundary (DESIGN.md, "The data plane"): what `startProxy` takes and hands back, the
 * fault rules it injects, and the shape of its dispatcher. Types only.
 *
 * The proxy is a dispatcher with composable interceptors, the way undici composes its own
 * (`dispatch => dispatch`): each concern — measurement, routing, faults, and later mirroring and
 * recording — is one interceptor. The handler and controller shapes below are the structural subset
 * of undici 7's handler API that the proxy uses, so undici's own interceptors slot in too.
 */
import type { Readable } from 'node:stream'
import type { Logger } from '../../core/logger.ts'
import type { ErrorCause, SampleSink } from '../../core/types.ts'
import type { CaptureRecorderOptions, CaptureRecorderStats } from '../capture/capture-recorder.ts'
import type { ObservedResponse } from '../replay/observed-response.ts'

/** Which requests a fault rule applies to. Every given matcher must match. */
export type FaultMatch = {
  /** Glob (`GET /products/*`, `/cart/**`) or `/regex/flags` on the route key; a pattern starting with `/` matches its path part only. */
  route?: string
  /** Glob or `/regex/flags` on the request's path, without the query string. */
  path?: string
  /** One method or several, any case. */
  method?: string | string[]
  /** Header name → glob on its value (`*` = the header is present). Names are case-insensitive. */
  header?: Record<string, string>
}

/** An injected response: a status, or a status with a body and headers. */
export type FaultAbort = number | { status: number; body?: string; headers?: Record<string, string> }

/**
 * One fault rule, as the schema (`faultRuleSchema`) parses it: exactly one kind among `delay`,
 * `abort`, `bandwidth`, `hang`, `reset`, `closeAfterBytes`.
 */
export type FaultRule = {
  /** Unique among the active rules; generated (`fault-1`, …) when absent. */
  name?: string
  /** Delay before the request goes upstream, milliseconds. */
  delay?: number
  /** Uniform jitter added to `delay`: the delay is drawn from [delay − jitter, delay + jitter], milliseconds. */
  jitter?: number
  /** Answer with this status (and body) instead of going upstream. */
  abort?: FaultAbort
  /** Limit the response body to this many bytes per second, streaming. */
  bandwidth?: number
  /** Never answer; close the client connection after this many milliseconds (`true`: 30 s). */
  hang?: true | number
  /** Reset the client's TCP connection (RST) instead of answering. */
  reset?: true
  /** Forward the response headers and this many body bytes, then close the client connection. */
  closeAfterBytes?: number
  /** Chance that a matching request gets the fault, in [0, 1]. */
  probability: number
  match?: FaultMatch
  /** Only requests routed to this target (default: every target). */
  target?: string
  /** At most this many requests under this rule's effect at once; others pass untouched. */
  maxActive?: number
}

export const FAULT_KINDS = ['delay', 'abort', 'bandwidth', 'hang', 'reset', 'closeAfterBytes'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** An active rule as listed by the handle and the control API. */
export type FaultRuleStatus = FaultRule & {
  name: string
  kind: FaultKind
  /** Requests that matched the rule / that got the fault / under its effect now. */
  stats: { matched: number; injected: number; active: number }
}

/** How requests are spread over the targets. Header rules win; then weights (sticky or random). */
export type RoutingOptions = {
  /** First rule whose headers all match (name → exact value, `*` = present) sends the request to its target. */
  rules?: { header: Record<string, string>; target: string }[]
  /** Relative weights per target (default: equal weights for every target). */
  weights?: Record<string, number>
  /** Hash this header's value to pick by weight, so one client always lands on the same target. */
  sticky?: { header: string }
}

/** Upstream connection settings, per target pool. */
export type UpstreamOptions = {
  /** Most connections per target; more concurrent requests queue (default 256). */
  connections?: number
  connectTimeoutMs?: number
  /** Time to the response headers / between body chunks before the request fails with `timeout`. */
  headersTimeoutMs?: number
  bodyTimeoutMs?: number
  /** Idle upstream keep-alive connections are closed after this long (default 4 s). */
  keepAliveTimeoutMs?: number
}

export type ProxyOptions = {
  /** Where the proxy listens (default 127.0.0.1, any free port). */
  listen?: { host?: string; port?: number }
  /** Where the control API listens (default 127.0.0.1, any free port). */
  control?: { host?: string; port?: number }
  /** Named upstreams: `{ baseline: 'http://127.0.0.1:8081', candidate: 'http://127.0.0.1:8082' }`. */
  targets: Record<string, string>
  routing?: RoutingOptions
  /** Route table (`GET /products/:id`, `/cart/*`); unmatched requests get a normalised key. */
  routes?: string[]
  /** Fault rules active from the start (validated like `addFault`). */
  faults?: unknown[]
  /** Receives one `Sample` per request, synchronously. */
  sink: SampleSink
  logger?: Logger
  upstream?: UpstreamOptions
  /** Seed for routing and fault draws, so that a run can be replayed draw for draw (default: Math.random). */
  seed?: number
  /** Aborting closes the proxy, as `close()` does. */
  signal?: AbortSignal
  /** Record the traffic to a capture file (redacted at capture); closed with the proxy. */
  record?: ProxyRecordOptions
  /** Mirror (shadow) the traffic to more targets; their answers never reach the client. */
  mirror?: MirrorOptions
}

// --- recording and mirroring ------------------------------------------------------------------

/** Where and how the proxy records: a capture path and the recorder's options. */
export type ProxyRecordOptions = CaptureRecorderOptions & {
  /** The capture file; written through a temporary file and moved into place on `close()`. */
  path: string
}

/** A shadow target: an http origin, and whether it is a sandbox. */
export type MirrorTarget = {
  url: string
  /**
   * The target's writes reach nothing real (its own database, payments stubbed): unsafe methods
   * are mirrored to it. Default false.
   */
  sandbox?: boolean
}

/**
 * Shadowing: a copy of live requests goes to each shadow target while the primary (the routed
 * target) answers the client. Unsafe methods (anything but GET, HEAD, OPTIONS, TRACE) are mirrored
 * only on routes declared safe or to sandbox targets.
 */
export type MirrorOptions = {
  /** Shadow targets by name (the `target` of their samples): a URL or `{ url, sandbox }`. */
  targets: Record<string, string | MirrorTarget>
  /** Share of requests mirrored, 0 to 1 (default 1). */
  rate?: number
  /** Decide by the hash of this header's value, so a user's requests are all mirrored or none. */
  stickyHeader?: string
  /** Routes (patterns as a fault rule's `route`) whose unsafe requests may be mirrored anywhere. */
  safeRoutes?: string[]
  /** Mirrored requests waiting or in flight per target; beyond it copies are dropped and counted (default 256). */
  maxQueue?: number
  /** Requests with a larger body are not mirrored (counted as `tooLarge`; default 1 MiB). */
  maxBodyBytes?: number
  /** Response bytes kept for `onResponses` (default 1 MiB). */
  maxResponseBytes?: number
  /** Time a mirrored request may take, headers and body each (default 10 s). */
  timeoutMs?: number
  /** Connections per shadow target (default 64). */
  connections?: number
  /** The primary's and the shadows' answers to each mirrored request (for the response diff). */
  onResponses?: (observation: MirrorObservation) => void
}

/** One mirrored request and every answer to it. */
export type MirrorObservation = {
  method: string
  path: string
  route: string
  primary: ObservedResponse
  /** By shadow target name; only the targets the request was mirrored to. */
  shadows: Record<string, ObservedResponse>
}

/** What the mirror did for one shadow target. */
export type MirrorTargetStats = {
  /** Copies sent. */
  mirrored: number
  /** Copies answered (any status) / failed without an answer. */
  completed: number
  errors: number
  /** Copies dropped because `maxQueue` were waiting or in flight. */
  dropped: number
  /** Requests not mirrored because their method is unsafe and neither route nor target allows it. */
  skippedUnsafe: number
  /** Requests not mirrored because their body exceeded `maxBodyBytes`. */
  tooLarge: number
  /** Copies given up because the client's body never arrived whole. */
  cancelled: number
  /** Copies waiting or in flight now. */
  pending: number
}

export type MirrorStats = {
  /** Requests the sampling left out. */
  sampledOut: number
  targets: Record<string, MirrorTargetStats>
}

export interface ProxyHandle {
  /** `http://127.0.0.1:PORT` of the proxy. */
  readonly url: string
  /** `http://127.0.0.1:PORT` of the control API. */
  readonly controlUrl: string
  /** Target names, in the order given. */
  readonly targets: readonly string[]
  /** Validates and activates a rule; throws `TRAFFIC_FAULT_INVALID` / `TRAFFIC_FAULT_EXISTS`. */
  addFault(rule: unknown): FaultRuleStatus
  /** Deactivates a rule; requests already under its effect finish as they started. */
  removeFault(name: string): void
  listFaults(): FaultRuleStatus[]
  /** Replaces every rule at once (all validated first; nothing changes if one is invalid). */
  setFaults(rules: unknown[]): FaultRuleStatus[]
  resetFaults(): void
  /** Prometheus text of the proxy's own counters. */
  metrics(): Promise<string>
  /** What the recorder did so far; undefined without `record`. */
  recording(): CaptureRecorderStats | undefined
  /** What the mirror did so far; undefined without `mirror`. */
  mirroring(): MirrorStats | undefined
  /**
   * Stops accepting, closes client sockets, upstream pools and the control API, then moves the
   * capture into place (rejects when writing it failed). Idempotent.
   */
  close(): Promise<void>
}

// --- the dispatcher --------------------------------------------------------------------------

/**
 * One proxied request on its way through the interceptors. The same object is the request's
 * context: interceptors set `target` and `cause` on it instead of copying it (one allocation per
 * request, not one per interceptor). The undici fields (`method`, `path`, `headers`, `body`) go
 * upstream as they are.
 */
export type ProxyRequest = {
  method: string
  /** Path and query, as the client sent them. */
  path: string
  /** Flat `[name, value, …]` list, hop-by-hop headers removed, `x-forwarded-for` added. */
  headers: string[]
  /** The client's request body, streamed; null when it has none. */
  body: Readable | null
  /** Set by routing: the name of the upstream target. */
  target: string
  /** Route key (`GET /products/:id`). */
  route: string
  /** Path without the query string. */
  pathname: string
  /** `performance.now()` when the request arrived, milliseconds. */
  startedAt: number
  /** `performance.now()` when it was handed to the upstream pool; 0 while it has not been (or never is). */
  upstreamAt: number
  /** Why the request failed, when it did: set by whoever knows (faults, upstream errors, the client). */
  cause: ErrorCause | undefined
}

/** Controls one request in flight: the subset of undici's `DispatchController` the proxy uses. */
export interface ProxyController {
  abort(reason: Error): void
  pause(): void
  resume(): void
  readonly aborted: boolean
  readonly paused: boolean
  readonly reason: Error | null
}

export type ResponseHeaders = Record<string, string | string[] | undefined>

/** Receives one request's response: the subset of undici's `DispatchHandler` (its new API) the proxy uses. */
export interface ProxyHandler {
  onRequestStart(controller: ProxyController, context: unknown): void
  onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void
  onResponseData(controller: ProxyController, chunk: Buffer): void
  onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void
  onResponseError(controller: ProxyController, error: Error): void
}

export type Dispatch = (request: ProxyRequest, handler: ProxyHandler) => boolean

/** One concern of the proxy, composed like undici's interceptors. */
export type ProxyInterceptor = (dispatch: Dispatch) => Dispatch
