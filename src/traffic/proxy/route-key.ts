/**
 * @module traffic/proxy/route-key
 * Route keys: the low-cardinality names samples are grouped by (`GET /products/:id`). Either the
 * caller's route table decides, or the path is normalised: segments that look like ids (numbers,
 * UUIDs, long hex or token strings) become `:id`.
 */
import { compilePattern } from './pattern.ts'

/** Maps a request to its route key. */
export type RouteKeyer = (method: string, pathname: string) => string

type TableEntry = { method: string | undefined; regexp: RegExp; key: string }

const ID_SEGMENT =
  /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|(?=[^/]*\d)[\w-]{20,})$/i
const HAS_DIGIT = /\d/
/** Distinct paths remembered; past that the cache starts over (ids in paths would grow it without end). */
const CACHE_LIMIT = 4096

/** `/products/42/reviews` → `/products/:id/reviews`. */
export function normalisePath(pathname: string): string {
  // Most paths of a service have no id at all: no split, no join.
  if (!HAS_DIGIT.test(pathname)) return pathname
  const segments = pathname.split('/')
  for (let i = 0; i < segments.length; i++) {
    if (ID_SEGMENT.test(segments[i]!)) segments[i] = ':id'
  }
  return segments.join('/')
}

/** Compiles `GET /products/:id` or `/cart/*` (any method) into a matcher. */
function compileEntry(entry: string): TableEntry {
  const space = entry.indexOf(' ')
  const method = space > 0 ? entry.slice(0, space).toUpperCase() : undefined
  const path = (space > 0 ? entry.slice(space + 1) : entry).trim()
  // `:name` segments match one segment; the rest is a glob.
  const glob = path.replace(/:[A-Za-z_][\w]*/g, '*')
  return { method, regexp: compilePattern(glob, { segmented: true }), key: path }
}

/**
 * A route keyer for a route table (first matching entry wins; unmatched requests are normalised)
 * or, without a table, for normalisation alone. Keys are cached per method and path.
 */
export function createRouteKeyer(routes: readonly string[] = []): RouteKeyer {
  const table = routes.map(compileEntry)
  const cache = new Map<string, string>()
  return (method, pathname) => {
    const cacheKey = method + ' ' + pathname
    let key = cache.get(cacheKey)
    if (key !== undefined) return key
    key = ''
    for (const entry of table) {
      if ((entry.method === undefined || entry.method === method) && entry.regexp.test(pathname)) {
        key = method + ' ' + entry.key
        break
      }
    }
    if (key === '') key = method + ' ' + normalisePath(pathname)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(cacheKey, key)
    return key
  }
}
