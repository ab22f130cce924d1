/**
 * @module data/keys/keyed-permutation
 * A bijective keyed permutation of [0, n): the heart of format-preserving masking of keys. Masked
 * keys never collide because the mapping is a permutation, and foreign keys still join because the
 * same domain key gives the same permutation everywhere.
 *
 * Construction, after NIST's FF1: a Feistel network over b = ⌈log2 n⌉ bits split into halves of
 * ⌊b/2⌋ and ⌈b/2⌉ bits (unbalanced when b is odd, so the domain is never more than twice n), ten
 * rounds, and cycle-walking: re-encrypt until the result falls below n, which terminates because
 * the walk follows the permutation's cycle back into [0, n).
 * - n ≤ 2^32 (halves of at most 16 bits): each round function is a table of keyed pseudo-random
 *   16-bit words (AES-256-CTR under a key derived from the domain key), indexed by the half XOR a
 *   per-n tweak: a random function per round, a few nanoseconds per round. Halves of up to 12 bits
 *   (n ≤ 2^24, every key up to seven digits) use 4 096-entry tables, 80 KiB per domain, which stay in
 *   the CPU cache; wider halves use 65 536-entry ones.
 * - n ≤ 2^52: each round function is SipHash-2-4 of (round, half) under a key derived for n, in
 *   plain numbers.
 * - n ≤ 2^128: the same in BigInt arithmetic.
 */
import { createCipheriv, createHmac } from 'node:crypto'
import { type SipKey, sipHash24, sipHashWord, sipOut } from './siphash.ts'

const ROUNDS = 10
const TABLE_SIZE = 65536
const SMALL_TABLE_SIZE = 4096
const MAX_SMALL = 2 ** 32
const MAX_MEDIUM = 2 ** 52
const MAX_LARGE = 1n << 128n

/** Bits of the Feistel domain for n: ⌈log2 n⌉, at least 2. */
function feistelBits(n: bigint): number {
  return Math.max(2, (n - 1n).toString(2).length)
}

/** Per-n constants of the medium path: a round key derived for n, and the half widths (≤ 26 bits). */
type MediumShape = { key: SipKey; maskU: number; maskV: number; scaleV: number }

/** Per-n constants of the small path: round tweaks, half widths and their masks. */
type SmallShape = {
  tweak: Uint16Array
  v: number
  maskU: number
  maskV: number
  scaleV: number
  /** The round tables this n uses, their size, and the mask of a table index. */
  tables: Uint16Array | undefined
  size: number
  indexMask: number
}

export class KeyedPermutation {
  readonly #derived: Buffer
  readonly #sip: SipKey
  #tables: Uint16Array | undefined
  #smallerTables: Uint16Array | undefined
  readonly #shapes = new Map<number, SmallShape>()
  #lastN = -1
  #lastShape: SmallShape | undefined
  readonly #mediums = new Map<number, MediumShape>()
  #lastMediumN = -1
  #lastMedium: MediumShape | undefined
  readonly #bytes = new Uint8Array(1 + 16 + 16)

  constructor(derived: Buffer, sip: SipKey) {
    this.#derived = derived
    this.#sip = sip
  }

  /** The image of x ∈ [0, n) for n ≤ 2^32 (numbers): the fast path. */
  permute(x: number, n: number): number {
    if (!(n <= MAX_SMALL && x >= 0 && x < n && Number.isInteger(x))) {
      throw new RangeError(`keyed permutation: need 0 ≤ x < n ≤ 2^32, got x=${x} n=${n}`)
    }
    return n <= 1 ? x : this.#small(x, n, false)
  }

  /** The image of x ∈ [0, n) for any n ≤ 2^128 (BigInt). */
  permuteBig(x: bigint, n: bigint): bigint {
    return this.#any(x, n, false)
  }

  /** The inverse: `invertBig(permuteBig(x, n), n) === x`. */
  invertBig(y: bigint, n: bigint): bigint {
    return this.#any(y, n, true)
  }

