/**
 * @module data/scan/validators
 * Recognisers for personal values in text: email addresses (except reserved example domains),
 * E.164 phone numbers, payment card numbers (issuer prefix, length and Luhn), IBANs (mod 97),
 * public IP addresses, and common national ids (US SSN, UK NINO, Spanish DNI, French NIR, each
 * with its own check). Each finds candidates with a pattern and keeps only those that pass the
 * check, which is what keeps order numbers and SKUs from looking like cards.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { isIban, luhn } from '../../core/pii-validators.ts'
import type { FindingKind } from './scan-types.ts'

export type ValueKind = Exclude<FindingKind, 'production-value' | 'column-name'>

const EMAIL = /[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})/g
const RESERVED_DOMAIN = /(^|\.)(example|test|invalid|localhost)$|^example\.(com|net|org)$/i
const PHONE = /\+[1-9](?:[\s().-]{0,2}\d){7,14}(?!\d)/g
const CARD = /(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)/g
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g
const IPV6 = /(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])/g
const SSN = /(?<!\d)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d)/g
const NINO = /\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g
const DNI = /(?<![\dA-Z])(\d{8})-?([A-Z])(?![\dA-Z])/g
const NIR = /(?<!\d)([12]) ?(\d{2}) ?(0[1-9]|1[0-2]) ?(\d{2}|2[AB]) ?(\d{3}) ?(\d{3}) ?(\d{2})(?!\d)/g

/** Issuer prefixes and lengths of the major card networks. */
function plausibleCard(digits: string): boolean {
  const n = digits.length
  if (/^4/.test(digits)) return n === 13 || n === 16 || n === 19
  if (/^(5[1-5]|2(2[2-9][1-9]|[3-6]\d\d|7[01]\d|720))/.test(digits)) return n === 16
  if (/^3[47]/.test(digits)) return n === 15
  if (/^(6011|65|64[4-9])/.test(digits)) return n >= 16 && n <= 19
  if (/^35(2[89]|[3-8]\d)/.test(digits)) return n >= 16 && n <= 19
  return false
}

function ibanValid(raw: string): boolean {
  return isIban(raw.replace(/ /g, ''))
}

function publicIPv4(ip: string): boolean {
  if (!isIPv4(ip)) return false
  const [a, b, c] = ip.split('.').map(Number) as [number, number, number]
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false
  if (a === 169 && b === 254) return false
  if (a === 172 && b >= 16 && b <= 31) return false
  if (a === 192 && b === 168) return false
  if (a === 100 && b >= 64 && b <= 127) return false
  // Documentation ranges (RFC 5737).
  if ((a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113))
    return false
  return true
}

function publicIPv6(ip: string): boolean {
  if (!isIPv6(ip) || !ip.includes(':')) return false
  const lower = ip.toLowerCase()
  return !(lower === '::' || lower === '::1' || /^(fe[89ab]|fc|fd|ff)/.test(lower) || lower.startsWith('2001:db8'))
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE'

function nirValid(m: RegExpExecArray): boolean {
  const body = `${m[1]}${m[2]}${m[3]}${m[4]!.replace('2A', '19').replace('2B', '18')}${m[5]}${m[6]}`
  return 97 - Number(BigInt(body) % 97n) === Number(m[7])
}

/** Every kind of personal value found in `text`, with the matched substrings (for the leak filter). */
export function detect(text: string): { kinds: Set<ValueKind>; candidates: string[] } {
  const kinds = new Set<ValueKind>()
  const candidates: string[] = []
  const hasDigit = /\d/.test(text)
  if (text.includes('@')) {
    for (const m of text.matchAll(EMAIL)) {
      candidates.push(m[0])
      if (!RESERVED_DOMAIN.test(m[1]!)) kinds.add('email')
    }
  }
  if (!hasDigit && !text.includes(':')) return { kinds, candidates }
  if (text.includes('+')) {
    for (const m of text.matchAll(PHONE)) {
      candidates.push(m[0])
      const digits = m[0].replace(/\D/g, '')
      if (digits.length >= 8 && digits.length <= 15) kinds.add('phone')
    }
  }
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/\D/g, '')
    candidates.push(m[0])
    if (plausibleCard(digits) && luhn(digits)) kinds.add('card')
  }
  for (const m of text.matchAll(IBAN)) if (ibanValid(m[0])) kinds.add('iban')
  for (const m of text.matchAll(IPV4)) if (publicIPv4(m[0])) kinds.add('ip')
  if (text.includes(':')) for (const m of text.matchAll(IPV6)) if (publicIPv6(m[0])) kinds.add('ip')
  for (const m of text.matchAll(SSN)) {
    candidates.push(m[0])
    kinds.add('national-id')
  }
  for (const m of text.matchAll(NINO)) if (m[0]) kinds.add('national-id')
  for (const m of text.matchAll(DNI)) if (DNI_LETTERS[Number(m[1]) % 23] === m[2]) kinds.add('national-id')
  for (const m of text.matchAll(NIR)) if (nirValid(m)) kinds.add('national-id')
  return { kinds, candidates }
}

/** Column names that suggest personal data, for a column declared safe. */
const PERSONAL_NAME =
  /(^|_)(e_?mail|phone|mobile|msisdn|ssn|social_security|first_?name|last_?name|full_?name|surname|given_?name|birth|dob|address|street|zip|postcode|iban|card_?number|pan|passport|national_?id|tax_?id|ip_?addr(ess)?|salary|password)(_|$)/i

export function personalColumnName(name: string): boolean {
  return PERSONAL_NAME.test(name)
}
