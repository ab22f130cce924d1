/**
 * @module traffic/load/load-plan
 * Types of the load generator's boundary: the plan it runs, the options of a run, its progress
 * reports and its result. `runLoad` (run-load.ts) takes a `LoadPlan`; `trafficToLoadPlan`
 * (traffic-schema.ts) builds one from the spec.
 */
import type { Logger } from '../../core/logger.ts'
import type { ErrorCause, SampleSink } from '../../core/types.ts'
import type { GeneratorMetrics } from '../../telemetry/prometheus/generator-metrics.ts'
import type { Scenario } from '../template/request-template.ts'

/** How arrivals are spaced inside a phase. */
export const ARRIVAL_MODES = ['constant', 'poisson'] as const
export type ArrivalMode = (typeof ARRIVAL_MODES)[number]

/** One stretch of the run with its own arrival rate. */
export type LoadPhase = {
  name: string
  durationMs: number
  /** Arrivals per second at the start of the phase. */
  rate: number
  /** Arrivals per second at the end; the rate moves linearly from `rate` to `rampTo`. */
  rampTo?: number
  /** `constant`: evenly spaced; `poisson`: exponential gaps with the same mean (seeded). */
  arrivals: ArrivalMode
  /** Fault rules the pipeline applies while this phase runs (the proxy's; opaque here). */
  faults?: readonly unknown[]
}

/** A named receiver of traffic: every arrival goes to every target. */
export type LoadTarget = {
  /** `baseline`, `candidate`, … — the `target` of the samples. */
  name: string
  /** Base URL, `http://host:port` with an optional path prefix. */
  url: string
}

/** Everything one load run needs. */
export type LoadPlan = {
  targets: LoadTarget[]
  scenario: Scenario
  phases: LoadPhase[]
  /** Keep-alive connections per target. */
  connections: number
  /** Time a request may take from its send, ms; then it is aborted and counted as `timeout`. */
  timeoutMs: number
  /** Requests in flight per target; arrivals beyond it are counted as `dropped`, not queued. */
  maxInFlight: number
  /** Seed of the arrival times (Poisson) and of the request generators. */
  seed: number | string
  /** An arrival sent more than this behind its intended time counts as late (default 10 ms). */
  lateThresholdMs?: number
  /** After the last arrival, time allowed for in-flight requests to finish (default: `timeoutMs`). */
  drainTimeoutMs?: number
}

/** Counters of one target while the run goes on. */
export type TargetProgress = {
  name: string
  sent: number
  completed: number
  errors: number
  dropped: number
  inFlight: number
}

export type LoadProgress = {
  elapsedMs: number
  totalMs: number
  phase: string
  phaseIndex: number
  arrivals: number
  late: number
  targets: TargetProgress[]
  saturation: Saturation
}

export type LoadOptions = {
  /** Receives one sample per request and target (the aggregator, typically). */
  sink: SampleSink
  /** Aborting stops the run at once: in-flight requests are aborted and `runLoad` rejects. */
  signal: AbortSignal
  /** Called about once per `progressIntervalMs` (default 1000). */
  onProgress?: (progress: LoadProgress) => void
  progressIntervalMs?: number
  /** Called when a phase begins (to switch the proxy's fault rules, for instance). */
  onPhase?: (phase: LoadPhase, index: number) => void
  /** The generator's own Prometheus metrics, updated as the run goes. */
  metrics?: GeneratorMetrics
  logger?: Logger
}

/** Latency figures in milliseconds. */
export type LatencyStats = { mean: number; p50: number; p90: number; p99: number; p999: number; max: number }

/** Is the generator (not the service) the bottleneck? */
export type Saturation = {
  /** Event-loop delay of this process, ms (99th percentile and maximum over the run). */
  eventLoopDelayP99Ms: number
  eventLoopDelayMaxMs: number
  /** CPU time of this process per wall-clock time, percent of one core. */
  cpuPercent: number
  /** Share of arrivals sent later than the lateness threshold. */
  lateFraction: number
  saturated: boolean
  /** Why it is considered saturated (empty when it is not). */
  reasons: string[]
}

export type TargetResult = {
  name: string
  url: string
  /** Arrivals meant for this target (sent + dropped + unsent). */
  requests: number
  sent: number
  /** Requests that got an HTTP response. */
  responses: number
  /** Responses per second over the scheduled duration. */
  throughput: number
  /** From the intended start (coordinated-omission corrected); absent when nothing was measured. */
  latencyMs?: LatencyStats
  /** From the actual send (what the server alone took). */
  serviceTimeMs?: LatencyStats
  /** 5xx responses plus requests that failed without a response (including dropped). */
  errors: number
  errorRate: number
  /** Response counts by HTTP status. */
  byStatus: Record<number, number>
  byCause: Partial<Record<ErrorCause, number>>
  late: number
  dropped: number
  bytes: number
}

export type LoadResult = {
  /** Epoch ms of the intended start of the run. */
  startedAt: number
  /** Scheduled duration (sum of the phases), ms. */
  durationMs: number
  /** Wall-clock time the run took, including the drain, ms. */
  elapsedMs: number
  /** Arrivals fired (each went to every target). */
  arrivals: number
  /** Arrivals per second over the scheduled duration. */
  arrivalRate: number
  late: number
  /** Arrivals never fired because the hard deadline came first (a saturated generator). */
  unsent: number
  targets: TargetResult[]
  saturation: Saturation
}
