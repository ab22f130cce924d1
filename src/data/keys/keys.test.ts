import { describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import { loadMaskingKey, MaskingKey } from './masking-key.ts'
import { sipHash24, sipHashWord, sipKey, sipOut } from './siphash.ts'

describe('SipHash-2-4', () => {
  const key = sipKey(Uint8Array.from({ length: 16 }, (_, i) => i))
  const msg = Uint8Array.from({ length: 64 }, (_, i) => i)
  // Reference vectors from the SipHash paper (key 00..0f, message 00..n-1), as little-endian u64.
  it.each([
    [0, '726fdb47dd0e0e31'],
    [1, '74f839c593dc67fd'],
    [7, 'ab0200f58b01d137'],
    [8, '93f5f5799a932462'],
    [15, 'a129ca6149be45e5'],
  ])('matches the reference vector for %i bytes', (length, hex) => {
    sipHash24(key, msg, length)
    expect(sipOut.hi.toString(16).padStart(8, '0') + sipOut.lo.toString(16).padStart(8, '0')).toBe(hex)
  })

  it('hashes a single word the same as its eight bytes', () => {
    sipHash24(key, msg, 8)
    const expected = [sipOut.hi, sipOut.lo]
    sipHashWord(key, 0x07060504, 0x03020100)
    expect([sipOut.hi, sipOut.lo]).toEqual(expected)
  })
})

describe('masking key', () => {
  it('comes from an environment variable or a file and is never shown', () => {
    const key = loadMaskingKey({ env: 'K' }, { env: { K: 'correct horse battery staple' } })
    expect(JSON.stringify({ key })).toBe(`{"key":{"id":"${key.id}"}}`)
    expect(key.id).toMatch(/^[0-9a-f]{16}$/)
    expect(String(Object.keys(key))).not.toContain('correct')
  })

  it('refuses a missing or short key with a code, naming the variable and not the value', () => {
    const missing = (() => {
      try {
        loadMaskingKey({ env: 'NOPE' }, { env: {} })
      } catch (e) {
        return e
      }
    })()
    expect(isRehearseError(missing) && missing.code).toBe('DATA_KEY_MISSING')
    expect((missing as Error).message).toContain('NOPE')
    expect(() => loadMaskingKey({ value: 'short' })).toThrow(expect.objectContaining({ code: 'DATA_KEY_WEAK' }))
    expect(() => loadMaskingKey({ file: '/nonexistent/key' })).toThrow(
      expect.objectContaining({ code: 'DATA_KEY_MISSING' }),
    )
  })

  it('gives the same id for the same key and another for another key', () => {
    const a = new MaskingKey(Buffer.from('0123456789abcdef-one'))
    expect(new MaskingKey(Buffer.from('0123456789abcdef-one')).id).toBe(a.id)
    expect(new MaskingKey(Buffer.from('0123456789abcdef-two')).id).not.toBe(a.id)
  })
})

describe('keyed permutation', () => {
  const key = new MaskingKey(Buffer.from('a key for the permutation tests'))
  const perm = key.domain('key:t.id').permutation

  it.each([1, 2, 3, 9, 10, 90, 900, 4097, 65_536, 900_000, 2 ** 20 + 3])('is a bijection of [0, %i)', (n) => {
    const seen = new Uint8Array(n)
    let outOfRange = 0
    for (let x = 0; x < n; x++) {
      const y = perm.permute(x, n)
      if (y >= 0 && y < n) seen[y] = 1
      else outOfRange++
    }
    expect(outOfRange).toBe(0)
    expect(seen.every((b) => b === 1)).toBe(true)
  })

  it.each([2n ** 32n, 2n ** 33n + 7n, 10n ** 15n, 2n ** 52n + 1n, 10n ** 30n, 2n ** 128n])(
    'inverts on [0, %s)',
    (n) => {
      for (let i = 0n; i < 500n; i++) {
        const x = (i * 7919n * 104729n + i) % n
        const y = perm.permuteBig(x, n)
        expect(y < n && y >= 0n).toBe(true)
        expect(perm.invertBig(y, n)).toBe(x)
      }
    },
  )

  it('depends on the key and on the domain', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i)
    const base = xs.map((x) => perm.permute(x, 1000))
    expect(xs.map((x) => key.domain('key:t.id').permutation.permute(x, 1000))).toEqual(base)
    expect(xs.map((x) => key.domain('key:other').permutation.permute(x, 1000))).not.toEqual(base)
    const other = new MaskingKey(Buffer.from('another key for the permutation tests'))
    expect(xs.map((x) => other.domain('key:t.id').permutation.permute(x, 1000))).not.toEqual(base)
  })
})
