/**
 * @module data/transformers/email-transformer
 * `email`. The default style is unique: the local part and the host are each permuted
 * format-preservingly (letters stay letters, digits digits, dots and dashes stay), and the host
 * gets the reserved `.example` suffix (RFC 2606), so a masked address is unique when the real one
 * was, joins across tables and services, and can never reach a real mailbox. `realistic` gives
 * `first.last42@example.com` instead, which reads nicer but may collide.
 */
import type { Transformer, TransformerContext } from '../transformer.ts'
import { permuteAlphanumeric } from './format-preserving.ts'
import { transformerInvalid, transformFailed } from './transform-error.ts'
import { FIRST_NAMES, LAST_NAMES } from './word-lists.ts'

export const RESERVED_EMAIL_SUFFIX = '.example'

export function emailTransformer(context: TransformerContext, style: 'unique' | 'realistic' = 'unique'): Transformer {
  const { column } = context
  if (column.valueClass !== 'text' && column.valueClass !== 'other') {
    throw transformerInvalid(context, `\`email\` masks text, not ${column.type}`)
  }
  const local = context.key.domain(context.domain)
  const host = context.key.domain(`${context.domain}/host`)
  // Hosts repeat (most people share a handful of mail providers): permute each once.
  const hosts = new Map<string, string>()
  const maskHost = (h: string): string => {
    let masked = hosts.get(h)
    if (masked === undefined) {
      masked = permuteAlphanumeric(host.permutation, h)
      if (hosts.size >= 50_000) hosts.clear()
      hosts.set(h, masked)
    }
    return masked
  }
  const max = column.maxLength
  if (style === 'realistic') {
    return {
      kind: 'email',
      description: 'realistic fake email at example.com (may collide)',
      unique: false,
      leakCheck: true,
      transform(value) {
        const key = value.toLowerCase()
        const first = FIRST_NAMES[local.pick(key, FIRST_NAMES.length, 1)]!.toLowerCase()
        const last = LAST_NAMES[local.pick(key, LAST_NAMES.length, 2)]!.toLowerCase().replace(/ /g, '')
        return `${first}.${last}${local.pick(key, 1000, 3)}@example.com`
      },
    }
  }
  return {
    kind: 'email',
    description: `unique fake email: permuted local part @ permuted host${RESERVED_EMAIL_SUFFIX}`,
    unique: true,
    leakCheck: true,
    transform(value) {
      const at = value.lastIndexOf('@')
      if (at < 0) {
        // Not an address: mask it as an opaque key rather than let it through.
        return permuteAlphanumeric(local.permutation, value)
      }
      const maskedLocal = permuteAlphanumeric(local.permutation, value.slice(0, at))
      const maskedHost = maskHost(value.slice(at + 1))
      const out = `${maskedLocal}@${maskedHost}${RESERVED_EMAIL_SUFFIX}`
      if (max !== undefined && out.length > max) {
        // The column is too narrow for the suffix: keep the length (still unique, but the host is
        // then a random name rather than a reserved one; docs/data.md says so).
        if (value.length > max) throw transformFailed(context, 'a value is longer than the column allows')
        return `${maskedLocal}@${maskedHost}`
      }
      return out
    },
  }
}
