/**
 * @module analysis/response-diff/flatten-response
 * Turns one response into the fields the diff compares: `status`, `header:<name>` for the
 * selected headers, and `body:<path>` for every JSON leaf (`body:items[].price`), or
 * `body:$text` for a text body. Values are normalised first; ignored paths are dropped;
 * unordered arrays are sorted by their normalised content, so that order alone never differs.
 * Inside arrays a path's value is the sequence of its values (`[10,12]`).
 */

import type { Normaliser } from './normalisers.ts'
import { childPath } from './path-glob.ts'

/** A response body as the diff takes it: parsed JSON, or text. */
export type DiffBody = { json: unknown } | { text: string }

/** One of the three responses to a replayed request. */
export type DiffResponse = {
  /** HTTP status; 0 when there was no response. */
  status: number
  /** Lower-case names, as Node and undici give them. */
  headers?: Record<string, string | string[] | undefined>
  body?: DiffBody
}

export type FlattenOptions = {
  normaliser: Normaliser
  /** Lower-cased names of the headers compared. */
  headers: readonly string[]
  ignore: readonly RegExp[]
  unordered: readonly RegExp[]
  ordered: readonly RegExp[]
  /** `auto`: arrays of scalars are unordered, arrays of objects ordered. */
  arrays: 'auto' | 'ordered' | 'unordered'
}

type Norm =
  | { kind: 'scalar'; canon: string }
  | { kind: 'array'; canon: string; items: Norm[] }
  | { kind: 'object'; canon: string; entries: [key: string, values: Norm[], collapsed: boolean][] }

const byCanon = (a: Norm, b: Norm) => (a.canon < b.canon ? -1 : a.canon > b.canon ? 1 : 0)

/** The compared fields of a response, keyed `status`, `header:…`, `body:…`. */
export function flattenResponse(response: DiffResponse, options: FlattenOptions): Map<string, string> {
  const out = new Map<string, string>()
  out.set('status', String(response.status))
  for (const name of options.headers) {
    const raw = response.headers?.[name]
    if (raw === undefined) continue
    out.set(`header:${name}`, options.normaliser.text((Array.isArray(raw) ? raw.join(', ') : raw).trim()))
  }
  const body = response.body
  if (body === undefined) {
    out.set('body:$type', 'none')
    return out
  }
  if ('text' in body) {
    out.set('body:$type', 'text')
    out.set('body:$text', options.normaliser.text(body.text))
    return out
  }
  out.set('body:$type', 'json')
  const tree = build(body.json, '', options)
  if (!tree) return out
  const seqs = new Map<string, string[]>()
  const multi = new Set<string>()
  emit(tree, '', false, seqs, multi)
  for (const [path, values] of seqs) {
    out.set(`body:${path === '' ? '$' : path}`, multi.has(path) ? `[${values.join(',')}]` : values[0]!)
  }
  return out
}

const isIgnored = (path: string, options: FlattenOptions) => path !== '' && options.ignore.some((re) => re.test(path))

/** The normalised tree: scalars normalised, ignored paths gone, unordered arrays sorted. */
function build(node: unknown, path: string, options: FlattenOptions): Norm | undefined {
  if (isIgnored(path, options)) return undefined
  if (Array.isArray(node)) {
    const itemPath = `${path}[]`
    const items = node.map((item) => build(item, itemPath, options)).filter((n): n is Norm => n !== undefined)
    if (isUnordered(path, items, options)) items.sort(byCanon)
    return { kind: 'array', canon: `[${items.map((i) => i.canon).join(',')}]`, items }
  }
  if (node !== null && typeof node === 'object') {
    const groups = new Map<string, { values: Norm[]; collapsed: boolean }>()
    for (const [rawKey, value] of Object.entries(node)) {
      const key = options.normaliser.key(rawKey)
      const child = build(value, childPath(path, key), options)
      if (!child) continue
      const group = groups.get(key) ?? { values: [], collapsed: key !== rawKey }
      group.values.push(child)
      groups.set(key, group)
    }
    const entries: [string, Norm[], boolean][] = [...groups]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, { values, collapsed }]) => [key, collapsed ? values.sort(byCanon) : values, collapsed])
    const canon = `{${entries.map(([k, vs]) => `${JSON.stringify(k)}:${vs.map((v) => v.canon).join('|')}`).join(',')}}`
    return { kind: 'object', canon, entries }
  }
  return { kind: 'scalar', canon: JSON.stringify(options.normaliser.value(node)) ?? 'null' }
}

function isUnordered(path: string, items: Norm[], options: FlattenOptions): boolean {
  const itemPath = `${path}[]`
  if (options.ordered.some((re) => re.test(path) || re.test(itemPath))) return false
  if (options.unordered.some((re) => re.test(path) || re.test(itemPath))) return true
  if (options.arrays !== 'auto') return options.arrays === 'unordered'
  return items.every((item) => item.kind === 'scalar')
}

function emit(norm: Norm, path: string, inList: boolean, seqs: Map<string, string[]>, multi: Set<string>): void {
  const push = (value: string) => {
    const seq = seqs.get(path)
    if (seq) seq.push(value)
    else seqs.set(path, [value])
    if (inList) multi.add(path)
  }
  if (norm.kind === 'scalar') {
    push(norm.canon)
  } else if (norm.kind === 'array') {
    if (norm.items.length === 0) push('[]')
    for (const item of norm.items) emit(item, `${path}[]`, true, seqs, multi)
  } else {
    if (norm.entries.length === 0) push('{}')
    for (const [key, values, collapsed] of norm.entries) {
      for (const value of values) emit(value, childPath(path, key), inList || collapsed, seqs, multi)
    }
  }
}
