/**
 * @module traffic/capture/capture
 * The capture boundary: what one recorded HTTP exchange looks like, and the readers and writers
 * that move exchanges in and out of capture files (JSON Lines, optionally gzip). The proxy's
 * recorder, the HAR and GoReplay importers and the replayer all meet here. Types only, plus the
 * constant lists they derive from.
 */

/** Version of the line format; a reader refuses lines of another version. */
export const CAPTURE_FORMAT_VERSION = 1

/** Header names are lower case; a header seen more than once (set-cookie) holds an array. */
export type CapturedHeaders = Record<string, string | string[]>

/** Why a body holds no data although the exchange had one. */
export type OmittedReason = 'binary' | 'not-captured'

/** A request or response body as stored in a capture. */
export type CapturedBody = {
  /** `utf8`: `data` is the text itself; `base64`: `data` is the bytes, base64-encoded. */
  encoding: 'utf8' | 'base64'
  data: string
  /** Byte length of the body as it was on the wire (decompressed), before truncation and redaction. */
  size: number
  /** Set when `data` holds only the first `maxBodyBytes` of the body. */
  truncated?: true
  /** Set when the body was left out on purpose; `data` is then empty. */
  omitted?: OmittedReason
}

export type CapturedRequest = {
  method: string
  /** Path and query, as sent (`/products?page=2`); never scheme or host. */
  url: string
  headers: CapturedHeaders
  body?: CapturedBody
}

export type CapturedResponse = {
  status: number
  headers: CapturedHeaders
  body?: CapturedBody
}

/** One request and its response, one line of a capture file. */
export type CapturedExchange = {
  v: typeof CAPTURE_FORMAT_VERSION
  /** Unique within the capture. */
  id: string
  /** ISO-8601 time the request started. */
  at: string
  /** Requests of one session are replayed in order; a keyed token, never a raw session value. */
  session?: string
  request: CapturedRequest
  /** Absent when the response was not recorded (a failed request, a request-only GoReplay file). */
  response?: CapturedResponse
  timing: {
    /** Epoch milliseconds at which the request started (may carry a fraction). */
    startedAtMs: number
    /** Request start to end of response, milliseconds; absent when unknown. */
    durationMs?: number
  }
}

/** An exchange as a reader yields it, with the 1-based line it came from. */
export type CaptureRecord = { line: number; exchange: CapturedExchange }

/** Streams the exchanges of a capture file with bounded memory. */
export interface CaptureReader extends AsyncIterable<CaptureRecord> {
  /** The file being read, as the caller named it. */
  readonly path: string
}

/**
 * Writes exchanges to a temporary file next to `path` and renames it into place on `close`, so
 * that `path` is never seen half-written. After an error or `abort` nothing is left behind.
 */
export interface CaptureWriter {
  /** The final path of the capture. */
  readonly path: string
  /** Exchanges written so far. */
  readonly count: number
  /** Bytes accepted but not yet handed to the file (what backpressure would hold in memory). */
  readonly bufferedBytes: number
  /** Appends one exchange. Resolves at once unless the file is behind (backpressure). */
  write(exchange: CapturedExchange): Promise<void>
  /** Flushes, closes and renames the file into place. Idempotent. */
  close(): Promise<void>
  /** Discards everything written; `path` is left untouched. Idempotent. */
  abort(): Promise<void>
}

/** Rules a redactor applies, as named in tokens (`redacted:<rule>:…`) and in summaries. */
export const REDACTION_RULES = [
  'authorization',
  'cookie',
  'set-cookie',
  'header',
  'query',
  'json-path',
  'form-field',
  'email',
  'phone',
  'card',
  'iban',
  'jwt',
  'bearer',
  'binary-body',
] as const
export type RedactionRule = (typeof REDACTION_RULES)[number]

/** How many values each rule replaced. */
export type RedactionSummary = Partial<Record<RedactionRule, number>>

/** Replaces secrets and personal values in exchanges by keyed tokens, consistently within a capture. */
export interface Redactor {
  /** A redacted copy of the exchange; the input is not modified. */
  redactExchange(exchange: CapturedExchange): CapturedExchange
  /** Redacts personal values and credentials found anywhere in a piece of text. */
  redactText(text: string): string
  /** Counts per rule since the redactor was created. */
  summary(): RedactionSummary
}

/** Lower-cased header lookup used by samplers (a Node `IncomingHttpHeaders` fits). */
export type HeaderLookup = Record<string, string | string[] | undefined>

/** Decides whether a request is recorded. */
export interface Sampler {
  /** True when the request with these (lower-cased) headers is recorded. */
  sample(headers: HeaderLookup): boolean
}
