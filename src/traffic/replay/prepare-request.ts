/**
 * @module traffic/replay/prepare-request
 * From a captured exchange to the request a replay sends: hop-by-hop and per-connection headers
 * dropped (the target's own `host` and a fresh `content-length` apply), `accept-encoding` dropped
 * so that answers come back readable for the diff, captured credential tokens swapped for staging
 * ones, timestamps moved by the record-to-replay offset. Exchanges whose request cannot be sent
 * faithfully (a body cut or left out at capture) are not replayable.
 */
import type { CapturedExchange } from '../capture/capture.ts'
import { decodeBody, headerValue } from '../capture/capture-format.ts'
import type { ReplayAuth } from './replay-auth.ts'
import { shiftParams, shiftTimestamps, shiftUrl, type TimeShift } from './time-shift.ts'

const DROPPED = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'accept-encoding',
  'x-forwarded-for',
])
const FORM = /^application\/x-www-form-urlencoded\b/i

/** A request ready for undici: flat headers, body bytes. */
export type PreparedRequest = { method: string; path: string; headers: string[]; body: Buffer | null }

/** Why an exchange cannot be replayed, or undefined when it can. */
export function notReplayable(exchange: CapturedExchange): string | undefined {
  const { method, url, body } = exchange.request
  if (body?.omitted === 'binary') return 'request body left out at capture (binary)'
  if (body?.omitted) return 'request body not captured'
  if (body?.truncated) return 'request body cut at capture (maxBodySize)'
  if (!url.startsWith('/')) return 'not a request to a path'
  if (method.toUpperCase() === 'CONNECT') return 'CONNECT'
  return undefined
}

export type PrepareContext = {
  auth?: ReplayAuth | undefined
  /** Absent: timestamps are sent as recorded. */
  shift?: TimeShift | undefined
  /** Set on every request, over the captured headers (lower-case names). */
  headers?: Record<string, string> | undefined
}

/** The request to send for a replayable exchange. */
export function prepareRequest(exchange: CapturedExchange, ctx: PrepareContext): PreparedRequest {
  const { auth, shift } = ctx
  const text = (value: string) => {
    const authed = auth ? auth.apply(value) : value
    return shift ? shiftTimestamps(authed, shift) : authed
  }
  const request = exchange.request
  let path = auth ? auth.apply(request.url) : request.url
  if (shift) path = shiftUrl(path, shift)

  const headers: string[] = []
  const override = ctx.headers ?? {}
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase()
    if (DROPPED.has(lower) || lower.startsWith(':') || lower in override) continue
    if (Array.isArray(value)) for (const v of value) headers.push(lower, text(v))
    else headers.push(lower, text(value))
  }
  for (const [name, value] of Object.entries(override)) headers.push(name.toLowerCase(), value)

  let body: Buffer | null = null
  if (request.body && request.body.data !== '') {
    if (request.body.encoding === 'utf8') {
      let data = auth ? auth.apply(request.body.data) : request.body.data
      if (shift) {
        data = FORM.test(headerValue(request.headers, 'content-type') ?? '')
          ? shiftParams(data, shift)
          : shiftTimestamps(data, shift)
      }
      body = Buffer.from(data, 'utf8')
    } else {
      body = decodeBody(request.body)
    }
  }
  return { method: request.method.toUpperCase(), path, headers, body }
}
