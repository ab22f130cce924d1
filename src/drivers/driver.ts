/**
 * @module drivers/driver
 * The boundary every environment driver implements (DESIGN.md, "Environments"): turn a plan of
 * services into running things, report on them, stream their logs and take them down again.
 * `local` runs processes on this machine; `kubernetes` (later) runs the same plan on a cluster.
 * Types only; the contract does not import third-party types.
 */

/** How a driver decides that a service is ready. Exactly one of http, tcp, command is set. */
export type HealthCheck = {
  /** Path for an HTTP GET on the service's own address; 2xx and 3xx mean healthy. */
  http?: string
  /** Healthy as soon as the port accepts a TCP connection. */
  tcp?: boolean
  /** A shell command run in the service's cwd; exit 0 means healthy. */
  command?: string
  /** Time between probes, milliseconds. */
  intervalMs: number
  /** How long the service has to become healthy after it was started, milliseconds. */
  timeoutMs: number
}

/** One process-like thing to run: a service, or one version of it (`api@candidate`). */
export type ServicePlan = {
  /** Unique within the plan: the spec's service name, or `service@version` for a versioned instance. */
  instance: string
  /** The service's name in the spec. */
  service: string
  /** `baseline` / `candidate` for a versioned instance; absent for a shared one. */
  version?: string
  /** Shell command (run with `/bin/sh -c`) for the local driver. */
  command?: string
  /** Container image for cluster drivers. */
  image?: string
  /** Absolute working directory. */
  cwd: string
  /** The complete environment the service gets on top of the driver's own (PORT and HOST included). */
  env: Record<string, string>
  /** Host and port the service must listen on; the plan was allocated before it was resolved. */
  host: string
  port: number
  health: HealthCheck
  /** Instances (by `instance` name) that must be healthy before this one starts. */
  dependsOn: string[]
  /** SIGTERM → SIGKILL grace period when stopping, milliseconds. */
  stopGraceMs: number
}

/** Everything a driver needs to bring an environment up. */
export type EnvironmentPlan = {
  /** Unique id of this environment (the rehearsal id, or `env_…` for `rehearse up`). */
  id: string
  /** The project's name from the spec. */
  project: string
  /** Directory where the driver keeps its records and the services' log files. */
  stateDir: string
  services: ServicePlan[]
}

/** Where a service will listen, decided before anything starts. */
export type Address = { host: string; port: number }

/** What a driver hands back from `up`; enough for `status`, `logs` and `down`, also in another process. */
export type EnvironmentHandle = {
  id: string
  driver: string
  stateDir: string
}

/**
 * `starting`: started, not yet healthy. `healthy`: passed its health check and still runs.
 * `unhealthy`: did not pass its health check in time (and was stopped). `exited`: ended by itself
 * before it was healthy. `crashed`: ended by itself after it was healthy (exit code and signal are
 * known only if the process that ran `up` saw it happen). `stopped`: stopped by `down`, or by a
 * failed `up` (also an instance that never got to start).
 */
export type ServiceState = 'starting' | 'healthy' | 'unhealthy' | 'exited' | 'crashed' | 'stopped'

export type ServiceStatus = {
  instance: string
  state: ServiceState
  pid?: number
  host: string
  port: number
  /** ISO time of the last state change. */
  since: string
  exitCode?: number | null
  signal?: string | null
}

export type LogLine = {
  instance: string
  stream: 'stdout' | 'stderr'
  /**
   * ISO time. Drivers whose services write their own log files cannot stamp each line: the local
   * driver gives the file's modification time for lines already written, and the time a followed
   * line was read.
   */
  at: string
  line: string
}

/** Events a driver reports while an environment runs (the pipeline turns them into rehearsal events). */
export type DriverEvent =
  | { type: 'service.starting'; instance: string; pid?: number; port: number }
  | { type: 'service.ready'; instance: string; ms: number }
  | { type: 'service.crashed'; instance: string; exitCode: number | null; signal: string | null; lastLines: string[] }
  | { type: 'service.stopped'; instance: string }

export type UpOptions = {
  signal: AbortSignal
  /** Called for every driver event, synchronously; must not throw. */
  onEvent?: (event: DriverEvent) => void
}

export type LogOptions = {
  /** Keep yielding lines as they are written, until `signal` aborts or the environment is down. */
  follow?: boolean
  /** Only the last N lines of each stream (stdout, stderr) of each selected instance. */
  tail?: number
  signal?: AbortSignal
}

export interface EnvironmentDriver {
  /** `local`, `kubernetes`, … */
  readonly name: string
  /**
   * Decides the address of every instance before any starts, so that services can be told each
   * other's URLs. `requested` is the spec's port (a number) or `auto`. Fails with
   * DRIVER_PORT_IN_USE when a fixed port is taken.
   */
  allocate(
    services: ReadonlyArray<{ instance: string; port: number | 'auto' }>,
    signal: AbortSignal,
  ): Promise<Map<string, Address>>
  /**
   * Starts every service in dependency order (independent ones in parallel) and resolves once all
   * are healthy. On failure it stops what it started before it rejects (DRIVER_UNHEALTHY names the
   * service and carries its last log lines; DRIVER_SPAWN_FAILED; DRIVER_PORT_IN_USE).
   */
  up(plan: EnvironmentPlan, options: UpOptions): Promise<EnvironmentHandle>
  /** The current state of every instance. Works from another process, from the driver's records. */
  status(handle: EnvironmentHandle): Promise<ServiceStatus[]>
  /** Log lines of one instance (or every instance when `instance` is undefined), optionally following. */
  logs(handle: EnvironmentHandle, instance: string | undefined, options?: LogOptions): AsyncIterable<LogLine>
  /**
   * Stops everything the environment started: SIGTERM to each process group, SIGKILL after the
   * grace period. Idempotent; works after the process that called `up` was killed, from the
   * driver's own records, and never signals a process it did not start.
   */
  down(handle: EnvironmentHandle): Promise<void>
  /** Finds environments recorded under `stateRoot` (for `rehearse down` / `status` without an id). */
  list(stateRoot: string): Promise<EnvironmentHandle[]>
}
