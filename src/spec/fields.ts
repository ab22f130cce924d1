/**
 * @module spec/fields
 * Zod field types for the units people write in rehearse.yaml. Every module's spec section uses
 * these, so `10s`, `200/s` and `99.9%` mean the same thing everywhere and fail the same way.
 */
import { z } from 'zod'
import { parseDuration, parsePercent, parseRate, parseSize } from '../core/units.ts'

function unit<T extends string | number>(
  parse: (v: string | number) => number | undefined,
  what: string,
  example: string,
) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const parsed = parse(value as T)
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${what} such as ${example}, got ${JSON.stringify(value)}` })
      return z.NEVER
    }
    return parsed
  })
}

/** A duration (`250ms`, `10s`, `1m30s`); parses to milliseconds. */
export const durationMs = () => unit(parseDuration, 'a duration', '"250ms", "10s" or "2m"')
/** A rate (`200/s`, `60/m`); parses to events per second. */
export const ratePerSecond = () => unit(parseRate, 'a rate', '"200/s" or "60/m"')
/** A percentage (`99.9%`) or a fraction in [0, 1]; parses to a fraction. */
export const fraction = () => unit(parsePercent, 'a percentage', '"99.9%" or 0.999')
/** A size (`64KiB`, `1MB`); parses to bytes. */
export const sizeBytes = () => unit(parseSize, 'a size', '"64KiB" or "1MB"')
