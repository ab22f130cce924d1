/**
 * @module traffic/capture/route-key
 * A low-cardinality route for a request (`GET /products/:id`): path segments that look like ids
 * (numbers, anything holding a UUID, hex, ULIDs, long random-looking strings, redaction tokens) become `:id`, and
 * the query is dropped. Used to group a capture by route for `inspect` and for replay reports.
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i

/** True when a path segment looks like an identifier rather than a fixed name. */
export function isIdSegment(segment: string): boolean {
  if (segment === '') return false
  if (/^\d+$/.test(segment) || UUID.test(segment) || ULID.test(segment)) return true
  // A UUID or a redaction token anywhere makes an id (`cart_<uuid>`, `redacted:email:…`).
  if (segment.includes('redacted:')) return true
  if (/^[0-9a-f]{8,}$/i.test(segment) && /\d/.test(segment)) return true
  // Long tokens mixing letters and digits (slugs with words and dashes stay).
  return segment.length >= 16 && /\d/.test(segment) && /^[A-Za-z0-9_-]+$/.test(segment) && !/[a-z]{4,}-/i.test(segment)
}

/** `GET /users/42/orders?page=2` → `GET /users/:id/orders`. */
export function routeKey(method: string, url: string): string {
  const q = url.search(/[?#]/)
  const path = q === -1 ? url : url.slice(0, q)
  const template = path
    .split('/')
    .map((segment) => {
      let decoded = segment
      try {
        decoded = decodeURIComponent(segment)
      } catch {}
      return isIdSegment(decoded) ? ':id' : segment
    })
    .join('/')
  return `${method.toUpperCase()} ${template || '/'}`
}
