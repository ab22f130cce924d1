/**
 * @module traffic/capture/har
 * Reads HAR 1.2 files as browsers' devtools (Chrome "Save all as HAR") and Playwright
 * (`recordHar`, embedded or attached content) write them, and turns each entry into a captured
 * exchange. HAR content is already decoded, so `content-encoding` is dropped; base64 content and
 * Playwright's attached `_file` resources are read; HTTP/2 pseudo-headers become `host`; redirects
 * stay separate exchanges, as the browser sent them. A HAR is one JSON document, so it is read
 * whole; a browser session is one session of the capture.
 */
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { text as streamText } from 'node:stream/consumers'
import { z } from 'zod'
import { abortError, RehearseError } from '../../core/errors.ts'
import type { CapturedBody, CapturedExchange, CapturedHeaders } from './capture.ts'
import { encodeBody } from './capture-format.ts'
import { openMaybeGzip } from './capture-reader.ts'
import { type ImportSourceOptions, type ImportTally, newTally, skip } from './import-source.ts'
import { jsonErrorPosition, jsonErrorReason } from './json-position.ts'

const nameValue = z.object({ name: z.string(), value: z.string() })
const harEntry = z.object({
  startedDateTime: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'not a date' }),
  time: z.number().optional(),
  request: z.object({
    method: z.string().min(1),
    url: z.string().min(1),
    headers: z.array(nameValue),
    cookies: z.array(nameValue).optional(),
    postData: z
      .object({
        mimeType: z.string().optional(),
        text: z.string().optional(),
        encoding: z.string().optional(),
        params: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
        _file: z.string().optional(),
      })
      .optional(),
    bodySize: z.number().optional(),
  }),
  response: z.object({
    status: z.number(),
    headers: z.array(nameValue),
    content: z
      .object({
        size: z.number().optional(),
        mimeType: z.string().optional(),
        text: z.string().optional(),
        encoding: z.string().optional(),
        _file: z.string().optional(),
      })
      .optional(),
  }),
})
type HarEntry = z.infer<typeof harEntry>

/** Reads the entries of a HAR file as captured exchanges (not yet redacted or sampled). */
export async function* readHar(
  path: string,
  options: ImportSourceOptions = {},
  tally: ImportTally = newTally(),
): AsyncGenerator<CapturedExchange> {
  const { signal } = options
  const { stream } = await openMaybeGzip(path, signal)
  let text: string
  try {
    text = await streamText(stream)
  } catch (error) {
    throw signal?.aborted ? abortError(signal) : error
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    const { line, column } = jsonErrorPosition(error, text)
    throw invalid(path, `is not valid JSON: ${jsonErrorReason(error)}`, { line, column }, error)
  }
  const log = (doc as { log?: { entries?: unknown; creator?: { name?: unknown; version?: unknown } } } | null)?.log
  if (!log || typeof log !== 'object' || !Array.isArray(log.entries)) {
    throw invalid(path, 'has no log.entries array, so it is not a HAR file', { path: 'log.entries' })
  }
  if (typeof log.creator?.name === 'string')
    tally.creator = `${log.creator.name} ${String(log.creator.version ?? '')}`.trim()
  const session = `har:${basename(path)}`
  const entries = log.entries as unknown[]
  for (let i = 0; i < entries.length; i++) {
    if (signal?.aborted) throw abortError(signal)
    tally.read++
    const parsed = harEntry.safeParse(entries[i])
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      const where = `log.entries[${i}]${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`
      throw invalid(path, `entry ${i} is not a HAR 1.2 entry: ${where}: ${issue.message}`, { path: where })
    }
    const exchange = await toExchange(parsed.data, i, path, session, options, tally)
    if (exchange) yield exchange
  }
}

