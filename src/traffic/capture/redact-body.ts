/**
 * @module traffic/capture/redact-body
 * Redaction of bodies and parameter lists, used by the redactor: JSON bodies are walked (configured
 * paths replaced whole, every string and card-like number scanned), forms and query strings by
 * parameter, other text by the detectors. Compressed bodies are inflated first, so that nothing
 * personal survives inside a gzip stream; binary bodies are dropped unless configured otherwise.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { childPath, elementPath } from '../../core/json-path-glob.ts'
import { luhn } from '../../core/pii-validators.ts'
import type { CapturedBody, CapturedHeaders, RedactionRule } from './capture.ts'
import { decodeBody, encodeBody, headerValue, isTextualContentType } from './capture-format.ts'

/** What body redaction needs from the redactor. */
export type BodyRedactionContext = {
  /** A keyed token for `value`, counted under `rule`. */
  token(rule: RedactionRule, value: string): string
  /** Runs the detectors over free text. */
  text(text: string): string
  /** True for query/form parameter names whose values are secret. */
  isSecretParam(name: string): boolean
  /** Compiled JSON path globs whose values are replaced whole. */
  jsonPaths: RegExp[]
  /** Plain keys of those globs, for JSON that does not parse (a truncated body). */
  jsonKeys: string[]
  binaryBodies: 'keep' | 'drop'
  maxBodyBytes: number
  count(rule: RedactionRule): void
}

// JSON.rawJSON and the reviver's `context.source` (Node 21+) are not in TypeScript's es2024 lib.
const JSONX = JSON as unknown as {
  rawJSON(text: string): object
  isRawJSON(value: unknown): boolean
  parse(text: string, reviver: (key: string, value: unknown, context?: { source?: string }) => unknown): unknown
}

/** Redacts a body; may also return headers without `content-encoding` when it inflated the body. */
export function redactBody(
  body: CapturedBody,
  headers: CapturedHeaders,
  ctx: BodyRedactionContext,
): { body: CapturedBody; headers: CapturedHeaders } {
  if (body.omitted || (body.data === '' && !body.truncated)) return { body, headers }
  let current = body
  let outHeaders = headers
  const contentType = headerValue(headers, 'content-type')
  const coding = headerValue(headers, 'content-encoding')?.trim().toLowerCase()
  if (coding && coding !== 'identity' && current.encoding === 'base64' && !current.truncated) {
    const inflated = inflate(decodeBody(current), coding, ctx.maxBodyBytes)
    if (inflated) {
      current = { ...encodeBody(inflated, { contentType, maxBytes: ctx.maxBodyBytes }), size: inflated.length }
      const { 'content-encoding': _dropped, ...rest } = outHeaders
      outHeaders = rest
    }
  }
  if (current.encoding === 'base64') {
    if (ctx.binaryBodies === 'keep') return { body: current, headers: outHeaders }
    ctx.count('binary-body')
    return { body: { encoding: 'base64', data: '', size: current.size, omitted: 'binary' }, headers: outHeaders }
  }
  let text = current.data
  // A cut body may end in the middle of a value: drop the partial word so no fragment survives.
  if (current.truncated) text = dropPartialTail(text)
  const type = contentType?.toLowerCase() ?? ''
  let redacted: string | undefined
  if (type.includes('json') || (!isTextualContentType(contentType) && /^\s*[[{]/.test(text))) {
    redacted = redactJson(text, ctx)
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    redacted = redactParams(text, ctx, 'form-field')
  }
  redacted ??= ctx.text(redactJsonKeys(text, ctx))
  return { body: { ...current, data: redacted }, headers: outHeaders }
}

function inflate(bytes: Buffer, coding: string, max: number): Buffer | undefined {
  // Bounded: a small compressed body may expand enormously (a zip bomb); the cap is generous.
  const options = { maxOutputLength: Math.max(max * 4, 1024 * 1024) }
  try {
    if (coding === 'gzip' || coding === 'x-gzip') return gunzipSync(bytes, options)
    if (coding === 'deflate') return inflateSync(bytes, options)
    if (coding === 'br') return brotliDecompressSync(bytes, options)
  } catch {
    return undefined
  }
  return undefined
}

function dropPartialTail(text: string): string {
  const window = text.slice(-256)
  const cut = Math.max(...[...' \t\r\n,;"\'<>{}[]()&='].map((d) => window.lastIndexOf(d)))
  return text.slice(0, text.length - window.length + (cut === -1 ? 0 : cut + 1))
}

/** Redacts a JSON document; `undefined` when the text is not JSON. Unchanged text is returned as is. */
export function redactJson(text: string, ctx: BodyRedactionContext): string | undefined {
  let doc: unknown
  try {
    // Keep numbers exactly as written (big ids, 1.0), so redaction never rewrites what it did not touch.
    doc = JSONX.parse(text, (_key, value, context) =>
      typeof value === 'number' && context?.source !== undefined && context.source !== String(value)
        ? JSONX.rawJSON(context.source)
        : value,
    )
  } catch {
    return undefined
  }
  let changed = false
  const walk = (node: unknown, path: string): unknown => {
    if (path !== '' && ctx.jsonPaths.some((re) => re.test(path))) {
      changed = true
      return ctx.token('json-path', typeof node === 'string' ? node : JSON.stringify(node))
    }
    if (typeof node === 'string') {
      const out = ctx.text(node)
      if (out !== node) changed = true
      return out
    }
    if (typeof node === 'number' || JSONX.isRawJSON(node)) {
      const source = typeof node === 'number' ? String(node) : JSON.stringify(node)
      if (/^[2-6]\d{12,18}$/.test(source) && luhn(source)) {
        changed = true
        return ctx.token('card', source)
      }
      return node
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, elementPath(path)))
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(node)) out[key] = walk(value, childPath(path, key))
      return out
    }
    return node
  }
  const result = walk(doc, '')
  return changed ? JSON.stringify(result) : text
}

/** Best effort for JSON that does not parse (cut short): replaces values of configured keys by regex. */
function redactJsonKeys(text: string, ctx: BodyRedactionContext): string {
  if (ctx.jsonKeys.length === 0 || !/[[{]/.test(text)) return text
  const keys = ctx.jsonKeys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')
  const re = new RegExp(`("(?:${keys})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]+)`, 'gi')
  return text.replace(re, (_m, head: string, value: string) => `${head}"${ctx.token('json-path', value)}"`)
}

/**
 * Redacts `a=1&b=2` (a query string or a form body): values of secret parameter names become
 * tokens, other values are scanned. Untouched pairs keep their original encoding.
 */
export function redactParams(text: string, ctx: BodyRedactionContext, rule: 'query' | 'form-field'): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      const rawName = eq === -1 ? pair : pair.slice(0, eq)
      if (eq === -1) return pair
      const name = formDecode(rawName)
      const value = formDecode(pair.slice(eq + 1))
      if (value === '') return pair
      if (ctx.isSecretParam(name)) return `${rawName}=${encodeParam(ctx.token(rule, value))}`
      const scanned = ctx.text(value)
      return scanned === value ? pair : `${rawName}=${encodeParam(scanned)}`
    })
    .join('&')
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '))
  } catch {
    return text
  }
}

/** Percent-encodes a value but keeps `:` and `@` readable (tokens contain colons). */
export function encodeParam(value: string): string {
  return encodeURIComponent(value).replaceAll('%3A', ':').replaceAll('%40', '@')
}
