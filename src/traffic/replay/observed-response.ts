/**
 * @module traffic/replay/observed-response
 * A response as the replayer and the mirror hand it to whoever compares responses (the three-way
 * diff): status, headers and the body as text — decompressed, bounded, and for bodies that are
 * not text a digest of the bytes, so that two images compare equal or not without being text.
 */
import { createHash } from 'node:crypto'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import type { ErrorCause } from '../../core/types.ts'
import { isTextualContentType } from '../capture/capture-format.ts'
import type { BodyCopy } from '../proxy/body-tap.ts'

/** One target's answer to one request. */
export type ObservedResponse = {
  /** HTTP status; 0 when there was no response. */
  status: number
  /** Lower-case names. */
  headers: Record<string, string | string[]>
  /** The body as text (decompressed), or `sha256:<hex>` of a body that is not text; absent when empty. */
  text?: string
  /** Set when only the first bytes of the body were kept. */
  truncated?: true
  /** Why the request failed, when it did. */
  cause?: ErrorCause
  /** Request start to end of response, milliseconds. */
  ms?: number
}

/** Lower-case headers without undefined values. */
export function plainHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name.toLowerCase()] = value
  }
  return out
}

/** Builds the observed response from what a handler collected. */
export function observeResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: BodyCopy | undefined,
  extra: { cause?: ErrorCause | undefined; ms?: number; maxBytes: number },
): ObservedResponse {
  const plain = plainHeaders(headers)
  const out: ObservedResponse = { status, headers: plain }
  if (extra.cause !== undefined) out.cause = extra.cause
  if (extra.ms !== undefined) out.ms = extra.ms
  if (!body || body.total === 0) return out
  if (body.overflowed) out.truncated = true
  const bytes = decompress(body.bytes(), first(plain['content-encoding']), extra.maxBytes)
  const contentType = first(plain['content-type'])
  out.text =
    contentType !== undefined && !isTextualContentType(contentType)
      ? `sha256:${createHash('sha256').update(bytes).digest('hex')}`
      : bytes.toString('utf8')
  return out
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Inflates a gzip, deflate or brotli body (up to `max` bytes); anything else, or a broken stream, as it is. */
function decompress(bytes: Buffer, coding: string | undefined, max: number): Buffer {
  if (coding === undefined) return bytes
  const options = { maxOutputLength: Math.max(1, max) }
  try {
    const c = coding.trim().toLowerCase()
    if (c === 'gzip' || c === 'x-gzip') return gunzipSync(bytes, options)
    if (c === 'deflate') return inflateSync(bytes, options)
    if (c === 'br') return brotliDecompressSync(bytes, options)
  } catch {
    // A cut or corrupt stream: compare the bytes (every side got the same treatment).
  }
  return bytes
}
