import { describe, expect, it } from 'vitest'
import { isIban, luhn } from './pii-validators.ts'

describe('PII checksums', () => {
  it('accept Luhn-valid card numbers and reject a changed digit', () => {
    expect(luhn('4111111111111111')).toBe(true)
    expect(luhn('378282246310005')).toBe(true)
    expect(luhn('5555555555554444')).toBe(true)
    expect(luhn('4111111111111112')).toBe(false)
  })

  it('accept IBANs with a right mod-97 check and reject the rest', () => {
    expect(isIban('GB82WEST12345698765432')).toBe(true)
    expect(isIban('DE89370400440532013000')).toBe(true)
    expect(isIban('DE89370400440532013001')).toBe(false)
    expect(isIban('GB82WEST1234')).toBe(false) // too short
    expect(isIban('GB82 WEST 1234 5698 7654 32')).toBe(false) // spaces are the caller's to strip
  })
})
