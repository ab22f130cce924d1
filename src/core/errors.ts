/**
 * @module core/errors
 * The one error family of Rehearse. Inside the code, throw a `RehearseError` and let it rise; only
 * the edges (the CLI, the HTTP server) translate it into output and an exit code or HTTP status.
 */
import { ERROR_CODES, type ErrorCode } from './error-codes.ts'

/** Where in the user's input an error points. Every field is optional: say what is known. */
export type ErrorLocation = {
  /** Path of the file, as the user named it (relative paths stay relative). */
  file?: string
  /** 1-based line and column in that file. */
  line?: number
  column?: number
  /** Path inside the document, dotted: `services.api.health.http`. */
  path?: string
}

export type RehearseErrorOptions = {
  hint?: string
  location?: ErrorLocation
  details?: Record<string, unknown>
  cause?: unknown
}

/** An expected failure: it carries a stable code, a sentence, a hint and where it happened. */
export class RehearseError extends Error {
  override readonly name = 'RehearseError'
  readonly code: ErrorCode
  readonly hint: string | undefined
  readonly location: ErrorLocation | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, options: RehearseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.hint = options.hint
    this.location = options.location
    this.details = options.details
  }

  /** The process exit code this error maps to: 2 for bad input, 3 for infrastructure. */
  get exitCode(): 2 | 3 {
    return ERROR_CODES[this.code].exit
  }

  /** A plain object for `--json` output, logs and the HTTP API. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.location ? { location: this.location } : {}),
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

export function isRehearseError(error: unknown): error is RehearseError {
  return error instanceof RehearseError
}

/** `file:line:column` (or as much of it as is known), for messages. */
export function formatLocation(location: ErrorLocation | undefined): string {
  if (!location) return ''
  let where = location.file ?? ''
  if (location.line !== undefined) where += `${where ? ':' : 'line '}${location.line}`
  if (location.line !== undefined && location.column !== undefined) where += `:${location.column}`
  if (location.path) where += `${where ? ' ' : ''}at ${location.path}`
  return where
}

/** An AbortSignal's reason as a RehearseError (Ctrl-C and timeouts arrive this way). */
export function abortError(signal: AbortSignal): RehearseError {
  const reason: unknown = signal.reason
  if (reason instanceof RehearseError) return reason
  return new RehearseError('INTERRUPTED', 'The operation was interrupted.', { cause: reason })
}

/** Throws the signal's reason as a RehearseError if it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal)
}
