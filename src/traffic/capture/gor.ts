/**
 * @module traffic/capture/gor
 * Reads GoReplay's file format (`gor --output-file`, optionally gzip): payloads separated by the
 * line `🐵🙈🙉`, each a header line `<type> <id> <timestamp-ns> [<latency-ns>]` (type 1 request,
 * 2 original response, 3 replayed response) followed by the raw HTTP/1.x message. Requests are
 * paired with their responses by id and emitted in file order; memory stays bounded because a
 * request waits for its response only among the last `maxPending` ones.
 */
import { abortError, RehearseError } from '../../core/errors.ts'
import type { CapturedExchange, CapturedHeaders } from './capture.ts'
import { encodeBody, headerValue } from './capture-format.ts'
import { openMaybeGzip } from './capture-reader.ts'
import { type ImportSourceOptions, type ImportTally, newTally, skip } from './import-source.ts'

/** GoReplay's payload separator: a line holding three monkeys. */
export const GOR_SEPARATOR = '\n🐵🙈🙉\n'
const SEPARATOR = Buffer.from(GOR_SEPARATOR)

export type GorOptions = ImportSourceOptions & {
  /** A payload larger than this is an error rather than buffered (default 64 MiB). */
  maxPayloadBytes?: number
  /** Requests waiting for their response before the oldest is written without one (default 10 000). */
  maxPending?: number
}

type Pending = { exchange: CapturedExchange; startNs: bigint; done: boolean }

/** Reads a GoReplay file as captured exchanges (not yet redacted or sampled). */
export async function* readGor(
  path: string,
  options: GorOptions = {},
  tally: ImportTally = newTally(),
): AsyncGenerator<CapturedExchange> {
  const { signal } = options
  const maxPayload = options.maxPayloadBytes ?? 64 * 1024 * 1024
  const maxPending = options.maxPending ?? 10_000
  const pending = new Map<string, Pending>()
  const { stream } = await openMaybeGzip(path, signal)
  let buffer: Buffer = Buffer.alloc(0)
  let line = 1

  function* flush(all: boolean): Generator<CapturedExchange> {
    for (const [id, entry] of pending) {
      if (!entry.done && !all && pending.size <= maxPending) return
      pending.delete(id)
      if (!entry.done) tally.withoutResponse++
      yield entry.exchange
    }
  }
  const handle = (payload: Buffer, startLine: number) => {
    const headerEnd = payload.indexOf(0x0a)
    const header = payload.subarray(0, headerEnd === -1 ? payload.length : headerEnd).toString('utf8')
    const meta = /^([123]) (\S+) (\d+)(?: (-?\d+))?(?: .*)?$/.exec(header.replace(/\r$/, ''))
    if (!meta) {
      throw invalid(
        path,
        startLine,
        `the payload header ${JSON.stringify(header.slice(0, 80))} is not "<type 1|2|3> <id> <timestamp-ns>"`,
      )
    }
    tally.read++
    const [, type, id, ts, latency] = meta as unknown as [string, string, string, string, string | undefined]
    if (type === '3') return skip(tally, 'replayed response (type 3)')
    const message = parseHttp(payload.subarray(headerEnd + 1), path, startLine + 1, type === '1', options.maxBodyBytes)
    if (type === '1') {
      const startNs = BigInt(ts)
      const startedAtMs = Number(startNs / 1000n) / 1000
      if (pending.has(id)) skip(tally, 'duplicate request id')
      pending.set(id, {
        startNs,
        done: false,
        exchange: {
          v: 1,
          id,
          at: new Date(startedAtMs).toISOString(),
          request: {
            method: message.method!,
            url: message.url!,
            headers: message.headers,
            ...(message.body ? { body: message.body } : {}),
          },
          timing: { startedAtMs },
        },
      })
      return
    }
    const entry = pending.get(id)
    if (!entry || entry.done) return skip(tally, 'response without request')
    entry.exchange.response = {
      status: message.status!,
      headers: message.headers,
      ...(message.body ? { body: message.body } : {}),
    }
    const durationMs = durationOf(entry.startNs, BigInt(ts), latency)
    if (durationMs !== undefined) entry.exchange.timing.durationMs = durationMs
    entry.done = true
  }

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (signal?.aborted) throw abortError(signal)
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
      let start = 0
      for (let at = buffer.indexOf(SEPARATOR); at !== -1; at = buffer.indexOf(SEPARATOR, start)) {
        const payload = buffer.subarray(start, at)
        if (payload.length) handle(payload, line)
        line += countNewlines(payload) + 2
        start = at + SEPARATOR.length
        yield* flush(false)
      }
      buffer = buffer.subarray(start)
      if (buffer.length > maxPayload) throw invalid(path, line, `a payload is longer than ${maxPayload} bytes`)
    }
    // The last payload may lack its separator (a file cut while gor was writing it).
    if (buffer.toString('utf8').trim() !== '') handle(buffer, line)
    yield* flush(true)
  } catch (error) {
    throw signal?.aborted ? abortError(signal) : error
  } finally {
    stream.destroy()
  }
}

