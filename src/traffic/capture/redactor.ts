/**
 * @module traffic/capture/redactor
 * Redaction at capture time. Credentials (Authorization, Cookie, Set-Cookie, API-key headers,
 * secret query and form parameters, configured JSON paths) and values that look personal
 * (e-mails, phone numbers, card numbers, IBANs, JWTs, bearer tokens) are replaced by keyed tokens
 * `redacted:<rule>:<16 hex>` — HMAC-SHA256 under a per-capture key, never a bare hash, so a token
 * cannot be reversed by hashing guesses, yet the same value gets the same token throughout the
 * capture (one user stays one user for replay).
 */
import { createHmac, randomBytes } from 'node:crypto'
import { compilePathGlob, lastKeyOf } from '../../core/json-path-glob.ts'
import type { CapturedExchange, CapturedHeaders, RedactionRule, RedactionSummary, Redactor } from './capture.ts'
import { DEFAULT_MAX_BODY_BYTES, headerValue } from './capture-format.ts'
import { DETECTORS, type DetectorName, detectInText } from './pii-detectors.ts'
import { type BodyRedactionContext, encodeParam, redactBody, redactParams } from './redact-body.ts'

/** Redaction settings (the `capture.redact` section of the spec parses into this). */
export type RedactionConfig = {
  /** HMAC key. Without one, a random key per redactor: tokens agree within one capture only. */
  key?: string | Uint8Array
  /** Apply the built-in lists of secret headers, parameters and JSON keys (default true). */
  defaults?: boolean
  /** More header names whose values are secret (case-insensitive). */
  headers?: string[]
  /** Header names left exactly as they are, even when a default rule would redact them. */
  keepHeaders?: string[]
  /** More query and form parameter names whose values are secret. */
  queryParams?: string[]
  /** More JSON path globs (`user.email`, `**.ssn`, `items[].card`) whose values are replaced whole. */
  jsonPaths?: string[]
  /** Which detectors scan free text (default: all). */
  detect?: DetectorName[]
  /** Claims of a JWT carried (themselves scanned) in its token, for re-signing on replay. Default none. */
  jwtClaims?: string[]
  /** `drop` (default) empties bodies that are not text; `keep` stores them unscanned. */
  binaryBodies?: 'keep' | 'drop'
  /** Where a session comes from: its value's token becomes the exchange's `session`. */
  sessionFrom?: { header?: string; cookie?: string }
  /** Largest body inflated from gzip/deflate/br before scanning (default 1 MiB). */
  maxBodyBytes?: number
}

export const DEFAULT_SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-refresh-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
] as const
/** Header names that look like they carry a credential (`x-shop-api-key`, `x-session-token`). */
const SECRET_HEADER_SHAPE = /(?:^|-)(?:api-?key|token|secret|password|passwd|signature|session|credentials?)(?:$|-)/i

export const DEFAULT_SECRET_PARAMS = [
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'apikey',
  'key',
  'password',
  'passwd',
  'secret',
  'client_secret',
  'signature',
  'sig',
  'code',
  'session',
  'sessionid',
  'auth',
] as const

export const DEFAULT_SECRET_JSON_PATHS = [
  '**.password',
  '**.passwd',
  '**.secret',
  '**.token',
  '**.accessToken',
  '**.access_token',
  '**.refreshToken',
  '**.refresh_token',
  '**.idToken',
  '**.id_token',
  '**.clientSecret',
  '**.client_secret',
  '**.apiKey',
  '**.api_key',
  '**.cvv',
  '**.cvc',
  '**.ssn',
  '**.pin',
] as const

