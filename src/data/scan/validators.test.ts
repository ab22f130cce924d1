import { describe, expect, it } from 'vitest'
import { luhn } from '../../core/pii-validators.ts'
import { detect, personalColumnName } from './validators.ts'

const kinds = (text: string) => [...detect(text).kinds].sort()

describe('validators', () => {
  it('find emails, but not at reserved example domains', () => {
    expect(kinds('write to jane.doe@gmail.com please')).toEqual(['email'])
    expect(kinds('qxzv@kdwp.bxq.example')).toEqual([])
    expect(kinds('someone@example.com')).toEqual([])
    expect(kinds('no at sign here')).toEqual([])
  })

  it('find E.164 phone numbers, formatted or not', () => {
    expect(kinds('+14155550100')).toEqual(['phone'])
    expect(kinds('call +44 20 7946 0958 now')).toEqual(['phone'])
    expect(kinds('order 14155550100')).toEqual([])
  })

  it('find card numbers only with a real issuer prefix and a valid Luhn digit', () => {
    expect(luhn('4111111111111111')).toBe(true)
    expect(kinds('card 4111 1111 1111 1111')).toEqual(['card'])
    expect(kinds('4111111111111112')).toEqual([])
    expect(kinds('9111111111111111')).toEqual([]) // no issuer starts with 9
    expect(kinds('378282246310005')).toEqual(['card'])
  })

  it('find IBANs with a valid checksum', () => {
    expect(kinds('GB82 WEST 1234 5698 7654 32')).toEqual(['iban'])
    expect(kinds('DE89370400440532013000')).toEqual(['iban'])
    expect(kinds('DE89370400440532013001')).toEqual([])
  })

  it('find public IP addresses, not private, loopback or documentation ones', () => {
    expect(kinds('from 8.8.4.4')).toEqual(['ip'])
    expect(kinds('10.0.0.1 and 127.0.0.1 and 192.168.1.1 and 203.0.113.9')).toEqual([])
    expect(kinds('2a00:1450:4007:80e::200e')).toEqual(['ip'])
    expect(kinds('::1 fe80::1 2001:db8::1')).toEqual([])
    expect(kinds('version 1.2.3.4.5')).toEqual([])
  })

  it('find national ids that pass their checks', () => {
    expect(kinds('ssn 123-45-6789')).toEqual(['national-id'])
    expect(kinds('000-12-3456 666-12-3456')).toEqual([])
    expect(kinds('AB 12 34 56 C')).toEqual(['national-id'])
    expect(kinds('QQ 12 34 56 C')).toEqual([]) // the documentation example is not a valid number
    expect(kinds('DNI 12345678Z')).toEqual(['national-id'])
    expect(kinds('DNI 12345678A')).toEqual([])
    expect(kinds('NIR 1 84 12 76 451 089 46')).toEqual(['national-id'])
    expect(kinds('NIR 1 84 12 76 451 089 47')).toEqual([])
  })

  it('recognise personal column names', () => {
    for (const name of ['email', 'customer_email', 'phone_number', 'first_name', 'dob', 'ip_address', 'home_address']) {
      expect(personalColumnName(name), name).toBe(true)
    }
    for (const name of ['emailed_at_count', 'total', 'sku', 'created_at', 'shipped'])
      expect(personalColumnName(name), name).toBe(false)
  })
})
