/**
 * @module data/transformers/create-transformer
 * Builds the transformer a column's policy rule names, after checking that it fits the column.
 */
import type { TransformerSpec } from '../data-schema.ts'
import type { Transformer, TransformerContext } from '../transformer.ts'
import { customTransformer } from './custom-transformer.ts'
import { dateShiftTransformer, generalizeDateTransformer } from './date-transformers.ts'
import { emailTransformer } from './email-transformer.ts'
import { fakeTransformer, phoneTransformer } from './fake-transformers.ts'
import { jsonTransformer } from './json-transformer.ts'
import { keyTransformer } from './key-transformer.ts'
import { generalizeNumberTransformer, noiseTransformer } from './number-transformers.ts'
import { fixedTransformer, hashTransformer, nullTransformer, partialTransformer } from './simple-transformers.ts'
import { transformerInvalid } from './transform-error.ts'

/**
 * The data domain a rule uses when it names none. Values of one kind share a domain across tables
 * (every `email` column masks alike, so joins on emails survive); a key's domain is its column's,
 * which the policy replaces by the referenced column's for foreign keys.
 */
export function defaultDomain(spec: TransformerSpec, table: string, column: string): string {
  if ('domain' in spec && spec.domain) return spec.domain
  switch (spec.kind) {
    case 'key':
      return `key:${table}.${column}`
    case 'name':
    case 'firstName':
    case 'lastName':
      return 'name'
    case 'street':
    case 'city':
    case 'postcode':
    case 'address':
      return 'address'
    case 'lorem':
      return 'text'
    case 'dateShift':
      return `date:${table}`
    case 'custom':
      return `custom:${spec.export}`
    default:
      return spec.kind
  }
}

/** The transformer for one column. Throws DATA_TRANSFORMER_INVALID when it does not fit. */
export async function createTransformer(spec: TransformerSpec, context: TransformerContext): Promise<Transformer> {
  switch (spec.kind) {
    case 'key':
      return keyTransformer(context)
    case 'email':
      return emailTransformer(context, spec.style)
    case 'name':
    case 'firstName':
    case 'lastName':
    case 'street':
    case 'city':
    case 'postcode':
    case 'address':
    case 'lorem':
      return fakeTransformer(context, spec.kind)
    case 'phone':
      return phoneTransformer(context, spec)
    case 'partial':
      return partialTransformer(context, spec)
    case 'dateShift':
      return dateShiftTransformer(context, spec)
    case 'noise':
      return noiseTransformer(context, spec)
    case 'generalize':
      if (spec.to) return generalizeDateTransformer(context, spec.to)
      if (spec.step === undefined)
        throw transformerInvalid(context, '`generalize` needs `step` (numbers) or `to` (dates)')
      return generalizeNumberTransformer(context, spec.step)
    case 'null':
      return nullTransformer(context)
    case 'fixed':
      return fixedTransformer(context, spec.value)
    case 'hash':
      return hashTransformer(context, spec.length)
    case 'custom':
      return customTransformer(context, spec)
    case 'json':
      return jsonTransformer(
        context,
        Object.entries(spec.paths).map(([path, leaf]) => ({
          path,
          kind: leaf.kind,
          build: (column) =>
            createTransformer(leaf, {
              ...context,
              column,
              domain: defaultDomain(leaf, context.table.name, context.column.name),
            }),
        })),
      )
  }
}
