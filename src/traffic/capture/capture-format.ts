/**
 * @module traffic/capture/capture-format
 * The capture line format (JSON Lines, one exchange per line, `v: 1`): validation of a line,
 * serialisation, and the body codec (UTF-8 text kept as text, anything else base64, both cut at a
 * maximum size with a flag). Readers and writers live in `capture-reader.ts` / `capture-writer.ts`.
 */
import { isUtf8 } from 'node:buffer'
import { z } from 'zod'
import { RehearseError } from '../../core/errors.ts'
import { CAPTURE_FORMAT_VERSION, type CapturedBody, type CapturedExchange } from './capture.ts'
import { jsonErrorPosition, jsonErrorReason } from './json-position.ts'

/** Bodies larger than this are cut unless configured otherwise (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** First two bytes of every gzip stream (RFC 1952). */
export const GZIP_MAGIC = [0x1f, 0x8b] as const

/** True when the bytes start like a gzip stream. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const headers = z.record(z.string(), z.union([z.string(), z.array(z.string())]))
const body = z.object({
  encoding: z.enum(['utf8', 'base64']),
  data: z.string(),
  size: z.number().int().nonnegative(),
  truncated: z.literal(true).optional(),
  omitted: z.enum(['binary', 'not-captured']).optional(),
})

/** The schema every line of a capture file must satisfy. */
export const capturedExchangeSchema = z.object({
  v: z.literal(CAPTURE_FORMAT_VERSION, { error: `v must be ${CAPTURE_FORMAT_VERSION} (the capture format version)` }),
  id: z.string().min(1),
  at: z.iso.datetime({ offset: true, error: 'at must be an ISO-8601 time such as 2025-01-31T12:00:00.000Z' }),
  session: z.string().optional(),
  request: z.object({
    method: z.string().regex(TOKEN, { error: 'method must be an HTTP method such as GET' }),
    url: z.string().regex(/^(\/|\*$)/, { error: 'url must be a path starting with "/" (no scheme or host)' }),
    headers,
    body: body.optional(),
  }),
  response: z.object({ status: z.number().int().min(100).max(599), headers, body: body.optional() }).optional(),
  timing: z.object({ startedAtMs: z.number(), durationMs: z.number().nonnegative().optional() }),
})

/** One exchange as one line of JSON, newline included. */
export function serializeExchange(exchange: CapturedExchange): string {
  return `${JSON.stringify(exchange)}\n`
}

/** Parses and validates one line; throws `CAPTURE_MALFORMED` naming the file, line and path. */
export function parseCaptureLine(text: string, where: { file: string; line: number }): CapturedExchange {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    const { column } = jsonErrorPosition(error, text)
    throw malformed(`is not JSON: ${jsonErrorReason(error)}`, { ...where, column }, error)
  }
  const parsed = capturedExchangeSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('')
    throw malformed(`is not a capture exchange: ${issue.message}`, { ...where, ...(path ? { path } : {}) })
  }
  return parsed.data as CapturedExchange
}

function malformed(
  what: string,
  location: { file: string; line: number; column?: number; path?: string },
  cause?: unknown,
): RehearseError {
  return new RehearseError('CAPTURE_MALFORMED', `Line ${location.line} of ${location.file} ${what}.`, {
    location,
    hint: 'A capture file holds one JSON exchange per line (see docs/capture-and-diff.md); re-create it with `rehearse capture import` or fix that line.',
    cause,
  })
}

const TEXTUAL =
  /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|ecmascript|x-www-form-urlencoded|graphql|yaml|x-yaml|csv|x-ndjson|ld\+json)\b)/i

/** True for content types whose bodies are text (`text/*`, JSON, XML, forms, …). */
export function isTextualContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && TEXTUAL.test(contentType.trim())
}

/**
 * Encodes body bytes for a capture: UTF-8 text stays text, anything else becomes base64. Bodies
 * longer than `maxBytes` are cut (on a character boundary for text) and flagged `truncated`.
 */
export function encodeBody(
  bytes: Uint8Array,
  options: { contentType?: string | undefined; maxBytes?: number } = {},
): CapturedBody {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const truncated = buffer.length > maxBytes
  let kept = truncated ? buffer.subarray(0, maxBytes) : buffer
  const declaredBinary = options.contentType !== undefined && !isTextualContentType(options.contentType)
  // A cut may split a multi-byte character: back off to the last character start before testing UTF-8.
  if (truncated) kept = kept.subarray(0, utf8Boundary(kept))
  const text = !declaredBinary && isUtf8(kept)
  if (!text && truncated) kept = buffer.subarray(0, maxBytes)
  return {
    encoding: text ? 'utf8' : 'base64',
    data: kept.toString(text ? 'utf8' : 'base64'),
    size: buffer.length,
    ...(truncated ? { truncated: true as const } : {}),
  }
}

/** The length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length
  let back = 0
  while (end > 0 && back < 4 && ((bytes[end - 1] ?? 0) & 0xc0) === 0x80) {
    end--
    back++
  }
  if (end === 0) return bytes.length
  const lead = bytes[end - 1] ?? 0
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return need === back + 1 ? bytes.length : end - 1 + (need === 1 ? 1 : 0)
}

/** The bytes of a captured body (what was kept of it). */
export function decodeBody(body: CapturedBody): Buffer {
  return Buffer.from(body.data, body.encoding === 'utf8' ? 'utf8' : 'base64')
}

/** The first value of a header (headers are lower-cased in a capture). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}