function durationOf(startNs: bigint, ts: bigint, latency: string | undefined): number | undefined {
  if (latency !== undefined && !latency.startsWith('-')) return Number(BigInt(latency)) / 1e6
  // Older files put the round-trip time where the timestamp goes; newer ones the response time.
  if (ts < 10n ** 15n) return Number(ts) / 1e6
  return ts >= startNs ? Number(ts - startNs) / 1e6 : undefined
}

type HttpMessage = {
  method?: string
  url?: string
  status?: number
  headers: CapturedHeaders
  body?: ReturnType<typeof encodeBody>
}

function parseHttp(
  bytes: Buffer,
  file: string,
  firstLine: number,
  isRequest: boolean,
  maxBodyBytes?: number,
): HttpMessage {
  let headEnd = bytes.indexOf('\r\n\r\n')
  let sepLength = 4
  if (headEnd === -1) {
    headEnd = bytes.indexOf('\n\n')
    sepLength = 2
  }
  const head = bytes.subarray(0, headEnd === -1 ? bytes.length : headEnd).toString('latin1')
  const lines = head.split(/\r?\n/)
  const startLine = lines[0] ?? ''
  const message: HttpMessage = { headers: {} }
  if (isRequest) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/\d(?:\.\d)?$/.exec(startLine)
    if (!m)
      throw invalid(
        file,
        firstLine,
        `the request line ${JSON.stringify(startLine.slice(0, 80))} is not "METHOD /path HTTP/1.1"`,
      )
    message.method = m[1]!.toUpperCase()
    const target = m[2]!
    const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)(.*)$/i.exec(target)
    message.url = absolute ? absolute[2] || '/' : target
    if (absolute) message.headers['host'] = absolute[1]!
  } else {
    const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: .*)?$/.exec(startLine)
    if (!m)
      throw invalid(
        file,
        firstLine,
        `the status line ${JSON.stringify(startLine.slice(0, 80))} is not "HTTP/1.1 200 OK"`,
      )
    message.status = Number(m[1])
  }
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i]!
    const colon = text.indexOf(':')
    if (colon <= 0)
      throw invalid(file, firstLine + i, `the header line ${JSON.stringify(text.slice(0, 80))} has no "name: value"`)
    const name = text.slice(0, colon).trim().toLowerCase()
    // Header bytes are latin1 on the wire; re-read them as UTF-8 when that is what they were.
    const value = Buffer.from(text.slice(colon + 1).trim(), 'latin1').toString('utf8')
    const prev = message.headers[name]
    message.headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  let body: Buffer = headEnd === -1 ? Buffer.alloc(0) : bytes.subarray(headEnd + sepLength)
  if (/chunked/i.test(headerValue(message.headers, 'transfer-encoding') ?? '')) body = dechunk(body) ?? body
  if (body.length) {
    message.body = encodeBody(body, {
      contentType: headerValue(message.headers, 'content-type'),
      maxBytes: maxBodyBytes,
    })
  }
  return message
}

/** Decodes a chunked body; undefined when it is not well-formed (then the raw bytes are kept). */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = []
  let at = 0
  while (at < bytes.length) {
    const eol = bytes.indexOf('\r\n', at)
    if (eol === -1) return undefined
    const size = Number.parseInt(bytes.subarray(at, eol).toString('latin1').split(';')[0]!, 16)
    if (!Number.isFinite(size)) return undefined
    if (size === 0) return Buffer.concat(parts)
    parts.push(bytes.subarray(eol + 2, eol + 2 + size))
    at = eol + 2 + size + 2
  }
  return Buffer.concat(parts)
}

function countNewlines(bytes: Buffer): number {
  let n = 0
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++
  return n
}

function invalid(file: string, line: number, what: string): RehearseError {
  return new RehearseError('CAPTURE_GOR_INVALID', `Line ${line} of ${file}: ${what}.`, {
    location: { file, line },
    hint: 'Record again with `gor --output-file`, or remove the broken payload (payloads end with a line holding 🐵🙈🙉).',
  })
}
