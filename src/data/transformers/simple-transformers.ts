/**
 * @module data/transformers/simple-transformers
 * The transformers that need no vocabulary: `partial` (keep the first or last few characters),
 * `null`, `fixed` and `hash` (HMAC-SHA256, hex).
 */
import type { Transformer, TransformerContext } from '../transformer.ts'
import { transformerInvalid } from './transform-error.ts'

function isAlnum(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code > 127
}

/**
 * Keeps `keepFirst`/`keepLast` letters and digits and replaces the others with `char`; separators
 * stay. At least half the characters are always replaced, so a short value never survives whole.
 */
export function partialTransformer(
  context: TransformerContext,
  options: { keepFirst?: number; keepLast?: number; char?: string },
): Transformer {
  const cls = context.column.valueClass
  if (cls !== 'text' && cls !== 'other')
    throw transformerInvalid(context, `\`partial\` masks text, not ${context.column.type}`)
  const char = options.char ?? '*'
  const wantFirst = options.keepFirst ?? 0
  const wantLast = options.keepLast ?? (options.keepFirst === undefined ? 4 : 0)
  return {
    kind: 'partial',
    description: `masked with ${char}${wantFirst ? `, first ${wantFirst} kept` : ''}${wantLast ? `, last ${wantLast} kept` : ''}`,
    unique: false,
    leakCheck: true,
    transform(value) {
      let alnum = 0
      for (let i = 0; i < value.length; i++) if (isAlnum(value.charCodeAt(i))) alnum++
      const keepable = Math.floor(alnum / 2)
      const last = Math.min(wantLast, keepable)
      const first = Math.min(wantFirst, keepable - last)
      let out = ''
      let seen = 0
      for (let i = 0; i < value.length; i++) {
        if (!isAlnum(value.charCodeAt(i))) {
          out += value[i]
          continue
        }
        out += seen < first || seen >= alnum - last ? value[i] : char
        seen++
      }
      return out
    },
  }
}

export function nullTransformer(context: TransformerContext): Transformer {
  if (!context.column.nullable)
    throw transformerInvalid(context, 'the column is NOT NULL; use `fixed` instead of `null`')
  // Only text is worth looking for later: a number equal to a hidden salary means nothing.
  const leakCheck = context.column.valueClass === 'text'
  return { kind: 'null', description: 'NULL', unique: false, leakCheck, transform: () => null }
}

export function fixedTransformer(context: TransformerContext, value: string | number | boolean): Transformer {
  const text = String(value)
  const max = context.column.maxLength
  if (max !== undefined && text.length > max) {
    throw transformerInvalid(context, `the fixed value is longer than the column's ${max} characters`)
  }
  const leakCheck = context.column.valueClass === 'text'
  return {
    kind: 'fixed',
    description: `always ${JSON.stringify(text)}`,
    unique: false,
    leakCheck,
    transform: () => text,
  }
}

export function hashTransformer(context: TransformerContext, length = 32): Transformer {
  const cls = context.column.valueClass
  if (cls !== 'text' && cls !== 'other')
    throw transformerInvalid(context, `\`hash\` produces text, not ${context.column.type}`)
  const domain = context.key.domain(context.domain)
  const size = Math.min(length, context.column.maxLength ?? 64)
  return {
    kind: 'hash',
    description: `HMAC-SHA256, ${size} hex characters`,
    // 128 bits and more: a collision is not going to happen.
    unique: size >= 32,
    leakCheck: true,
    transform: (value) => domain.hmacHex(value).slice(0, size),
  }
}