async function toExchange(
  entry: HarEntry,
  index: number,
  harPath: string,
  session: string,
  options: ImportSourceOptions,
  tally: ImportTally,
): Promise<CapturedExchange | undefined> {
  let url: URL
  try {
    url = new URL(entry.request.url)
  } catch (error) {
    throw invalid(
      harPath,
      `entry ${index} has a request url that is not a URL`,
      { path: `log.entries[${index}].request.url` },
      error,
    )
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    skip(tally, 'not http(s)')
    return undefined
  }
  if (options.origins && !options.origins.includes(url.origin)) {
    skip(tally, 'other origin')
    return undefined
  }
  const startedAtMs = Date.parse(entry.startedDateTime)
  const reqHeaders = toHeaders(entry.request.headers)
  reqHeaders['host'] ??= url.host
  const cookies = entry.request.cookies ?? []
  // Some exporters list cookies only in `cookies`; the capture keeps them where a server reads them.
  if (reqHeaders['cookie'] === undefined && cookies.length) {
    reqHeaders['cookie'] = cookies.map((c) => `${c.name}=${c.value}`).join('; ')
  }
  const where = (field: string) => ({ path: `log.entries[${index}].${field}` })
  const post = entry.request.postData
  let reqBody: CapturedBody | undefined
  if (post) {
    const bytes = post._file
      ? await attached(harPath, post._file, where('request.postData._file'))
      : post.text
        ? Buffer.from(post.text, post.encoding === 'base64' ? 'base64' : 'utf8')
        : post.params?.length
          ? Buffer.from(
              post.params.map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(p.value ?? '')}`).join('&'),
            )
          : undefined
    if (bytes) reqBody = encodeBody(bytes, { contentType: post.mimeType, maxBytes: options.maxBodyBytes })
    else if ((entry.request.bodySize ?? 0) > 0) reqBody = notCaptured(entry.request.bodySize ?? 0)
  }
  const exchange: CapturedExchange = {
    v: 1,
    id: `har-${index + 1}`,
    at: new Date(startedAtMs).toISOString(),
    session,
    request: {
      method: entry.request.method.toUpperCase(),
      url: `${url.pathname}${url.search}`,
      headers: reqHeaders,
      ...(reqBody ? { body: reqBody } : {}),
    },
    timing: { startedAtMs, ...(entry.time !== undefined && entry.time >= 0 ? { durationMs: entry.time } : {}) },
  }
  const { status, content } = entry.response
  // Playwright writes -1 and Chrome 0 for a request that got no response (blocked, aborted, failed).
  if (status < 100 || status > 599) {
    tally.withoutResponse++
    return exchange
  }
  const resHeaders = toHeaders(entry.response.headers)
  // HAR content is decoded ("decompressed & unchunked"): the original coding and length no longer apply.
  delete resHeaders['content-encoding']
  delete resHeaders['content-length']
  let resBody: CapturedBody | undefined
  if (content?._file) {
    const bytes = await attached(harPath, content._file, where('response.content._file'))
    resBody = encodeBody(bytes, { contentType: content.mimeType, maxBytes: options.maxBodyBytes })
  } else if (content?.text !== undefined) {
    const bytes = Buffer.from(content.text, content.encoding === 'base64' ? 'base64' : 'utf8')
    resBody = encodeBody(bytes, { contentType: content.mimeType, maxBytes: options.maxBodyBytes })
  } else if ((content?.size ?? 0) > 0) {
    resBody = notCaptured(content?.size ?? 0)
  }
  exchange.response = { status, headers: resHeaders, ...(resBody ? { body: resBody } : {}) }
  return exchange
}

function toHeaders(list: { name: string; value: string }[]): CapturedHeaders {
  const out: CapturedHeaders = {}
  for (const { name, value } of list) {
    let key = name.toLowerCase()
    if (key.startsWith(':')) {
      // HTTP/2 pseudo-headers: only the authority means something to a replayed HTTP/1.1 request.
      if (key !== ':authority') continue
      key = 'host'
    }
    const prev = out[key]
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return out
}

function notCaptured(size: number): CapturedBody {
  return { encoding: 'utf8', data: '', size, omitted: 'not-captured' }
}

/** A Playwright `_file` resource, relative to the HAR's directory. */
async function attached(harPath: string, file: string, location: { path: string }): Promise<Buffer> {
  const full = resolve(dirname(harPath), file)
  try {
    return await readFile(full)
  } catch (error) {
    throw invalid(harPath, `refers to ${file}, which cannot be read next to it`, location, error)
  }
}

function invalid(
  file: string,
  what: string,
  location: { line?: number; column?: number; path?: string },
  cause?: unknown,
): RehearseError {
  return new RehearseError('CAPTURE_HAR_INVALID', `${file} ${what}.`, {
    location: { file, ...location },
    hint: 'Export the HAR again (devtools "Save all as HAR", or Playwright recordHar); for attached content keep the resource files next to the .har.',
    cause,
  })
}
