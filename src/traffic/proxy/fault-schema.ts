/**
 * @module traffic/proxy/fault-schema
 * The schema of a fault rule, the one source of truth for rules written in rehearse.yaml's traffic
 * phases, sent to the control API or passed to `startProxy`. Toxiproxy's ideas, but per request and
 * HTTP-aware: each rule has exactly one kind (delay, abort, bandwidth, hang, reset, closeAfterBytes),
 * a probability, matchers, a target and a cap on how many requests it affects at once.
 *
 * Parsing is idempotent: a parsed rule (durations in ms, sizes in bytes) parses to itself, so rules
 * can be validated again wherever they cross a boundary.
 */
import { z } from 'zod'
import { RehearseError } from '../../core/errors.ts'
import { durationMs, fraction, sizeBytes } from '../../spec/fields.ts'
import { patternError } from './pattern.ts'
import { FAULT_KINDS, type FaultRule } from './proxy.ts'

const pattern = () =>
  z
    .string()
    .min(1)
    .superRefine((text, ctx) => {
      const problem = patternError(text)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    })

const status = () => z.number().int().min(200).max(599)
const method = () => z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method such as "GET"')

/** `64KiB`, `64KiB/s`, `1MB/s` or a number of bytes per second. */
const bytesPerSecond = () =>
  z
    .preprocess((v) => (typeof v === 'string' ? v.replace(/\s*\/\s*s(ec)?\s*$/, '') : v), sizeBytes())
    .refine((n) => n > 0, 'expected more than 0 bytes per second')

export const faultMatchSchema = z.strictObject({
  route: pattern().optional(),
  path: pattern().optional(),
  method: z.union([method(), z.array(method()).min(1)]).optional(),
  header: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'expected a header name'), z.string()).optional(),
})

/** A fault rule (see `FaultRule` in proxy.ts for what each field means). */
export const faultRuleSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected a name of letters, digits, ".", "_" or "-" (at most 64)')
      .optional(),
    delay: durationMs().optional(),
    jitter: durationMs().optional(),
    abort: z
      .union([
        status(),
        z.strictObject({
          status: status(),
          body: z.string().optional(),
          headers: z.record(z.string(), z.string()).optional(),
        }),
      ])
      .optional(),
    bandwidth: bytesPerSecond().optional(),
    hang: z.union([z.literal(true), durationMs()]).optional(),
    reset: z.literal(true).optional(),
    closeAfterBytes: sizeBytes().optional(),
    probability: fraction().default(1),
    match: faultMatchSchema.optional(),
    target: z.string().min(1).optional(),
    maxActive: z.number().int().positive().optional(),
  })
  .superRefine((rule, ctx) => {
    const kinds = FAULT_KINDS.filter((kind) => rule[kind] !== undefined)
    if (kinds.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `a fault rule needs one of ${FAULT_KINDS.join(', ')}`,
        path: [],
      })
    } else if (kinds.length > 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a fault rule has exactly one kind, this one has ${kinds.join(' and ')}: write one rule per kind`,
        path: [kinds[1]!],
      })
    }
    if (rule.jitter !== undefined && rule.delay === undefined) {
      ctx.addIssue({ code: 'custom', message: 'jitter only applies to a delay: add "delay"', path: ['jitter'] })
    }
    if (rule.jitter !== undefined && rule.delay !== undefined && rule.jitter > rule.delay) {
      ctx.addIssue({ code: 'custom', message: 'jitter must not be larger than the delay', path: ['jitter'] })
    }
  })

/** A rule as written (durations and sizes may still be text). */
export type FaultRuleInput = z.input<typeof faultRuleSchema>

// The schema's output is the contract's FaultRule; this line fails to compile if they drift apart.
const _outputIsFaultRule = (rule: z.output<typeof faultRuleSchema>): FaultRule => rule
void _outputIsFaultRule

/** `faults[2].match.header.x-user` from a base path and a zod issue path. */
function formatPath(base: string, path: readonly PropertyKey[]): string {
  let out = base
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`
  }
  return out
}

/**
 * Validates one rule. `where` is the rule's own path in the caller's document (`faults[2]`), so
 * the error's `location.path` points at the offending field.
 * @throws RehearseError TRAFFIC_FAULT_INVALID with every issue in `details.issues`.
 */
export function parseFaultRule(input: unknown, where = ''): FaultRule {
  const result = faultRuleSchema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => {
    // An unknown key is reported on its parent; point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path
    // A bad record key says only "Invalid key in record"; the key's own issue says why.
    const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message
    return { path: formatPath(where, path), message }
  })
  const first = issues[0]!
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  throw new RehearseError(
    'TRAFFIC_FAULT_INVALID',
    `Invalid fault rule${first.path ? ` at ${first.path}` : ''}: ${first.message}${more}.`,
    {
      hint: 'Give each rule exactly one of delay, abort, bandwidth, hang, reset, closeAfterBytes; see docs/traffic.md.',
      location: first.path ? { path: first.path } : {},
      details: { issues },
    },
  )
}
