/**
 * @module data/keys/siphash
 * SipHash-2-4 (Aumasson & Bernstein), the keyed pseudo-random function behind every per-value
 * decision of the transformers (which fake name, which date offset, which Bloom filter bit).
 * HMAC-SHA256 derives one SipHash key per data domain (see masking-key.ts); SipHash then costs a
 * fraction of a microsecond per value where a fresh HMAC costs several, which is what lets a
 * masked copy keep up with an unmasked one. 64-bit arithmetic is done on 32-bit halves.
 */

/** A 128-bit SipHash key as four little-endian 32-bit words (k0 low, k0 high, k1 low, k1 high). */
export type SipKey = Readonly<{ k0lo: number; k0hi: number; k1lo: number; k1hi: number }>

/** Builds a key from 16 bytes. */
export function sipKey(bytes: Uint8Array): SipKey {
  if (bytes.length < 16) throw new RangeError('a SipHash key has 16 bytes')
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16)
  return {
    k0lo: view.getUint32(0, true),
    k0hi: view.getUint32(4, true),
    k1lo: view.getUint32(8, true),
    k1hi: view.getUint32(12, true),
  }
}

/** The result of the last call, as two unsigned 32-bit halves: no allocation per value. */
export const sipOut = { hi: 0, lo: 0 }

/**
 * SipHash-2-4 of `data[0..length)` under `key`; the 64-bit result lands in `sipOut`.
 * Returns the low 32 bits for callers that need only those.
 */
export function sipHash24(key: SipKey, data: Uint8Array, length: number): number {
  // Everything stays in local variables inside one function: V8 keeps them as unboxed 32-bit
  // words, where module-level state or a helper closure would box a number on every store.
  let v0h = (key.k0hi ^ 0x736f6d65) >>> 0
  let v0l = (key.k0lo ^ 0x70736575) >>> 0
  let v1h = (key.k1hi ^ 0x646f7261) >>> 0
  let v1l = (key.k1lo ^ 0x6e646f6d) >>> 0
  let v2h = (key.k0hi ^ 0x6c796765) >>> 0
  let v2l = (key.k0lo ^ 0x6e657261) >>> 0
  let v3h = (key.k1hi ^ 0x74656462) >>> 0
  let v3l = (key.k1lo ^ 0x79746573) >>> 0
  let mh = 0
  let ml = 0
  let t = 0
  let s = 0
  const end = length - (length % 8)
  const blocks = end / 8 + 1 // the full blocks, then the last one carrying the length
  for (let b = 0; b <= blocks; b++) {
    let n = 2
    if (b < blocks) {
      const i = b * 8
      if (i < end) {
        ml = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0
        mh = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0
      } else {
        ml = 0
        mh = (length & 0xff) << 24
        for (let j = 0; j < length - end; j++) {
          const byte = data[end + j]!
          if (j < 4) ml |= byte << (8 * j)
          else mh |= byte << (8 * (j - 4))
        }
        ml >>>= 0
        mh >>>= 0
      }
      v3h = (v3h ^ mh) >>> 0
      v3l = (v3l ^ ml) >>> 0
    } else {
      v2l = (v2l ^ 0xff) >>> 0
      n = 4
    }
    for (let r = 0; r < n; r++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      s = (v0l + v1l) >>> 0
      v0h = (v0h + v1h + (s < v0l ? 1 : 0)) >>> 0
      v0l = s
      t = ((v1h << 13) | (v1l >>> 19)) >>> 0
      v1l = ((v1l << 13) | (v1h >>> 19)) >>> 0
      v1h = t
      v1h = (v1h ^ v0h) >>> 0
      v1l = (v1l ^ v0l) >>> 0
      t = v0h
      v0h = v0l
      v0l = t
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      s = (v2l + v3l) >>> 0
      v2h = (v2h + v3h + (s < v2l ? 1 : 0)) >>> 0
      v2l = s
      t = ((v3h << 16) | (v3l >>> 16)) >>> 0
      v3l = ((v3l << 16) | (v3h >>> 16)) >>> 0
      v3h = t
      v3h = (v3h ^ v2h) >>> 0
      v3l = (v3l ^ v2l) >>> 0
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      s = (v0l + v3l) >>> 0
      v0h = (v0h + v3h + (s < v0l ? 1 : 0)) >>> 0
      v0l = s
      t = ((v3h << 21) | (v3l >>> 11)) >>> 0
      v3l = ((v3l << 21) | (v3h >>> 11)) >>> 0
      v3h = t
      v3h = (v3h ^ v0h) >>> 0
      v3l = (v3l ^ v0l) >>> 0
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      s = (v2l + v1l) >>> 0
      v2h = (v2h + v1h + (s < v2l ? 1 : 0)) >>> 0
      v2l = s
      t = ((v1h << 17) | (v1l >>> 15)) >>> 0
      v1l = ((v1l << 17) | (v1h >>> 15)) >>> 0
      v1h = t
      v1h = (v1h ^ v2h) >>> 0
      v1l = (v1l ^ v2l) >>> 0
      t = v2h
      v2h = v2l
      v2l = t
    }
    if (b < blocks) {
      v0h = (v0h ^ mh) >>> 0
      v0l = (v0l ^ ml) >>> 0
    }
  }
  sipOut.hi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0
  sipOut.lo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0
  return sipOut.lo
}

