/**
 * @module traffic/load/error-cause
 * Maps the errors undici and Node's sockets raise to the few `ErrorCause`s a report shows.
 */
import type { ErrorCause } from '../../core/types.ts'

const BY_CODE: Record<string, ErrorCause> = {
  ECONNREFUSED: 'connect-refused',
  ECONNRESET: 'connect-reset',
  EPIPE: 'connect-reset',
  ECONNABORTED: 'connect-reset',
  UND_ERR_SOCKET: 'socket-closed',
  UND_ERR_CLOSED: 'socket-closed',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  UND_ERR_HEADERS_OVERFLOW: 'protocol',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'protocol',
  UND_ERR_INFO: 'protocol',
  UND_ERR_RESPONSE: 'protocol',
}

/** The cause of a failed request, from its error (and the error's `cause`, one level down). */
export function errorCauseOf(error: unknown): ErrorCause {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    // A socket closed by a reset arrives as UND_ERR_SOCKET with the reset underneath.
    const inner = (error as { cause?: { code?: unknown } }).cause?.code
    if (code === 'UND_ERR_SOCKET' && typeof inner === 'string' && BY_CODE[inner]) return BY_CODE[inner]
    if (BY_CODE[code]) return BY_CODE[code]
    if (code.startsWith('HPE_')) return 'protocol' // llhttp could not parse the response
  }
  const inner = (error as { cause?: unknown } | null)?.cause
  if (inner && inner !== error && typeof inner === 'object') {
    const innerCode = (inner as { code?: unknown }).code
    if (typeof innerCode === 'string' && BY_CODE[innerCode]) return BY_CODE[innerCode]
  }
  return 'other'
}
