/**
 * @module core/pii-validators
 * The checksums that tell a real personal value from a lookalike, shared by the data scanner
 * (`data/scan/validators.ts`), the capture redactor (`traffic/capture/pii-detectors.ts`) and the
 * diff's example masking. Each of those keeps its own patterns and policy (which issuers, which
 * formats, what to do with a hit); only the arithmetic lives here.
 */

/** The Luhn checksum of a string of digits (card numbers): true when the check digit is right. */
export function luhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/**
 * ISO 13616 check of an IBAN written without spaces (upper-case letters and digits): 15–34
 * characters; the first four moved to the end, letters read as 10–35, the number mod 97 is 1.
 */
export function isIban(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false
  const rearranged = compact.slice(4) + compact.slice(0, 4)
  let remainder = 0
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0)
    const value = code >= 65 ? String(code - 55) : ch
    for (const digit of value) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97
  }
  return remainder === 1
}
