/**
 * @module data/transformers/key-transformer
 * `key`: a bijective, format-preserving keyed permutation for primary and foreign keys. Integers
 * keep their number of digits and stay within the column type; digit strings keep their length;
 * UUIDs stay UUIDs; other strings keep their shape. Referencing columns share the referenced
 * column's domain (the policy sees to it), so foreign keys still join.
 */
import type { Transformer, TransformerContext } from '../transformer.ts'
import { isUuid, permuteAlphanumeric, permuteDigitString, permuteInteger, permuteUuid } from './format-preserving.ts'
import { transformerInvalid, transformFailed } from './transform-error.ts'

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i)

export function keyTransformer(context: TransformerContext): Transformer {
  const { column } = context
  const perm = context.key.domain(context.domain).permutation
  const cls = column.valueClass
  if (cls !== 'integer' && cls !== 'decimal' && cls !== 'text' && cls !== 'uuid') {
    throw transformerInvalid(context, `\`key\` permutes integers, digit strings, UUIDs and text, not ${column.type}`)
  }
  const base = { kind: 'key', unique: true, leakCheck: false } as const
  if (cls === 'integer' || cls === 'decimal') {
    const max = column.maxValue
    const maxNumber = max === undefined ? Number.POSITIVE_INFINITY : Number(max)
    return {
      ...base,
      description: `keyed permutation of integers (same digit count${max === undefined ? '' : `, ≤ ${max}`})`,
      transform(value) {
        const out = permuteInteger(perm, value, max)
        if (out === undefined) throw transformFailed(context, 'a value is not an integer')
        return out
      },
      transformInteger(x) {
        if (x === 0) return 0
        const digits = x < 10 ? 1 : Math.floor(Math.log10(x)) + 1
        const low = digits === 1 ? 1 : POW10[digits - 1]!
        const high = Math.min(POW10[digits]! - 1, maxNumber)
        if (x > high) throw transformFailed(context, 'a value is larger than the column type allows')
        return low + perm.permute(x - low, high - low + 1)
      },
    }
  }
  if (cls === 'uuid') {
    return {
      ...base,
      description: 'keyed permutation of UUIDs',
      transform(value) {
        const out = permuteUuid(perm, value)
        if (out === undefined) throw transformFailed(context, 'a value is not a UUID')
        return out
      },
    }
  }
  return {
    ...base,
    description: 'keyed format-preserving permutation (digits → digits, letters → letters)',
    transform(value) {
      if (/^\d+$/.test(value)) return permuteDigitString(perm, value)
      if (isUuid(value) && (value === value.toLowerCase() || value === value.toUpperCase())) {
        return permuteUuid(perm, value)!
      }
      // Cycle-walk past UUID-shaped results: those belong to the UUID branch, and walking keeps
      // this branch a bijection of the strings that are not UUIDs.
      let out = permuteAlphanumeric(perm, value)
      while (isUuid(out) && (out === out.toLowerCase() || out === out.toUpperCase()))
        out = permuteAlphanumeric(perm, out)
      return out
    },
  }
}
