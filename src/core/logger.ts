/**
 * @module core/logger
 * The structured logger every module receives (pino). Modules take a `Logger` as a parameter;
 * none creates its own or writes to the console.
 */
import { pino } from 'pino'

/** The subset of pino's logger that Rehearse uses. */
export interface Logger {
  debug(obj: object | string, msg?: string): void
  info(obj: object | string, msg?: string): void
  warn(obj: object | string, msg?: string): void
  error(obj: object | string, msg?: string): void
  child(bindings: Record<string, unknown>): Logger
}

/** A logger writing JSON lines to a file descriptor or path; `silent` discards everything. */
export function createLogger(options: { level?: string; destination?: string | number } = {}): Logger {
  const level = options.level ?? process.env['REHEARSE_LOG_LEVEL'] ?? 'info'
  if (level === 'silent' || options.destination === undefined) return pino({ level: 'silent' })
  return pino({ level }, pino.destination({ dest: options.destination, sync: false, mkdir: true }))
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = pino({ level: 'silent' })
