/**
 * @module traffic/capture/capture-schema
 * The spec's pieces for capturing traffic: redaction rules, sampling and the body size limit.
 * The traffic section of `rehearse.yaml` embeds `captureSchema` (as `traffic.capture`, and for
 * `rehearse capture import`); the parsed output fits `RedactionConfig` and `SamplingConfig`.
 */
import { z } from 'zod'
import { compilePathGlob } from '../../core/json-path-glob.ts'
import { fraction, sizeBytes } from '../../spec/fields.ts'
import { DEFAULT_MAX_BODY_BYTES } from './capture-format.ts'
import { DETECTORS } from './pii-detectors.ts'

const names = (what: string) => z.array(z.string().min(1, { error: `${what} must not be empty` })).default([])

const pathGlob = z.string().superRefine((glob, ctx) => {
  try {
    compilePathGlob(glob)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
  }
})

export const redactionSchema = z.strictObject({
  /** HMAC key for tokens, e.g. `${secret.CAPTURE_KEY}`; without it each capture gets a random key. */
  key: z.string().min(16, { error: 'key must be at least 16 characters; use ${secret.NAME}' }).optional(),
  /** Apply the built-in lists of secret headers, parameters and JSON keys. */
  defaults: z.boolean().default(true),
  /** More header names whose values are secret. */
  headers: names('a header name'),
  /** Headers kept exactly as they are. */
  keepHeaders: names('a header name'),
  /** More query and form parameter names whose values are secret. */
  queryParams: names('a parameter name'),
  /** JSON path globs replaced whole: `user.email`, `**.ssn`, `items[].card`. */
  jsonPaths: z.array(pathGlob).default([]),
  /** Detectors that scan all text for personal values. */
  detect: z.array(z.enum(DETECTORS)).default([...DETECTORS]),
  /** JWT claims carried (scanned) in a JWT's token, so that replay can re-sign them. */
  jwtClaims: names('a claim name'),
  /** Bodies that are not text: dropped (default) or kept unscanned. */
  binaryBodies: z.enum(['drop', 'keep']).default('drop'),
  /** Where a session comes from (its token groups requests that replay keeps in order). */
  sessionFrom: z
    .strictObject({ header: z.string().min(1).optional(), cookie: z.string().min(1).optional() })
    .refine((s) => s.header !== undefined || s.cookie !== undefined, { error: 'sessionFrom takes header or cookie' })
    .optional(),
})

const samplingObject = z.strictObject({
  /** Fraction of requests recorded (`10%`, 0.1). */
  rate: fraction().default(1),
  /** Sample by this header's hash, so a user's requests are all in or all out. */
  stickyHeader: z.string().min(1).optional(),
})

/** `sample: 10%` or `sample: { rate: 10%, stickyHeader: x-user-id }`. */
export const samplingSchema = z.union([samplingObject, fraction().transform((rate) => ({ rate }))], {
  error: 'sample is a percentage such as 10%, or { rate, stickyHeader }',
})

export const captureSchema = z.strictObject({
  redact: redactionSchema.prefault({}),
  sample: samplingSchema.prefault({}),
  /** Bodies are cut at this size (flagged `truncated`). */
  maxBodySize: sizeBytes().default(DEFAULT_MAX_BODY_BYTES),
})

export type RedactionSpec = z.output<typeof redactionSchema>
export type SamplingSpec = z.output<typeof samplingSchema>
export type CaptureSpec = z.output<typeof captureSchema>
