/**
 * @module analysis/response-diff/normalisers
 * Normalisers replace values whose exact content is expected to change between any two responses
 * (timestamps, random UUIDs, generated ids) by their shape (`<timestamp>`, `<uuid>`), so that the
 * diff compares what matters. They add power rather than hide noise: a random UUID differs
 * between primary and secondary anyway, and would never be reported; normalised, a candidate
 * that stops returning a UUID there becomes visible.
 */
import { RehearseError } from '../../core/errors.ts'

export type NormaliserConfig = {
  /** ISO-8601 date-times and HTTP dates, whole values and inside text (default true). */
  timestamps?: boolean
  /** UUIDs, whole values and inside text, and object keys shaped like them (default true). */
  uuids?: boolean
  /** Ids by shape — ULIDs, long hex, `prefix_random` — as whole values and object keys (default true). */
  ids?: boolean
  /** Numbers within this many ms of `nowMs` (as epoch ms or s) become `<epoch>`; off unless set. */
  epochWindowMs?: number
  /** Custom shapes: every match of `regex` becomes `<as>`. */
  patterns?: { regex: string; as: string }[]
}

export type Normaliser = {
  /** The value as compared: scalars normalised, others returned unchanged. */
  value(value: unknown): unknown
  /** An object key as it appears in paths: `<uuid>` or `<id>` for a key shaped like one. */
  key(key: string): string
  /** A text (a header, a text body) with the shapes inside it replaced. */
  text(text: string): string
}

const ISO_DATETIME = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?/g
const ISO_WHOLE = new RegExp(`^${ISO_DATETIME.source}$`)
const HTTP_DATE =
  /(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT/g
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
const UUID_WHOLE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
const HEX = /^(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{16,}$/i
const PREFIXED = /^([a-z]{1,12})_(?=[0-9A-Za-z]*\d)[0-9A-Za-z]{10,}$/

/** Builds the normaliser for one diff; `nowMs` anchors the epoch window (analysis has no clock). */
export function createNormaliser(config: NormaliserConfig = {}, nowMs?: number): Normaliser {
  const timestamps = config.timestamps !== false
  const uuids = config.uuids !== false
  const ids = config.ids !== false
  const window = config.epochWindowMs
  const patterns = (config.patterns ?? []).map(({ regex, as }) => {
    try {
      return { re: new RegExp(regex, 'g'), as: `<${as}>` }
    } catch (error) {
      throw new RehearseError(
        'DIFF_INVALID_PATTERN',
        `The normaliser pattern /${regex}/ is not a valid regular expression.`,
        {
          hint: (error as Error).message,
          cause: error,
        },
      )
    }
  })

  const whole = (s: string): string | undefined => {
    if (timestamps && ISO_WHOLE.test(s)) return '<timestamp>'
    if (uuids && UUID_WHOLE.test(s)) return '<uuid>'
    if (ids) {
      if (ULID.test(s)) return '<ulid>'
      if (HEX.test(s)) return '<hex>'
      const prefixed = PREFIXED.exec(s)
      if (prefixed) return `${prefixed[1]}_<id>`
    }
    return undefined
  }
  const text = (s: string): string => {
    let out = s
    if (timestamps) out = out.replace(ISO_DATETIME, '<timestamp>').replace(HTTP_DATE, '<timestamp>')
    if (uuids) out = out.replace(UUID, '<uuid>')
    for (const { re, as } of patterns) out = out.replace(re, as)
    return out
  }
  return {
    value(value: unknown): unknown {
      if (typeof value === 'string') return whole(value) ?? text(value)
      if (typeof value === 'number' && window !== undefined && nowMs !== undefined) {
        if (Math.abs(value - nowMs) <= window) return '<epoch-ms>'
        if (Math.abs(value * 1000 - nowMs) <= window) return '<epoch-s>'
      }
      return value
    },
    key: (key: string) =>
      uuids && UUID_WHOLE.test(key) ? '<uuid>' : ids && (ULID.test(key) || HEX.test(key)) ? '<id>' : key,
    text,
  }
}
