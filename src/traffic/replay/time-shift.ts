/**
 * @module traffic/replay/time-shift
 * Moves the timestamps inside a replayed request by the record-to-replay offset, so that "the
 * last hour" asked for at recording is the last hour at replay: ISO-8601 date-times (keeping
 * their zone and precision, also URL-encoded in a query) and epoch numbers in seconds or
 * milliseconds that lie within a window of the recording time (other numbers are data). Plain
 * dates (`2025-03-04`) are left alone: a birthday or a booking date does not move.
 */

const ISO = /\b(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?(?![\d:.])/g
const EPOCH = /(?<![\w.])(\d{13}|\d{10})(?![\w.])/g
const ENCODED_ISO = /\d{4}-\d{2}-\d{2}T\d{2}(%3A|:)/i

/** Epoch numbers this close to the recording time are read as timestamps (default 30 days). */
export const DEFAULT_EPOCH_WINDOW_MS = 30 * 24 * 3600 * 1000

export type TimeShift = {
  /** Replay time minus recording time, milliseconds. */
  offsetMs: number
  /** When the request was recorded (epoch ms): the anchor of the epoch window. */
  recordedAtMs: number
  epochWindowMs?: number
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

function shiftIso(
  match: string,
  y: string,
  mo: string,
  d: string,
  h: string,
  mi: string,
  s: string | undefined,
  frac: string | undefined,
  zone: string | undefined,
  offsetMs: number,
): string {
  const digits = frac ? frac.slice(1) : ''
  const ms = digits ? Number(digits.padEnd(3, '0').slice(0, 3)) : 0
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms)
  if (Number.isNaN(local)) return match
  // The wall-clock time in the value's own zone moves by the offset; the zone itself stays.
  const t = new Date(local + offsetMs)
  let out = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`
  if (s !== undefined) out += `:${pad(t.getUTCSeconds())}`
  if (digits) out += `.${(pad(t.getUTCMilliseconds(), 3) + digits.slice(3)).slice(0, digits.length)}`
  return out + (zone ?? '')
}

/** The text with every timestamp in it moved by `shift.offsetMs`. */
export function shiftTimestamps(text: string, shift: TimeShift): string {
  if (shift.offsetMs === 0) return text
  const window = shift.epochWindowMs ?? DEFAULT_EPOCH_WINDOW_MS
  let out = text.replace(ISO, (match, y, mo, d, h, mi, s, frac, zone) =>
    shiftIso(match, y, mo, d, h, mi, s, frac, zone, shift.offsetMs),
  )
  out = out.replace(EPOCH, (match: string) => {
    const value = Number(match)
    if (match.length === 13)
      return Math.abs(value - shift.recordedAtMs) <= window ? String(value + shift.offsetMs) : match
    return Math.abs(value * 1000 - shift.recordedAtMs) <= window
      ? String(value + Math.round(shift.offsetMs / 1000))
      : match
  })
  return out
}

/** A query string (or form body) with the timestamps in its values moved; untouched values keep their encoding. */
export function shiftParams(params: string, shift: TimeShift): string {
  if (shift.offsetMs === 0) return params
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq === -1) return pair
      const raw = pair.slice(eq + 1)
      let value: string
      try {
        value = decodeURIComponent(raw.replace(/\+/g, ' '))
      } catch {
        return pair
      }
      if (!ENCODED_ISO.test(value) && !/\d{10}/.test(value)) return pair
      const shifted = shiftTimestamps(value, shift)
      return shifted === value ? pair : `${pair.slice(0, eq)}=${encodeURIComponent(shifted)}`
    })
    .join('&')
}

/** A request URL (path and query) with the timestamps of its query and path moved. */
export function shiftUrl(url: string, shift: TimeShift): string {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const shiftedPath = shiftTimestamps(path, shift)
  return q === -1 ? shiftedPath : `${shiftedPath}?${shiftParams(url.slice(q + 1), shift)}`
}
