/**
 * @module data/data-schema
 * The `data` section of rehearse.yaml: where staging data comes from, where it goes, the masking
 * key, the policy (what is masked how, what is safe), subsetting, the leak scan and the migration
 * rehearsal. The spec module mounts `dataSpecSchema` under `data:`.
 */
import { z } from 'zod'
import { durationMs, fraction } from '../spec/fields.ts'
import { TRANSFORMER_KINDS, type TransformerKind } from './transformer.ts'

/** A transformer, normalised: every shorthand of the spec becomes one of these. */
export type TransformerSpec =
  | { kind: 'key'; domain?: string }
  | { kind: 'email'; domain?: string; style?: 'unique' | 'realistic' }
  | { kind: 'name' | 'firstName' | 'lastName' | 'street' | 'city' | 'postcode' | 'address' | 'lorem'; domain?: string }
  | { kind: 'phone'; domain?: string; unique?: boolean; keepPrefix?: number }
  | { kind: 'partial'; keepFirst?: number; keepLast?: number; char?: string }
  | { kind: 'dateShift'; domain?: string; maxDays?: number; by?: string[] }
  | { kind: 'noise'; domain?: string; relative?: number; absolute?: number }
  | { kind: 'generalize'; step?: number; to?: 'month' | 'year' }
  | { kind: 'null' }
  | { kind: 'fixed'; value: string | number | boolean }
  | { kind: 'hash'; domain?: string; length?: number }
  | { kind: 'json'; paths: Record<string, TransformerSpec> }
  | { kind: 'custom'; module: string; export: string; domain?: string; unique?: boolean }

/** Kinds that need no options, usable as a bare string (`customers.email: email`). */
const SHORTHAND_KINDS = [
  'key',
  'email',
  'name',
  'firstName',
  'lastName',
  'phone',
  'street',
  'city',
  'postcode',
  'address',
  'lorem',
  'partial',
  'dateShift',
  'noise',
  'null',
  'hash',
] as const satisfies readonly TransformerKind[]

const domain = z.string().min(1).max(200).optional()
const count = z.number().int().min(0).max(64)

