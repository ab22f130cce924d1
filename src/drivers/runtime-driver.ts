/**
 * @module drivers/runtime-driver
 * The lifecycle guards every environment driver gets, in one place (as Kysely's RuntimeDriver
 * wraps each dialect's driver): a plan is checked before any driver sees it; an environment id
 * is brought up at most once per process; `down` is idempotent, and concurrent calls share one
 * stop; `down` during `up` aborts the `up` first, so nothing starts after the stop; a listener
 * that throws cannot break a driver; and if a driver's `up` rejects without cleaning up after
 * itself, `down` does it.
 */
import { RehearseError, throwIfAborted } from '../core/errors.ts'
import { type Logger, silentLogger } from '../core/logger.ts'
import type {
  Address,
  DriverEvent,
  EnvironmentDriver,
  EnvironmentHandle,
  EnvironmentPlan,
  LogLine,
  LogOptions,
  ServiceStatus,
  UpOptions,
} from './driver.ts'
import { checkPlan } from './plan-order.ts'

type UpInProgress = { controller: AbortController; settled: Promise<void> }

export class RuntimeDriver implements EnvironmentDriver {
  readonly #driver: EnvironmentDriver
  readonly #logger: Logger
  /** Every id this process has brought up (or is bringing up): an id goes up once. */
  readonly #ups = new Map<string, UpInProgress>()
  /** The one stop of each id, shared by every caller. */
  readonly #downs = new Map<string, Promise<void>>()

  constructor(driver: EnvironmentDriver, options: { logger?: Logger } = {}) {
    this.#driver = driver
    this.#logger = options.logger ?? silentLogger
  }

  get name(): string {
    return this.#driver.name
  }

  async allocate(
    services: ReadonlyArray<{ instance: string; port: number | 'auto' }>,
    signal: AbortSignal,
  ): Promise<Map<string, Address>> {
    throwIfAborted(signal)
    const seen = new Set<string>()
    for (const { instance } of services) {
      if (seen.has(instance)) throw new RehearseError('INTERNAL', `allocate() was given "${instance}" twice.`)
      seen.add(instance)
    }
    return this.#driver.allocate(services, signal)
  }

  async up(plan: EnvironmentPlan, options: UpOptions): Promise<EnvironmentHandle> {
    throwIfAborted(options.signal)
    checkPlan(plan)
    if (this.#ups.has(plan.id)) {
      throw new RehearseError('DRIVER_ENVIRONMENT_EXISTS', `Environment "${plan.id}" was already brought up.`, {
        hint: 'An environment goes up once; bring up a new one under a new id.',
        details: { id: plan.id },
      })
    }
    const controller = new AbortController()
    const signal = AbortSignal.any([options.signal, controller.signal])
    const onEvent = options.onEvent
    const logger = this.#logger
    const emit = (event: DriverEvent): void => {
      try {
        onEvent?.(event)
      } catch (error) {
        logger.error({ err: error, event: event.type }, 'a driver event listener threw')
      }
    }
    const running = this.#driver.up(plan, { signal, onEvent: emit })
    this.#ups.set(plan.id, { controller, settled: running.then(noop, noop) })
    try {
      return await running
    } catch (error) {
      if (!(error instanceof RehearseError && error.code === 'DRIVER_ENVIRONMENT_EXISTS')) {
        // Drivers stop what they started before rejecting; this makes sure of it.
        await this.#driver.down(handleOf(plan, this.name)).catch((cleanup: unknown) => {
          if (!(cleanup instanceof RehearseError && cleanup.code === 'DRIVER_NO_ENVIRONMENT')) {
            logger.warn({ err: cleanup, id: plan.id }, 'cleanup after a failed up failed')
          }
        })
      }
      throw error
    }
  }

  async status(handle: EnvironmentHandle): Promise<ServiceStatus[]> {
    this.#check(handle)
    return this.#driver.status(handle)
  }

  async *logs(handle: EnvironmentHandle, instance: string | undefined, options?: LogOptions): AsyncIterable<LogLine> {
    this.#check(handle)
    yield* this.#driver.logs(handle, instance, options)
  }

  down(handle: EnvironmentHandle): Promise<void> {
    try {
      this.#check(handle)
    } catch (error) {
      return Promise.reject(error)
    }
    let stopping = this.#downs.get(handle.id)
    if (!stopping) {
      stopping = this.#stop(handle)
      this.#downs.set(handle.id, stopping)
      // A failed stop may be retried; a finished one stays a no-op.
      stopping.catch(() => this.#downs.delete(handle.id))
    }
    return stopping
  }

  list(stateRoot: string): Promise<EnvironmentHandle[]> {
    return this.#driver.list(stateRoot)
  }

  async #stop(handle: EnvironmentHandle): Promise<void> {
    const up = this.#ups.get(handle.id)
    if (up) {
      up.controller.abort(new RehearseError('INTERRUPTED', `Environment "${handle.id}" is being taken down.`))
      await up.settled
    }
    await this.#driver.down(handle)
  }

  #check(handle: EnvironmentHandle): void {
    if (handle.driver !== this.name) {
      throw new RehearseError(
        'DRIVER_NO_ENVIRONMENT',
        `Environment "${handle.id}" was started by the "${handle.driver}" driver, not "${this.name}".`,
        { hint: `Use the ${handle.driver} driver to manage it.`, details: { id: handle.id, driver: handle.driver } },
      )
    }
  }
}

/** The handle of a plan's environment, as `up` returns it: enough to stop it even if `up` never returned. */
export function handleOf(plan: EnvironmentPlan, driver: string): EnvironmentHandle {
  return { id: plan.id, driver, stateDir: plan.stateDir }
}

function noop(): void {}
