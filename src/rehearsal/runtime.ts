/**
 * @module rehearsal/runtime
 * What a command needs to do its work: the store and the environment driver, opened for one
 * project directory and closed together.
 */

import { join } from 'node:path'
import { createLogger, type Logger } from '../core/logger.ts'
import type { EnvironmentDriver } from '../drivers/driver.ts'
import { createLocalDriver } from '../drivers/local/local-driver.ts'
import { RuntimeDriver } from '../drivers/runtime-driver.ts'
import { openStore } from '../store/open-store.ts'
import type { Store } from '../store/store.ts'
import { stateRootOf } from './environment.ts'

export type Runtime = { store: Store; driver: EnvironmentDriver; logger: Logger; close(): Promise<void> }

/** The driver alone (environment commands need no store). */
export function openDriver(cwd: string, logger: Logger = runtimeLogger(cwd)): EnvironmentDriver {
  // Every driver runs behind the one wrapper that owns the lifecycle guards (CONVENTIONS.md).
  return new RuntimeDriver(createLocalDriver({ logger }), { logger })
}

/** A logger writing JSON lines to `.rehearse/rehearse.log` (never to the terminal). */
export function runtimeLogger(cwd: string): Logger {
  return createLogger({ destination: join(stateRootOf(cwd), 'rehearse.log') })
}

export async function openRuntime(cwd: string): Promise<Runtime> {
  const logger = runtimeLogger(cwd)
  const store = await openStore({ cwd, logger })
  return {
    store,
    driver: openDriver(cwd, logger),
    logger,
    close: () => store.close(),
  }
}