  #any(x: bigint, n: bigint, inverse: boolean): bigint {
    if (!(n <= MAX_LARGE && x >= 0n && x < n)) throw new RangeError('keyed permutation: need 0 ≤ x < n ≤ 2^128')
    if (n <= 1n) return x
    if (n <= BigInt(MAX_SMALL)) return BigInt(this.#small(Number(x), Number(n), inverse))
    if (n <= BigInt(MAX_MEDIUM)) return BigInt(this.#medium(Number(x), Number(n), inverse))
    return this.#large(x, n, inverse)
  }

  /*
   * Every path keeps the state as (a, b) with a of u bits and b of v bits. A round maps
   * (a, b) → (b, a ⊕ F(b)), which swaps the widths; after an even number of rounds they are back.
   */

  #small(x: number, n: number, inverse: boolean): number {
    // Consecutive keys mostly share a size: a one-entry cache saves the map lookup.
    let s = this.#lastShape
    if (n !== this.#lastN || !s) {
      s = this.#shapes.get(n) ?? this.#shape(n)
      this.#lastN = n
      this.#lastShape = s
    }
    const { tweak, v, maskU, maskV, size, indexMask } = s
    const tables = s.tables ?? this.#tablesFor(s)
    // y < 2^32: unsigned shifts and masks instead of divisions (v ≤ 16, so a << v stays exact via *).
    let y = x
    do {
      let a = y >>> v
      let b = (y & maskV) >>> 0
      if (!inverse) {
        for (let r = 0; r < ROUNDS; r += 2) {
          const c = (a ^ tables[r * size + ((b ^ tweak[r]!) & indexMask)]!) & maskU
          const d = (b ^ tables[(r + 1) * size + ((c ^ tweak[r + 1]!) & indexMask)]!) & maskV
          a = c
          b = d
        }
      } else {
        for (let r = ROUNDS - 2; r >= 0; r -= 2) {
          const c = (b ^ tables[(r + 1) * size + ((a ^ tweak[r + 1]!) & indexMask)]!) & maskV
          const d = (a ^ tables[r * size + ((c ^ tweak[r]!) & indexMask)]!) & maskU
          a = d
          b = c
        }
      }
      y = a * (maskV + 1) + b
    } while (y >= n)
    return y
  }

