/**
 * @module analysis/response-diff-schema
 * The spec's `diff` section (the three-way response diff of replayed traffic): the statistical
 * limits, which headers are compared, normalisers, ignored paths and array handling. The parsed
 * output fits `ResponseDiffConfig`.
 */
import { z } from 'zod'
import { durationMs, fraction } from '../spec/fields.ts'
import { FIELD_TESTS } from './response-diff/field-test.ts'
import { compileDiffGlob } from './response-diff/path-glob.ts'
import { DEFAULT_DIFF_HEADERS } from './response-diff.ts'

const pathGlob = z.string().superRefine((glob, ctx) => {
  try {
    compileDiffGlob(glob)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
  }
})

const regex = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` })
  }
})

export const diffNormaliseSchema = z.strictObject({
  /** ISO-8601 date-times and HTTP dates become `<timestamp>`. */
  timestamps: z.boolean().default(true),
  /** UUIDs become `<uuid>` (values, text and object keys). */
  uuids: z.boolean().default(true),
  /** ULIDs, long hex and `prefix_random` ids become their shape. */
  ids: z.boolean().default(true),
  /** Numbers within this window of the replay's start (epoch ms or s) become `<epoch-…>`. */
  epochWindow: durationMs().optional(),
  /** Custom shapes: `{ regex: "ord-[0-9]+", as: order }` turns matches into `<order>`. */
  patterns: z.array(z.strictObject({ regex, as: z.string().regex(/^[a-z][a-z0-9-]*$/) })).default([]),
})

export const responseDiffSchema = z
  .strictObject({
    /** False discovery rate across all fields (`1%`, 0.01). */
    alpha: fraction().default(0.01),
    /** Endpoints with fewer replayed requests are not judged. */
    minRequests: z.number().int().min(1).default(10),
    /** Least excess of the candidate's difference rate over the noise rate worth reporting. */
    minEffect: fraction().default(0),
    /** `paired` (exact McNemar on matched requests) or `fisher` (unpaired rates). */
    test: z.enum(FIELD_TESTS).default('paired'),
    /** Response headers compared. */
    headers: z
      .array(
        z
          .string()
          .min(1)
          .transform((h) => h.toLowerCase()),
      )
      .default([...DEFAULT_DIFF_HEADERS]),
    /** Body paths never compared: `meta.requestId`, `**.updatedAt`. */
    ignore: z.array(pathGlob).default([]),
    /** Arrays compared as multisets. */
    unordered: z.array(pathGlob).default([]),
    /** Arrays compared in order even when `arrays` would not. */
    ordered: z.array(pathGlob).default([]),
    /** `auto`: arrays of scalars unordered, arrays of objects ordered. */
    arrays: z.enum(['auto', 'ordered', 'unordered']).default('auto'),
    normalise: diffNormaliseSchema.prefault({}),
    maxFindings: z.number().int().min(1).default(50),
    maxFieldsPerEndpoint: z.number().int().min(10).default(2000),
  })
  .transform(({ normalise: { epochWindow, ...normalise }, ...rest }) => ({
    ...rest,
    normalise: { ...normalise, ...(epochWindow === undefined ? {} : { epochWindowMs: epochWindow }) },
  }))

export type ResponseDiffSpec = z.output<typeof responseDiffSchema>
