/**
 * @module rehearsal/step
 * A rehearsal is a pipeline of steps (DESIGN.md). Each step reads what earlier steps left in the
 * state, does its work and emits events; the state is a convenience for the steps of one run, the
 * event log is the record.
 */
import type { Logger } from '../core/logger.ts'
import type { VersionName } from '../core/types.ts'
import type { Address, EnvironmentDriver, EnvironmentHandle, EnvironmentPlan } from '../drivers/driver.ts'
import type { GateOutcome, SmokeResult } from '../gates/gate.ts'
import type { LoadedSpec } from '../spec/load-spec.ts'
import type { Store } from '../store/store.ts'
import type { SampleAggregator } from '../telemetry/sample-aggregator.ts'
import type { ProxyHandle } from '../traffic/proxy/proxy.ts'
import type { EventLog } from './event-log.ts'
import type { InstanceSpec } from './plan-environment.ts'
import type { RehearsalSpec } from './rehearsal-spec.ts'

/** What the steps of one run hand each other. */
export type RehearsalState = {
  /** What provision decided runs (addresses and references are resolved by deploy). */
  instances?: InstanceSpec[]
  /** Labels per version (a git ref's name and commit), for `${version.label}`. */
  labels?: Partial<Record<VersionName, string>>
  /** Where each version's files are (a git worktree for a version with a `ref`). */
  roots?: Partial<Record<VersionName, string>>
  /** Values of `${data.*}` references, set by the data step (empty strings when it skipped). */
  dataValues?: Record<string, string>
  plan?: EnvironmentPlan
  /** Where the proxy in front of each instance listens (when the spec has traffic). */
  proxyAddresses?: Map<string, Address>
  /** The running proxies, by instance. */
  proxies?: Map<string, ProxyHandle>
  handle?: EnvironmentHandle
  /** What the load generator measured (the canary's evidence) and what the proxies saw. */
  telemetry?: { load: SampleAggregator; proxies: SampleAggregator; judgedFromMs: number; judgedToMs: number }
  /** Base URL per version of the service that receives traffic and smoke requests. */
  targets?: { service: string; urls: Record<string, string>; proxied?: Record<string, string> }
  smoke?: SmokeResult[]
  /** Evidence gathered by traffic and analysis, by gate kind. */
  evidence: Record<string, unknown>
  gates?: GateOutcome[]
  /** Set when a service crashed while the rehearsal ran. */
  crash?: {
    instance: string
    version: string | undefined
    exitCode: number | null
    signal: string | null
    lastLines: string[]
  }
}

export type StepContext = {
  rehearsalId: string
  /** Id of the environment the run brings up: the rehearsal's, or a new one when it is resumed. */
  environmentId: string
  loaded: LoadedSpec<RehearsalSpec>
  spec: RehearsalSpec
  driver: EnvironmentDriver
  store: Store
  events: EventLog
  logger: Logger
  /** `.rehearse/` of the project. */
  stateRoot: string
  state: RehearsalState
  /** Stops the run with this reason (a crash noticed while a step waits on something else). */
  abortRun(reason: unknown): void
}

export interface Step {
  readonly name: string
  /** A reason to skip the step for this spec (e.g. no traffic section), or undefined to run it. */
  skip?(ctx: StepContext): string | undefined
  /**
   * Does the step's work. A step that finds out only while running that it cannot apply (the
   * data step, when an optional database is not reachable) returns `{ skipped: reason }`.
   */
  run(ctx: StepContext, signal: AbortSignal): Promise<undefined | { skipped: string }>
}