  #medium(x: number, n: number, inverse: boolean): number {
    let m = this.#lastMedium
    if (n !== this.#lastMediumN || !m) {
      m = this.#mediums.get(n) ?? this.#mediumShape(n)
      this.#lastMediumN = n
      this.#lastMedium = m
    }
    const { key, maskU, maskV, scaleV } = m
    // The round function is SipHash of (round, half) under a key derived for this n: one 8-byte
    // word, no buffer to fill.
    let y = x
    do {
      let a = Math.floor(y / scaleV)
      let b = y % scaleV
      if (!inverse) {
        for (let r = 0; r < ROUNDS; r += 2) {
          const c = (a ^ sipHashWord(key, r, b)) & maskU
          const d = (b ^ sipHashWord(key, r + 1, c)) & maskV
          a = c
          b = d
        }
      } else {
        for (let r = ROUNDS - 2; r >= 0; r -= 2) {
          const c = (b ^ sipHashWord(key, r + 1, a)) & maskV
          const d = (a ^ sipHashWord(key, r, c)) & maskU
          a = d
          b = c
        }
      }
      y = a * scaleV + b
    } while (y >= n)
    return y
  }

  #mediumShape(n: number): MediumShape {
    const bits = feistelBits(BigInt(n))
    const u = Math.floor(bits / 2)
    const v = bits - u
    const bytes = new Uint8Array(9)
    new DataView(bytes.buffer).setFloat64(1, n, true)
    const words: number[] = []
    for (const tag of [0xfd, 0xfc]) {
      bytes[0] = tag
      sipHash24(this.#sip, bytes, bytes.length)
      words.push(sipOut.lo, sipOut.hi)
    }
    const shape = {
      key: { k0lo: words[0]!, k0hi: words[1]!, k1lo: words[2]!, k1hi: words[3]! },
      maskU: 2 ** u - 1,
      maskV: 2 ** v - 1,
      scaleV: 2 ** v,
    }
    this.#mediums.set(n, shape)
    return shape
  }

  #large(x: bigint, n: bigint, inverse: boolean): bigint {
    const bits = feistelBits(n)
    const u = BigInt(Math.floor(bits / 2))
    const v = BigInt(bits) - u
    const bytes = this.#bytes
    writeBig(bytes, 1, n, 16)
    const f = (r: number, half: bigint, width: bigint): bigint => {
      bytes[0] = r
      writeBig(bytes, 17, half, 16)
      sipHash24(this.#sip, bytes, bytes.length)
      let out = (BigInt(sipOut.hi) << 32n) | BigInt(sipOut.lo)
      if (width > 64n) {
        bytes[0] = r | 0x80
        sipHash24(this.#sip, bytes, bytes.length)
        out = (out << 64n) | (BigInt(sipOut.hi) << 32n) | BigInt(sipOut.lo)
      }
      return out & ((1n << width) - 1n)
    }
    let y = x
    do {
      let a = y >> v
      let b = y & ((1n << v) - 1n)
      if (!inverse) {
        for (let r = 0; r < ROUNDS; r++) {
          const c = a ^ f(r, b, r % 2 === 0 ? u : v)
          a = b
          b = c
        }
      } else {
        for (let r = ROUNDS - 1; r >= 0; r--) {
          const prev = b ^ f(r, a, r % 2 === 0 ? u : v)
          b = a
          a = prev
        }
      }
      y = (a << v) | b
    } while (y >= n)
    return y
  }

  #tablesFor(shape: SmallShape): Uint16Array {
    if (shape.size === SMALL_TABLE_SIZE) {
      this.#smallerTables ??= this.#keystream('feistel-tables-12', ROUNDS * SMALL_TABLE_SIZE)
      shape.tables = this.#smallerTables
    } else {
      this.#tables ??= this.#keystream('feistel-tables-16', ROUNDS * TABLE_SIZE)
      shape.tables = this.#tables
    }
    return shape.tables
  }

  #keystream(label: string, words: number): Uint16Array {
    const key = createHmac('sha256', this.#derived).update(label).digest()
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16))
    const stream = Buffer.concat([cipher.update(Buffer.alloc(words * 2)), cipher.final()])
    return new Uint16Array(stream.buffer, stream.byteOffset, words)
  }

  /** Per-round 16-bit tweaks for a domain size n (different sizes get unrelated permutations), and the half widths. */
  #shape(n: number): SmallShape {
    const tweak = new Uint16Array(ROUNDS)
    const bytes = new Uint8Array(9)
    new DataView(bytes.buffer).setFloat64(1, n, true)
    for (let r = 0; r < ROUNDS; r += 4) {
      bytes[0] = 0xf0 + r
      sipHash24(this.#sip, bytes, bytes.length)
      const words = [sipOut.lo & 0xffff, sipOut.lo >>> 16, sipOut.hi & 0xffff, sipOut.hi >>> 16]
      for (let i = 0; i < 4 && r + i < ROUNDS; i++) tweak[r + i] = words[i]!
    }
    const bits = feistelBits(BigInt(n))
    const u = Math.floor(bits / 2)
    const v = bits - u
    const size = v <= 12 ? SMALL_TABLE_SIZE : TABLE_SIZE
    const shape = {
      tweak,
      v,
      maskU: 2 ** u - 1,
      maskV: 2 ** v - 1,
      scaleV: 2 ** v,
      tables: undefined,
      size,
      indexMask: size - 1,
    }
    this.#shapes.set(n, shape)
    return shape
  }
}

/** Writes `value` (< 2^(8·length)) little-endian, 32 bits at a time: a BigInt operation costs more than a byte. */
function writeBig(bytes: Uint8Array, offset: number, value: bigint, length: number): void {
  let v = value
  for (let i = 0; i < length; i += 4) {
    if (v === 0n) {
      bytes.fill(0, offset + i, offset + length)
      return
    }
    const word = Number(BigInt.asUintN(32, v))
    bytes[offset + i] = word & 0xff
    bytes[offset + i + 1] = (word >>> 8) & 0xff
    bytes[offset + i + 2] = (word >>> 16) & 0xff
    bytes[offset + i + 3] = word >>> 24
    v >>= 32n
  }
}