/**
 * SipHash-2-4 of one 8-byte message given as two 32-bit words (little-endian: `lo` first), the
 * same as `sipHash24` of those 8 bytes without touching memory: the Feistel rounds' PRF.
 */
export function sipHashWord(key: SipKey, hi: number, lo: number): number {
  let v0h = (key.k0hi ^ 0x736f6d65) >>> 0
  let v0l = (key.k0lo ^ 0x70736575) >>> 0
  let v1h = (key.k1hi ^ 0x646f7261) >>> 0
  let v1l = (key.k1lo ^ 0x6e646f6d) >>> 0
  let v2h = (key.k0hi ^ 0x6c796765) >>> 0
  let v2l = (key.k0lo ^ 0x6e657261) >>> 0
  let v3h = (key.k1hi ^ 0x74656462) >>> 0
  let v3l = (key.k1lo ^ 0x79746573) >>> 0
  let t = 0
  let s = 0
  for (let b = 0; b < 3; b++) {
    // Block 0 is the message, block 1 the length (8 in the top byte), then the finalisation.
    const mh = b === 0 ? hi >>> 0 : b === 1 ? 0x08000000 : 0
    const ml = b === 0 ? lo >>> 0 : 0
    let n = 2
    if (b < 2) {
      v3h = (v3h ^ mh) >>> 0
      v3l = (v3l ^ ml) >>> 0
    } else {
      v2l = (v2l ^ 0xff) >>> 0
      n = 4
    }
    for (let r = 0; r < n; r++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      s = (v0l + v1l) >>> 0
      v0h = (v0h + v1h + (s < v0l ? 1 : 0)) >>> 0
      v0l = s
      t = ((v1h << 13) | (v1l >>> 19)) >>> 0
      v1l = ((v1l << 13) | (v1h >>> 19)) >>> 0
      v1h = t
      v1h = (v1h ^ v0h) >>> 0
      v1l = (v1l ^ v0l) >>> 0
      t = v0h
      v0h = v0l
      v0l = t
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      s = (v2l + v3l) >>> 0
      v2h = (v2h + v3h + (s < v2l ? 1 : 0)) >>> 0
      v2l = s
      t = ((v3h << 16) | (v3l >>> 16)) >>> 0
      v3l = ((v3l << 16) | (v3h >>> 16)) >>> 0
      v3h = t
      v3h = (v3h ^ v2h) >>> 0
      v3l = (v3l ^ v2l) >>> 0
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      s = (v0l + v3l) >>> 0
      v0h = (v0h + v3h + (s < v0l ? 1 : 0)) >>> 0
      v0l = s
      t = ((v3h << 21) | (v3l >>> 11)) >>> 0
      v3l = ((v3l << 21) | (v3h >>> 11)) >>> 0
      v3h = t
      v3h = (v3h ^ v0h) >>> 0
      v3l = (v3l ^ v0l) >>> 0
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      s = (v2l + v1l) >>> 0
      v2h = (v2h + v1h + (s < v2l ? 1 : 0)) >>> 0
      v2l = s
      t = ((v1h << 17) | (v1l >>> 15)) >>> 0
      v1l = ((v1l << 17) | (v1h >>> 15)) >>> 0
      v1h = t
      v1h = (v1h ^ v2h) >>> 0
      v1l = (v1l ^ v2l) >>> 0
      t = v2h
      v2h = v2l
      v2l = t
    }
    if (b < 2) {
      v0h = (v0h ^ mh) >>> 0
      v0l = (v0l ^ ml) >>> 0
    }
  }
  sipOut.hi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0
  sipOut.lo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0
  return sipOut.lo
}
