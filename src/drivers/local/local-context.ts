/**
 * @module drivers/local/local-context
 * What one local driver object remembers in memory about the environments its process started:
 * the child processes (whose exits only this process can observe) and where to report events.
 * Everything another process needs is in the records instead.
 */
import type { ChildProcess } from 'node:child_process'
import type { Logger } from '../../core/logger.ts'
import type { DriverEvent } from '../driver.ts'

/** An environment started by this process. */
export type Session = {
  id: string
  stateDir: string
  /** Set when this process stops the environment: exits are then stops, not crashes. */
  stopping: boolean
  children: Map<string, ChildProcess>
  emit: (event: DriverEvent) => void
}

export type LocalContext = {
  logger: Logger
  /** By absolute stateDir. */
  sessions: Map<string, Session>
}

/** Calls a listener that must not throw, and keeps the driver running if it does anyway. */
export function safeEmitter(
  onEvent: ((event: DriverEvent) => void) | undefined,
  logger: Logger,
): (event: DriverEvent) => void {
  if (!onEvent) return () => {}
  return (event) => {
    try {
      onEvent(event)
    } catch (error) {
      logger.error({ err: error, event: event.type }, 'a driver event listener threw')
    }
  }
}
