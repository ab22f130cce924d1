/**
 * @module data/transformers/fake-transformers
 * Realistic fakes derived from the key: names, phone numbers, addresses and filler text. Each is a
 * keyed function of the original value (the same real name always becomes the same fake name, in
 * every table and engine), drawn from the embedded word lists. Fakes may collide; only `phone`
 * with `unique: true` is a bijection.
 */
import type { DataDomain } from '../keys/masking-key.ts'
import type { Transformer, TransformerContext, TransformerKind } from '../transformer.ts'
import { permuteDigitString } from './format-preserving.ts'
import { transformerInvalid } from './transform-error.ts'
import { CITIES, FIRST_NAMES, LAST_NAMES, LOREM_WORDS, STREET_NAMES, STREET_SUFFIXES } from './word-lists.ts'

type FakeKind = Extract<
  TransformerKind,
  'name' | 'firstName' | 'lastName' | 'street' | 'city' | 'postcode' | 'address' | 'lorem'
>

const DESCRIPTIONS: Record<FakeKind, string> = {
  name: 'fake full name',
  firstName: 'fake first name',
  lastName: 'fake last name',
  street: 'fake street address',
  city: 'fake town',
  postcode: 'postcode of the same shape, other characters',
  address: 'fake street address and town',
  lorem: 'filler text with about as many words',
}

function fitText(context: TransformerContext): void {
  if (context.column.valueClass !== 'text' && context.column.valueClass !== 'other') {
    throw transformerInvalid(context, `\`${context.column.name}\` is ${context.column.type}; fakes produce text`)
  }
}

/** Case-insensitive key: `Jane Doe` and `jane doe` are one person. */
function norm(value: string): string {
  return value.trim().toLowerCase()
}

/** Several keyed choices from one PRF call (53 bits go a long way for word lists). */
function choose(domain: DataDomain, key: string, tag: number, sizes: readonly number[]): number[] {
  let r = domain.random53(key, tag)
  return sizes.map((n) => {
    const i = r % n
    r = Math.floor(r / n)
    return i
  })
}

function street(domain: DataDomain, key: string): string {
  const [number, name, suffix] = choose(domain, key, 10, [998, STREET_NAMES.length, STREET_SUFFIXES.length])
  return `${number! + 1} ${STREET_NAMES[name!]} ${STREET_SUFFIXES[suffix!]}`
}

/**
 * Replaces every digit and ASCII letter after the first `keep` of them by a keyed one of the same
 * class (not a bijection). One PRF call yields 53 bits, about fifteen digits' worth.
 */
export function scramble(domain: DataDomain, value: string, keep = 0): string {
  const key = norm(value)
  let out = ''
  let seen = 0
  let pool = 0
  let capacity = 1
  let tag = 20
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    const isDigit = code >= 48 && code <= 57
    const isLower = code >= 97 && code <= 122
    const isUpper = code >= 65 && code <= 90
    if (!(isDigit || isLower || isUpper) || seen++ < keep) {
      out += value[i]
      continue
    }
    const radix = isDigit ? 10 : 26
    if (capacity < 2 ** 10) {
      pool = domain.random53(key, tag++)
      capacity = 2 ** 53
    }
    out += String.fromCharCode((isDigit ? 48 : isLower ? 97 : 65) + (pool % radix))
    pool = Math.floor(pool / radix)
    capacity = Math.floor(capacity / radix)
  }
  return out
}

export function fakeTransformer(context: TransformerContext, kind: FakeKind): Transformer {
  fitText(context)
  const domain = context.key.domain(context.domain)
  const max = context.column.maxLength
  const clip = (s: string): string => (max !== undefined && s.length > max ? s.slice(0, max) : s)
  const make = (transform: (key: string, value: string) => string): Transformer => ({
    kind,
    description: DESCRIPTIONS[kind],
    unique: false,
    leakCheck: kind !== 'city' && kind !== 'postcode',
    transform: (value) => clip(transform(norm(value), value)),
  })
  switch (kind) {
    case 'firstName':
      return make((k) => FIRST_NAMES[domain.pick(k, FIRST_NAMES.length, 1)]!)
    case 'lastName':
      return make((k) => LAST_NAMES[domain.pick(k, LAST_NAMES.length, 2)]!)
    case 'name':
      return make((k) => {
        const [first, last] = choose(domain, k, 3, [FIRST_NAMES.length, LAST_NAMES.length])
        return `${FIRST_NAMES[first!]} ${LAST_NAMES[last!]}`
      })
    case 'street':
      return make((k) => street(domain, k))
    case 'city':
      return make((k) => CITIES[domain.pick(k, CITIES.length, 13)]!)
    case 'address':
      return make((k) => `${street(domain, k)}, ${CITIES[domain.pick(k, CITIES.length, 13)]}`)
    case 'postcode':
      return make((_k, v) => scramble(domain, v))
    case 'lorem':
      return make((k, v) => {
        const words = Math.min(200, Math.max(1, v.split(/\s+/).filter(Boolean).length))
        const out: string[] = []
        let r = 0
        for (let i = 0; i < words; i++) {
          if (i % 8 === 0) r = domain.random53(k, 30 + i / 8) // 8 words of 6 bits per PRF call
          out.push(LOREM_WORDS[r % LOREM_WORDS.length]!)
          r = Math.floor(r / LOREM_WORDS.length)
        }
        const text = out.join(' ')
        return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]\s*$/.test(v) ? '.' : '')
      })
  }
}

/**
 * `phone`: every digit after the first `keepPrefix` digits is replaced, separators and a leading
 * `+` stay. By default a keyed scramble (realistic, may collide); `unique: true` permutes the
 * digits instead, a bijection for numbers with the same layout.
 */
export function phoneTransformer(
  context: TransformerContext,
  options: { unique?: boolean; keepPrefix?: number },
): Transformer {
  fitText(context)
  const domain = context.key.domain(context.domain)
  const keep = options.keepPrefix ?? 0
  if (options.unique) {
    const perm = domain.permutation
    return {
      kind: 'phone',
      description: `phone number, digits permuted${keep ? ` after the first ${keep}` : ''} (unique)`,
      unique: true,
      leakCheck: true,
      transform(value) {
        const digits = value.replace(/\D/g, '')
        if (digits.length <= keep) return value
        const masked = digits.slice(0, keep) + permuteDigitString(perm, digits.slice(keep))
        let i = 0
        return value.replace(/\d/g, () => masked[i++]!)
      },
    }
  }
  return {
    kind: 'phone',
    description: `fake phone number of the same layout${keep ? `, first ${keep} digits kept` : ''}`,
    unique: false,
    leakCheck: true,
    transform: (value) => scramble(domain, value, keep),
  }
}