const kindObjects = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('key'), domain }),
  z.strictObject({ kind: z.literal('email'), domain, style: z.enum(['unique', 'realistic']).optional() }),
  z.strictObject({
    kind: z.enum(['name', 'firstName', 'lastName', 'street', 'city', 'postcode', 'address', 'lorem']),
    domain,
  }),
  z.strictObject({ kind: z.literal('phone'), domain, unique: z.boolean().optional(), keepPrefix: count.optional() }),
  z.strictObject({
    kind: z.literal('partial'),
    keepFirst: count.optional(),
    keepLast: count.optional(),
    char: z.string().length(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('dateShift'),
    domain,
    maxDays: z.number().int().min(1).max(36500).optional(),
    by: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
  }),
  z.strictObject({
    kind: z.literal('noise'),
    domain,
    relative: z.number().positive().max(10).optional(),
    absolute: z.number().positive().optional(),
  }),
  z.strictObject({
    kind: z.literal('generalize'),
    step: z.number().positive().optional(),
    to: z.enum(['month', 'year']).optional(),
  }),
  z.strictObject({ kind: z.literal('null') }),
  z.strictObject({ kind: z.literal('fixed'), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.strictObject({ kind: z.literal('hash'), domain, length: z.number().int().min(8).max(64).optional() }),
  z.strictObject({
    kind: z.literal('json'),
    get paths() {
      return jsonPaths
    },
  }),
  z.strictObject({
    kind: z.literal('custom'),
    module: z.string().min(1),
    export: z.string().min(1).default('default'),
    domain,
    unique: z.boolean().optional(),
  }),
])

const keepShorthand = z
  .strictObject({ keep: z.string().regex(/^(first|last)\d{1,2}$/, 'expected `last4`, `first2`, …') })
  .transform(({ keep }): TransformerSpec => {
    const n = Number(keep.replace(/^\D+/, ''))
    return keep.startsWith('last') ? { kind: 'partial', keepLast: n } : { kind: 'partial', keepFirst: n, keepLast: 0 }
  })
const fixedShorthand = z
  .strictObject({ fixed: z.union([z.string(), z.number(), z.boolean(), z.null()]) })
  .transform(({ fixed }): TransformerSpec => (fixed === null ? { kind: 'null' } : { kind: 'fixed', value: fixed }))
const customShorthand = z
  .strictObject({ custom: z.string().regex(/^[^#]+(#[A-Za-z_$][\w$]*)?$/, 'expected `./file.js#exportName`') })
  .transform(({ custom }): TransformerSpec => {
    const [module, name] = custom.split('#')
    return { kind: 'custom', module: module!, export: name ?? 'default' }
  })
const jsonShorthand = z
  .strictObject({
    get json() {
      return jsonPaths
    },
  })
  .transform(({ json }): TransformerSpec => ({ kind: 'json', paths: json }))

/**
 * A transformer as written in the spec: a kind name (`email`), `{ keep: last4 }`, `{ fixed: … }`,
 * `{ json: { $.path: … } }`, `{ custom: ./file.js#fn }`, or `{ kind: …, …options }`.
 */
export const transformerSpecSchema: z.ZodType<TransformerSpec, unknown> = z.union([
  z.enum(SHORTHAND_KINDS).transform((kind) => ({ kind }) as TransformerSpec),
  kindObjects.transform((spec) => {
    if (spec.kind === 'dateShift' && typeof spec.by === 'string') return { ...spec, by: [spec.by] }
    return spec as TransformerSpec
  }),
  keepShorthand,
  fixedShorthand,
  customShorthand,
  jsonShorthand,
])

const jsonPaths: z.ZodType<Record<string, TransformerSpec>, unknown> = z.lazy(() =>
  z
    .record(z.string().regex(/^\$/, 'a JSON path starts with `$`'), transformerSpecSchema)
    .refine((paths) => Object.keys(paths).length > 0, 'list at least one JSON path'),
)

/** `table.column`, `table.*`, `*.column` (a `*` matches any run of characters). */
const columnPattern = z.string().regex(/^[^.\s]+\.[^.\s]+$/, 'expected `table.column`, `table.*` or `*.column`')

const keySource = z.union([
  z
    .string()
    .min(1)
    .transform((value) => ({ value })),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
  z.strictObject({ file: z.string().min(1) }),
])

const subsetRule = z.union([
  z
    .string()
    .min(1)
    .transform((where): { where?: string; percent?: number } => ({ where })),
  z
    .strictObject({ where: z.string().min(1).optional(), percent: fraction().optional() })
    .refine((r) => r.where !== undefined || r.percent !== undefined, 'give `where`, `percent` or both'),
])

export const dataSpecSchema = z.strictObject({
  /** Connection URL of the production (source) database: `postgres://…` or `mysql://…`. Only ever read. */
  source: z.string().min(1),
  /** The PostgreSQL schema to copy (MySQL: the database in the URL). */
  schema: z.string().min(1).default('public'),
  /** Where the masked copy goes. */
  target: z.union([
    z
      .string()
      .min(1)
      .transform((url): { url: string; schema?: string } => ({ url })),
    z.strictObject({ url: z.string().min(1), schema: z.string().min(1).optional() }),
  ]),
  /** The masking key: `${secret.NAME}`, `{ env: NAME }` or `{ file: path }`. Default: $REHEARSE_MASKING_KEY. */
  key: keySource.optional(),
  /** Column → transformer. Keys are `table.column` or patterns (`*.email`). */
  mask: z.record(columnPattern, transformerSpecSchema).default({}),
  /** Columns copied as they are: `table.column`, `table.*`, `*.created_at`. */
  safe: z.array(columnPattern).default([]),
  /** Tables to copy (patterns); default every table of the schema. */
  tables: z
    .strictObject({ include: z.array(z.string().min(1)).optional(), exclude: z.array(z.string().min(1)).optional() })
    .optional(),
  /** Subsetting roots: table → WHERE clause, or `{ where, percent }`. */
  subset: z.record(z.string().min(1), subsetRule).optional(),
  /** Tables copied at the same time. */
  jobs: z.number().int().min(1).max(32).default(2),
  /**
   * When the source or the target cannot be reached, a rehearsal skips its data step (its
   * services get no database) instead of failing. For demos and laptops; leave it off in CI.
   */
  optional: z.boolean().default(false),
  /**
   * A command run (in the spec's directory) before every plan and sync, once both databases
   * answer: seeds or restores a demo's own source. Rehearse itself never writes the source.
   */
  prepare: z.string().min(1).optional(),
  scan: z
    .strictObject({
      /** Rows read per table by the leak scanner. */
      maxRows: z.number().int().min(1).default(100_000),
      /** Finding kinds that only warn (`column-name`, `ip`, …). */
      warn: z.array(z.string()).default(['column-name']),
      /** `table.column` patterns the scanner skips. */
      ignore: z.array(columnPattern).default([]),
    })
    .default({ maxRows: 100_000, warn: ['column-name'], ignore: [] }),
  migrate: z
    .strictObject({
      /** The release's migration command, run with DATABASE_URL pointing at the staging copy. */
      command: z.string().min(1),
      /** Gate limits: the `migration` gate fails above any of them. */
      maxDuration: durationMs().optional(),
      maxLockWait: durationMs().optional(),
      maxFailedRequests: z.number().int().min(0).optional(),
      maxRewrittenTables: z.number().int().min(0).optional(),
      timeout: durationMs().default(600_000),
    })
    .optional(),
})

export type DataSpecInput = z.input<typeof dataSpecSchema>
export type DataSpec = z.output<typeof dataSpecSchema>
export { TRANSFORMER_KINDS }
