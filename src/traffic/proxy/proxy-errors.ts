/**
 * @module traffic/proxy/proxy-errors
 * The errors that travel through the proxy's handlers (never thrown to a user: they end one
 * request) and the classification of upstream failures into a sample's `cause`.
 */
import type { ErrorCause } from '../../core/types.ts'

/** What the client's connection should suffer when a fault ends a request. */
export type ConnectionFault = 'reset' | 'close'

/** A fault rule ended the request: the client's connection is reset or closed. */
export class FaultError extends Error {
  override readonly name = 'FaultError'
  readonly connection: ConnectionFault
  constructor(connection: ConnectionFault, message: string) {
    super(message)
    this.connection = connection
  }
}

/** The client closed its connection before the response was complete. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError'
  constructor() {
    super('the client closed the connection')
  }
}

const CAUSE_BY_CODE: Record<string, ErrorCause> = {
  ECONNREFUSED: 'connect-refused',
  ECONNRESET: 'connect-reset',
  EPIPE: 'connect-reset',
  UND_ERR_SOCKET: 'connect-reset',
  UND_ERR_CLOSED: 'connect-reset',
  UND_ERR_DESTROYED: 'connect-reset',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  HPE_INVALID_CONSTANT: 'protocol',
  UND_ERR_INVALID_ARG: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_NOT_SUPPORTED: 'protocol',
}

/** Why a request to an upstream failed, from the error undici (or the proxy) raised. */
export function classifyCause(error: Error): ErrorCause {
  if (error instanceof FaultError) return 'fault-injected'
  if (error instanceof ClientClosedError) return 'socket-closed'
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') {
    const cause = CAUSE_BY_CODE[code]
    if (cause) return cause
    if (code.startsWith('HPE_')) return 'protocol'
  }
  // undici wraps socket failures; the first cause with a known code decides.
  if (error.cause instanceof Error) return classifyCause(error.cause)
  return 'other'
}

/** The status the proxy answers with when the upstream failed before responding. */
export function statusForCause(cause: ErrorCause): number {
  return cause === 'timeout' ? 504 : 502
}
