/**
 * @module data/transformers/format-preserving
 * Format-preserving encryption of the shapes keys come in, on top of a domain's keyed permutation:
 * integers (same number of digits, within the column type's range), digit strings (same length,
 * leading zeros kept), UUIDs, and any other string (each ASCII letter stays a letter of the same
 * case, each digit a digit, everything else stays where it is). Each mapping is a bijection, so
 * distinct keys stay distinct.
 */
import type { KeyedPermutation } from '../keys/keyed-permutation.ts'

const MAX_SMALL = 2 ** 32
const LOG2_MAX_GROUP = 128

/**
 * An integer in decimal text. Values with d digits stay in [10^(d-1), 10^d) (capped at `maxValue`),
 * signs are kept, 0 stays 0: a bijection on every range the column can hold.
 */
export function permuteInteger(perm: KeyedPermutation, text: string, maxValue?: bigint): string | undefined {
  // Fast path for the common case, up to nine digits without sign or leading zero: no regex, no BigInt.
  const len = text.length
  if (len <= 9 && len > 0 && (maxValue === undefined || Number(maxValue) >= 10 ** len - 1)) {
    let x = 0
    let ok = text.charCodeAt(0) !== 48 || len === 1
    for (let i = 0; ok && i < len; i++) {
      const c = text.charCodeAt(i) - 48
      if (c < 0 || c > 9) ok = false
      else x = x * 10 + c
    }
    if (ok) {
      if (x === 0) return '0'
      const low = len === 1 ? 1 : 10 ** (len - 1)
      return String(low + perm.permute(x - low, 10 ** len - low))
    }
  }
  const m = /^([+-]?)0*(\d+)$/.exec(text)
  if (!m) return undefined
  const sign = m[1] === '-' ? '-' : ''
  const digits = m[2]!
  if (digits === '0') return '0'
  const d = digits.length
  const value = BigInt(digits)
  const low = d === 1 ? 1n : 10n ** BigInt(d - 1)
  let high = 10n ** BigInt(d) - 1n
  if (maxValue !== undefined && maxValue < high) high = maxValue
  if (value > high || value < low) return undefined
  const n = high - low + 1n
  if (n > 1n << 128n) return sign + permuteDigitString(perm, digits) // beyond 38 digits: by chunks
  return sign + String(low + perm.permuteBig(value - low, n))
}

/** A string of ASCII digits: same length, leading zeros allowed. */
export function permuteDigitString(perm: KeyedPermutation, digits: string): string {
  let out = ''
  for (let start = 0; start < digits.length; start += 38) {
    const chunk = digits.slice(start, start + 38)
    const len = chunk.length
    if (len <= 9) {
      out += String(perm.permute(Number(chunk), 10 ** len)).padStart(len, '0')
    } else {
      out += perm
        .permuteBig(BigInt(chunk), 10n ** BigInt(len))
        .toString()
        .padStart(len, '0')
    }
  }
  return out
}

const UUID = /^([0-9a-fA-F]{8})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{4})-?([0-9a-fA-F]{12})$/

/** Whether `text` is a UUID (with or without dashes). */
export function isUuid(text: string): boolean {
  return UUID.test(text)
}

/** A UUID: a permutation of all 128 bits, printed in the input's layout and case. */
export function permuteUuid(perm: KeyedPermutation, text: string): string | undefined {
  const m = UUID.exec(text)
  if (!m) return undefined
  const hex = m.slice(1).join('')
  const out = perm
    .permuteBig(BigInt(`0x${hex}`), 1n << 128n)
    .toString(16)
    .padStart(32, '0')
  const upper = text !== text.toLowerCase()
  const dashed = text.includes('-')
  const parts = [out.slice(0, 8), out.slice(8, 12), out.slice(12, 16), out.slice(16, 20), out.slice(20)]
  const result = dashed ? parts.join('-') : parts.join('')
  return upper ? result.toUpperCase() : result
}

/** Radix and offset of an ASCII character class, or 0 for characters that stay as they are. */
function charClass(code: number): number {
  if (code >= 48 && code <= 57) return 10
  if (code >= 97 && code <= 122) return 26
  if (code >= 65 && code <= 90) return 27 // 26 letters; 27 marks upper case
  return 0
}

function base(cls: number): number {
  return cls === 10 ? 48 : cls === 26 ? 97 : 65
}

/**
 * Any string: digits stay digits, ASCII letters stay letters of the same case, other characters
 * keep their place. Positions are grouped so that each group's space stays ≤ 2^128; each group is
 * permuted on its own (equal groups at the same place map alike, like ECB; keys are rarely that long).
 */
export function permuteAlphanumeric(perm: KeyedPermutation, text: string): string {
  const chars = text.split('')
  const positions: number[] = []
  const radices: number[] = []
  for (let i = 0; i < chars.length; i++) {
    const code = text.charCodeAt(i)
    const cls = charClass(code)
    if (cls !== 0) {
      positions.push(i)
      radices.push(cls === 27 ? 26 : cls)
    }
  }
  let start = 0
  while (start < positions.length) {
    let end = start
    let log2 = 0
    while (end < positions.length && log2 + Math.log2(radices[end]!) <= LOG2_MAX_GROUP) {
      log2 += Math.log2(radices[end]!)
      end++
    }
    permuteGroup(perm, text, chars, positions.slice(start, end), radices.slice(start, end))
    start = end
  }
  return chars.join('')
}

function permuteGroup(perm: KeyedPermutation, text: string, chars: string[], positions: number[], radices: number[]) {
  let space = 1
  for (const r of radices) space *= r
  if (space <= MAX_SMALL) {
    let x = 0
    for (let i = 0; i < positions.length; i++) {
      const code = text.charCodeAt(positions[i]!)
      x = x * radices[i]! + (code - base(charClass(code)))
    }
    let y = perm.permute(x, space)
    for (let i = positions.length - 1; i >= 0; i--) {
      const code = text.charCodeAt(positions[i]!)
      const r = radices[i]!
      chars[positions[i]!] = String.fromCharCode(base(charClass(code)) + (y % r))
      y = Math.floor(y / r)
    }
    return
  }
  let bigSpace = 1n
  let x = 0n
  for (let i = 0; i < positions.length; i++) {
    const code = text.charCodeAt(positions[i]!)
    const r = BigInt(radices[i]!)
    bigSpace *= r
    x = x * r + BigInt(code - base(charClass(code)))
  }
  let y = perm.permuteBig(x, bigSpace)
  for (let i = positions.length - 1; i >= 0; i--) {
    const code = text.charCodeAt(positions[i]!)
    const r = BigInt(radices[i]!)
    chars[positions[i]!] = String.fromCharCode(base(charClass(code)) + Number(y % r))
    y /= r
  }
}
