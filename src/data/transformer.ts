/**
 * @module data/transformer
 * The boundary every masking transformer implements. A transformer turns one column's value (as
 * text, NULL never reaches it) into its masked value. Transformers are built per column from the
 * spec by `transformers/create-transformer.ts`; every decision they make is keyed by the masking
 * key through a data domain, so the same value masks the same way in every table and engine.
 * Types only.
 */
import type { MaskingKey } from './keys/masking-key.ts'
import type { ColumnSchema, TableSchema } from './source.ts'

/** The transformer kinds the spec can name. */
export const TRANSFORMER_KINDS = [
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
  'generalize',
  'null',
  'fixed',
  'hash',
  'json',
  'custom',
] as const
export type TransformerKind = (typeof TRANSFORMER_KINDS)[number]

export interface Transformer {
  readonly kind: TransformerKind
  /** What the column becomes, in a few words, for `rehearse data plan`. */
  readonly description: string
  /** Distinct inputs always give distinct outputs, so the column may be a primary or unique key. */
  readonly unique: boolean
  /**
   * Whether the column's *original* values go into the leak filter, so that the scanner finds them
   * wherever they survive in staging. True for personal values (emails, names, phones, streets,
   * whatever `null`, `fixed`, `partial`, `hash` or a custom function hide). False where a hit would
   * mean nothing: permuted keys (masked keys are other real keys by design), shifted dates, noisy
   * numbers, towns and postcodes (too common), JSON documents (never equal as a whole).
   */
  readonly leakCheck: boolean
  /** Columns of the same row whose *original* values `transform` reads (its `row` argument). */
  readonly reads?: readonly string[]
  /**
   * The masked value. `row` holds the row's original values in the table's column order. Throws a
   * RehearseError (DATA_TRANSFORM_FAILED) for a value it cannot mask: a value is never let through.
   */
  transform(value: string, row: readonly (string | null)[]): string | null
  /**
   * Optional fast path for non-negative integers of up to nine digits without leading zeros: the
   * same result as `transform(String(x))`, without the strings. The COPY masker uses it for keys.
   */
  transformInteger?(x: number): number
}

/** Everything a transformer factory may use. */
export type TransformerContext = {
  key: MaskingKey
  table: TableSchema
  column: ColumnSchema
  /** The data domain (already defaulted by the policy): same domain, same masking. */
  domain: string
  /** Directory that relative paths in the spec (custom transformers) are relative to. */
  baseDir: string
}

/** The function a custom transformer module exports. */
export type CustomTransformerFunction = (value: string, context: CustomTransformerContext) => unknown

/** What a custom transformer receives besides the value. */
export type CustomTransformerContext = {
  table: string
  column: string
  /** The row's original values by column name. */
  readonly row: Readonly<Record<string, string | null>>
  /** A keyed number in [0, 1) for `text`, stable for a given key and domain. */
  random(text: string): number
  /** A keyed integer in [0, n). */
  pick(text: string, n: number): number
  /** A keyed element of `list`. */
  choose<T>(text: string, list: readonly T[]): T
  /** HMAC-SHA256 of `text` under the domain's key, hex. */
  hmac(text: string): string
}
