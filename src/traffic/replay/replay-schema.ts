/**
 * @module traffic/replay/replay-schema
 * The spec's `replay:` section — a capture replayed at the baseline, the candidate (and, with a
 * `diff:` section, a second baseline) as a traffic source of `rehearse run` — and `parseSpeed`,
 * the `2x` factor the CLI's `--speed` shares with it. The parsed section turns into
 * `ReplayOptions` with `replayOptionsOf`.
 *
 *   replay:
 *     file: captures/shop.jsonl.gz
 *     speed: 2x                          # or rate: 50/s
 *     auth:
 *       jwt: { key: ${secret.STAGING_JWT_KEY}, ttl: 1h }
 *       login: { command: ./login.sh }   # prints the credential of $REHEARSE_IDENTITY
 */
import { isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import { durationMs, ratePerSecond } from '../../spec/fields.ts'
import { REDACTION_RULES } from '../capture/capture.ts'
import type { ReplayOptions } from './replay.ts'

/** `2x`, `0.5x`, `2` → 2, 0.5, 2; undefined for anything else or a factor that is not positive. */
export function parseSpeed(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text > 0 ? text : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*[x×]?\s*$/i.exec(text)
  const value = m ? Number(m[1]) : Number.NaN
  return value > 0 && Number.isFinite(value) ? value : undefined
}

const speed = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const parsed = parseSpeed(value)
  if (parsed === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a speed factor such as "2x" or 0.5, got ${JSON.stringify(value)}`,
    })
    return z.NEVER
  }
  return parsed
})

export const replayAuthSchema = z.strictObject({
  /** Re-sign captured JWTs with a staging HS256 key, keeping their claims. */
  jwt: z
    .strictObject({
      /** At least 32 bytes; write it as `${secret.NAME}` so that it stays out of the stored spec. */
      key: z.string(),
      ttl: durationMs().default(3_600_000),
      /** Claims set on every re-signed token (`iss`, `aud`). */
      claims: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  /** A command run once per captured identity; it prints that identity's staging credential. */
  login: z
    .strictObject({
      command: z.string().min(1),
      timeout: durationMs().default(30_000),
      rules: z.array(z.enum(REDACTION_RULES)).min(1).optional(),
    })
    .optional(),
  /** Headers set on every replayed request (a staging API key: `${secret.NAME}`). */
  headers: z.record(z.string(), z.string()).optional(),
})

export const replaySchema = z
  .strictObject({
    /** The capture, relative to the spec's directory (`rehearse capture import` makes one from a HAR). */
    file: z.string().min(1),
    /** Recorded timing divided by this factor (`2x`: twice as fast). Default 1. */
    speed: speed.optional(),
    /** Or: the mean rate, the recorded gaps rescaled in proportion (bursts stay bursts). */
    rate: ratePerSecond().optional(),
    auth: replayAuthSchema.optional(),
    /** Move timestamps in requests by the record-to-replay offset. */
    shiftTimestamps: z.boolean().default(true),
    connections: z.number().int().min(1).max(10_000).default(64),
    timeout: durationMs().default(10_000),
    maxInFlight: z.number().int().min(1).default(1000),
    /** Replay at most this many exchanges. */
    limit: z.number().int().min(1).optional(),
  })
  .refine((r) => r.speed === undefined || r.rate === undefined, { error: 'replay takes speed or rate, not both' })
  .refine((r) => r.rate === undefined || r.rate > 0, { error: 'replay.rate must be above 0', path: ['rate'] })

export type ReplaySpec = z.output<typeof replaySchema>

/** The replay options of a parsed section (without targets, sink and signal), paths against `dir`. */
export function replayOptionsOf(
  spec: ReplaySpec,
  dir: string,
): { file: string } & Omit<ReplayOptions, 'targets' | 'sink' | 'signal'> {
  const auth = spec.auth
  return {
    file: isAbsolute(spec.file) ? spec.file : resolve(dir, spec.file),
    timing: spec.rate !== undefined ? { rate: spec.rate } : { speed: spec.speed ?? 1 },
    ...(auth
      ? {
          auth: {
            ...(auth.jwt
              ? {
                  jwt: {
                    key: auth.jwt.key,
                    ttlMs: auth.jwt.ttl,
                    ...(auth.jwt.claims ? { claims: auth.jwt.claims } : {}),
                  },
                }
              : {}),
            ...(auth.login
              ? {
                  login: {
                    command: auth.login.command,
                    timeoutMs: auth.login.timeout,
                    ...(auth.login.rules ? { rules: auth.login.rules } : {}),
                  },
                }
              : {}),
            ...(auth.headers ? { headers: auth.headers } : {}),
          },
        }
      : {}),
    shiftTimestamps: spec.shiftTimestamps,
    connections: spec.connections,
    timeoutMs: spec.timeout,
    maxInFlight: spec.maxInFlight,
    ...(spec.limit === undefined ? {} : { limit: spec.limit }),
    cwd: dir,
  }
}