/** Matches a token this module wrote, so that a second pass leaves it alone. */
export const TOKEN_PATTERN = /redacted:[a-z-]+:[0-9a-f]{16}(?::[A-Za-z0-9_-]+)?/g
const URL_HEADERS = new Set(['referer', 'location', 'content-location'])
/** Hop-by-hop headers and the length, which stops being true once a body is redacted or cut. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
])

/** Creates a redactor with its own key (or the configured one) and its own counts. */
export function createRedactor(config: RedactionConfig = {}): Redactor {
  const key = config.key ?? randomBytes(32)
  const defaults = config.defaults !== false
  const lower = (names: readonly string[] | undefined) => (names ?? []).map((n) => n.toLowerCase())
  const secretHeaders = new Set([...(defaults ? DEFAULT_SECRET_HEADERS : []), ...lower(config.headers)])
  const keepHeaders = new Set(lower(config.keepHeaders))
  const secretParams = new Set([...(defaults ? DEFAULT_SECRET_PARAMS : []), ...lower(config.queryParams)])
  const globs = [...(defaults ? DEFAULT_SECRET_JSON_PATHS : []), ...(config.jsonPaths ?? [])]
  const enabled = new Set(config.detect ?? DETECTORS)
  const jwtClaims = new Set(config.jwtClaims ?? [])
  const counts: RedactionSummary = {}
  const count = (rule: RedactionRule) => {
    counts[rule] = (counts[rule] ?? 0) + 1
  }
  const mac = (value: string) => createHmac('sha256', key).update(value).digest('hex').slice(0, 16)

  const token = (rule: RedactionRule, value: string): string => {
    count(rule)
    return `redacted:${rule}:${mac(value)}`
  }
  const text = (input: string): string =>
    detectInText(
      input,
      enabled,
      (rule, value) => (rule === 'jwt' ? jwtToken(value) : token(rule, value)),
      TOKEN_PATTERN,
    )

  // A JWT's token may carry chosen claims (scanned themselves) so that replay can re-sign them.
  const jwtToken = (jwt: string): string => {
    const base = token('jwt', jwt)
    if (jwtClaims.size === 0) return base
    try {
      const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
        string,
        unknown
      >
      const kept = Object.fromEntries(
        Object.entries(claims)
          .filter(([claim]) => jwtClaims.has(claim))
          .map(([claim, value]) => [claim, typeof value === 'string' ? text(value) : value]),
      )
      if (Object.keys(kept).length === 0) return base
      return `${base}:${Buffer.from(JSON.stringify(kept)).toString('base64url')}`
    } catch {
      return base
    }
  }

  const ctx: BodyRedactionContext = {
    token,
    text,
    isSecretParam: (name) => secretParams.has(name.toLowerCase()),
    jsonPaths: globs.map((glob) => compilePathGlob(glob, { ignoreCase: true })),
    jsonKeys: globs.map(lastKeyOf).filter((k): k is string => k !== undefined),
    binaryBodies: config.binaryBodies ?? 'drop',
    maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    count,
  }

  const redactUrl = (url: string): string => {
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const redactedPath = path
      .split('/')
      .map((segment) => {
        const decoded = safeDecode(segment)
        const out = text(decoded)
        return out === decoded ? segment : encodeParam(out)
      })
      .join('/')
    return q === -1 ? redactedPath : `${redactedPath}?${redactParams(url.slice(q + 1), ctx, 'query')}`
  }

  const redactValue = (name: string, value: string): string => {
    if (name === 'authorization' || name === 'proxy-authorization') {
      const m = /^(\S+)(\s+)(.+)$/.exec(value)
      const credential = m ? m[3]! : value
      const redacted = /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/.test(credential)
        ? jwtToken(credential)
        : token('authorization', credential)
      return m ? `${m[1]}${m[2]}${redacted}` : redacted
    }
    if (name === 'cookie') {
      return value
        .split(/;\s*/)
        .map((pair) => {
          const eq = pair.indexOf('=')
          return eq === -1 || eq === pair.length - 1
            ? pair
            : `${pair.slice(0, eq)}=${token('cookie', pair.slice(eq + 1))}`
        })
        .join('; ')
    }
    if (name === 'set-cookie') {
      const semi = value.indexOf(';')
      const pair = semi === -1 ? value : value.slice(0, semi)
      const eq = pair.indexOf('=')
      if (eq === -1) return value
      return `${pair.slice(0, eq)}=${token('set-cookie', pair.slice(eq + 1))}${semi === -1 ? '' : value.slice(semi)}`
    }
    if (secretHeaders.has(name) || SECRET_HEADER_SHAPE.test(name)) return token('header', value)
    if (URL_HEADERS.has(name)) {
      const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(value)?.[0] ?? ''
      return origin + redactUrl(value.slice(origin.length))
    }
    return text(value)
  }

  const redactHeaders = (headers: CapturedHeaders): CapturedHeaders => {
    const out: CapturedHeaders = {}
    for (const [rawName, value] of Object.entries(headers)) {
      const name = rawName.toLowerCase()
      if (DROPPED_HEADERS.has(name)) continue
      if (keepHeaders.has(name)) out[name] = value
      else out[name] = Array.isArray(value) ? value.map((v) => redactValue(name, v)) : redactValue(name, value)
    }
    return out
  }

  const sessionOf = (exchange: CapturedExchange): string | undefined => {
    const { header, cookie } = config.sessionFrom ?? {}
    const headers = exchange.request.headers
    let raw: string | undefined
    if (header) raw = headerValue(headers, header.toLowerCase())
    if (raw === undefined && cookie) raw = cookieValue(headerValue(headers, 'cookie'), cookie)
    if (raw !== undefined) return mac(raw)
    return exchange.session === undefined ? undefined : mac(exchange.session)
  }

  return {
    redactExchange(exchange: CapturedExchange): CapturedExchange {
      const { request, response } = exchange
      let reqHeaders = redactHeaders(request.headers)
      let reqBody = request.body
      if (reqBody) ({ body: reqBody, headers: reqHeaders } = redactBody(reqBody, reqHeaders, ctx))
      const session = sessionOf(exchange)
      const out: CapturedExchange = {
        ...exchange,
        ...(session === undefined ? {} : { session }),
        request: {
          method: request.method,
          url: redactUrl(request.url),
          headers: reqHeaders,
          ...(reqBody ? { body: reqBody } : {}),
        },
      }
      if (response) {
        let resHeaders = redactHeaders(response.headers)
        let resBody = response.body
        if (resBody) ({ body: resBody, headers: resHeaders } = redactBody(resBody, resHeaders, ctx))
        out.response = { status: response.status, headers: resHeaders, ...(resBody ? { body: resBody } : {}) }
      }
      return out
    },
    redactText: text,
    summary: () => ({ ...counts }),
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(/;\s*/) ?? []) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq) === name) return pair.slice(eq + 1)
  }
  return undefined
}
