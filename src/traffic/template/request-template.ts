/**
 * @module traffic/template/request-template
 * A scenario entry of rehearse.yaml (`{ request: "GET /products?page=${rand.int(1,20)}", … }`)
 * compiled into a request template: method, path, headers and body, each a `TextTemplate`, and a
 * low-cardinality route key for the samples (`GET /products`, or the entry's name).
 */
import type { Random } from './random.ts'
import {
  compileText,
  type ExpandContext,
  type TemplateSource,
  type TextTemplate,
  templateError,
} from './template-text.ts'

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const
export type HttpMethod = (typeof HTTP_METHODS)[number]

/** A scenario entry as the spec gives it (after schema validation). */
export type RequestTemplateSpec = {
  name?: string
  weight?: number
  /** `METHOD /path?query`, with `${…}` generators in the path. */
  request: string
  headers?: Record<string, string>
  /** A JSON body; string values may hold generators. Sets `content-type: application/json`. */
  json?: unknown
  /** A text body with generators (exclusive with `json`). */
  body?: string
}

/** One request ready to send. `headers` is a flat `[name, value, …]` list, as undici takes it. */
export type ExpandedRequest = { method: HttpMethod; path: string; headers: string[]; body: string | undefined }

export type RequestTemplate = {
  name: string | undefined
  /** Route key of the samples: the entry's name, or `METHOD /path` without the query string. */
  route: string
  method: HttpMethod
  weight: number
  expand(ctx: ExpandContext): ExpandedRequest
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** A compiled JSON body: literal JSON text and per-request pieces, in order. */
type JsonBody = { constant: boolean; render(ctx: ExpandContext): string }
type Piece = string | ((ctx: ExpandContext) => string | number)

/**
 * Compiles a JSON value whose strings may hold generators into a function producing its text. A
 * string that is a single numeric generator (`"${rand.int(1,5)}"`) becomes a JSON number.
 */
function compileJson(value: unknown, source: TemplateSource): JsonBody {
  const pieces: Piece[] = []
  const emit = (text: string) => {
    const last = pieces.length - 1
    if (last >= 0 && typeof pieces[last] === 'string') pieces[last] += text
    else pieces.push(text)
  }
  const walk = (node: unknown, path: string): void => {
    if (typeof node === 'string') {
      const t = compileText(node, { ...source, path })
      const only = t.parts.length === 1 ? t.parts[0] : undefined
      if (t.constant) emit(JSON.stringify(t.parts.join('')))
      else if (only && typeof only !== 'string' && only.numeric) pieces.push(only.evaluate)
      else pieces.push((ctx) => JSON.stringify(t.render(ctx)))
    } else if (Array.isArray(node)) {
      emit('[')
      node.forEach((item, i) => {
        if (i > 0) emit(',')
        walk(item, `${path}.${i}`)
      })
      emit(']')
    } else if (node !== null && typeof node === 'object') {
      emit('{')
      Object.entries(node).forEach(([key, item], i) => {
        emit(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`)
        walk(item, `${path}.${key}`)
      })
      emit('}')
    } else if (node === null || typeof node === 'boolean' || (typeof node === 'number' && Number.isFinite(node))) {
      emit(JSON.stringify(node))
    } else {
      throw templateError(
        { ...source, path },
        `A JSON body cannot hold ${String(node)}.`,
        'Use strings, numbers, booleans, null, lists and maps.',
      )
    }
  }
  walk(value, source.path)
  if (pieces.length === 1 && typeof pieces[0] === 'string') {
    const fixed = pieces[0]
    return { constant: true, render: () => fixed }
  }
  return {
    constant: false,
    render: (ctx) => {
      let out = ''
      for (const p of pieces) out += typeof p === 'string' ? p : p(ctx)
      return out
    },
  }
}

/** The route key of a path template: the literal path before `?`, generators shown by label. */
function routeOf(method: string, path: TextTemplate): string {
  let route = ''
  for (const part of path.parts) {
    if (typeof part === 'string') {
      const q = part.indexOf('?')
      if (q >= 0) return `${method} ${route + part.slice(0, q)}`
      route += part
    } else route += part.label
  }
  return `${method} ${route}`
}

/** Compiles one scenario entry; `source.path` is the entry's path (`traffic.scenario.2`). */
export function compileRequestTemplate(spec: RequestTemplateSpec, source: TemplateSource): RequestTemplate {
  const at = (key: string): TemplateSource => ({ ...source, path: `${source.path}.${key}` })
  const m = /^\s*([A-Z]+)\s+(\S.*?)\s*$/.exec(spec.request)
  const method = m?.[1] as HttpMethod | undefined
  if (!m || !method || !(HTTP_METHODS as readonly string[]).includes(method) || !m[2]!.startsWith('/')) {
    throw templateError(
      at('request'),
      `"${spec.request}" is not "METHOD /path".`,
      `Write the method (${HTTP_METHODS.join(', ')}) and a path starting with /, such as "GET /products?page=\${rand.int(1,20)}".`,
    )
  }
  const path = compileText(m[2]!, at('request'))
  if (spec.json !== undefined && spec.body !== undefined) {
    throw templateError(at('body'), 'A request has either json or body, not both.', 'Keep one of them.')
  }
  const body =
    spec.json !== undefined
      ? compileJson(spec.json, at('json'))
      : spec.body !== undefined
        ? compileText(spec.body, at('body'))
        : undefined

  const headerNames: string[] = []
  const headerValues: TextTemplate[] = []
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (!HEADER_NAME.test(name)) {
      throw templateError(
        at(`headers.${name}`),
        `"${name}" is not a valid header name.`,
        'Use letters, digits and dashes.',
      )
    }
    headerNames.push(name.toLowerCase())
    headerValues.push(compileText(String(value), at(`headers.${name}`)))
  }
  if (spec.json !== undefined && !headerNames.includes('content-type')) {
    headerNames.push('content-type')
    headerValues.push(compileText('application/json', source))
  }
  const constantHeaders = headerValues.every((h) => h.constant)
  const fixedHeaders = constantHeaders ? headerNames.flatMap((n, i) => [n, headerValues[i]!.parts.join('')]) : []

  const weight = spec.weight ?? 1
  if (!(weight > 0) || !Number.isFinite(weight)) {
    throw templateError(
      at('weight'),
      `weight must be a positive number, got ${spec.weight}.`,
      'Use weights such as 1, 3, 6.',
    )
  }
  // A template without generators is the same request every time: build it once.
  const fixed: ExpandedRequest | undefined =
    path.constant && constantHeaders && (!body || body.constant)
      ? Object.freeze({
          method,
          path: path.render(undefined as never),
          headers: fixedHeaders,
          body: body?.render(undefined as never),
        })
      : undefined
  return {
    name: spec.name,
    route: spec.name ?? routeOf(method, path),
    method,
    weight,
    expand(ctx) {
      if (fixed) return fixed
      let headers = fixedHeaders
      if (!constantHeaders) {
        headers = new Array(headerNames.length * 2)
        for (let i = 0; i < headerNames.length; i++) {
          headers[2 * i] = headerNames[i]!
          headers[2 * i + 1] = headerValues[i]!.render(ctx)
        }
      }
      return { method, path: path.render(ctx), headers, body: body?.render(ctx) }
    },
  }
}

/** A weighted set of request templates. */
export type Scenario = {
  readonly templates: readonly RequestTemplate[]
  /** Picks a template by weight. */
  choose(random: Random): RequestTemplate
}

/** Compiles `traffic.scenario`; `source.path` is the list's path (`traffic.scenario`). */
export function compileScenario(entries: readonly RequestTemplateSpec[], source: TemplateSource): Scenario {
  if (entries.length === 0) {
    throw templateError(source, 'The scenario has no request.', 'Add at least one entry such as { request: "GET /" }.')
  }
  const shared = { ...source, csvCache: source.csvCache ?? new Map<string, string[]>() }
  const templates = entries.map((e, i) => compileRequestTemplate(e, { ...shared, path: `${source.path}.${i}` }))
  const cumulative: number[] = []
  let sum = 0
  for (const t of templates) {
    sum += t.weight
    cumulative.push(sum)
  }
  return {
    templates,
    choose(random) {
      if (templates.length === 1) return templates[0]!
      const x = random.next() * sum
      let i = 0
      while (i < cumulative.length - 1 && cumulative[i]! <= x) i++
      return templates[i]!
    },
  }
}
