/**
 * @module data/scan/leak-filter
 * The leak filter: a Bloom filter of keyed hashes of the production values of sensitive columns,
 * built while the sync reads them. The scanner then asks it about every value in staging: a hit
 * means a real value survived somewhere (a masked column that let it through, a free-text column
 * that quoted it, a JSON field nobody listed). Membership is keyed (SipHash under the masking
 * key's `leak` domain), so the filter, stored with the rehearsal, cannot be used by someone without
 * the key to test guesses. It is a blocked Bloom filter (all bits of a value in one 64-byte cache
 * line: one memory miss per value, not sixteen) with 32 bits and 16 probes per value, about one
 * false positive in a million. It grows by adding sub-filters twice as large as the last one when
 * full (a scalable Bloom filter), so a stale row estimate costs memory, not accuracy, up to `maxBytes`.
 */
import { RehearseError } from '../../core/errors.ts'
import type { DataDomain, MaskingKey } from '../keys/masking-key.ts'
import { sipOut } from '../keys/siphash.ts'

/** Values shorter than this are too common ("Bob", "NY") to mean anything when found. */
export const MIN_LEAK_VALUE_LENGTH = 4
const MAGIC = 'RHLF1'

/** How values are compared: case, surrounding and repeated whitespace do not matter. */
export function normalizeLeakValue(value: string): string {
  const trimmed = value.trim()
  return (MESSY_SPACE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed).toLowerCase()
}

const MESSY_SPACE = /\s\s|[\t\n\r\v\f\u00a0]/
const BITS_PER_VALUE = 32
const PROBES = 16
const BLOCK_BITS = 512

type Part = { bits: Uint8Array; blocks: number; capacity: number; count: number }

function newPart(capacity: number): Part {
  const blocks = Math.max(16, Math.ceil((capacity * BITS_PER_VALUE) / BLOCK_BITS))
  return { bits: new Uint8Array(blocks * (BLOCK_BITS / 8)), blocks, capacity, count: 0 }
}

function partBytes(capacity: number): number {
  return Math.max(16, Math.ceil((capacity * BITS_PER_VALUE) / BLOCK_BITS)) * (BLOCK_BITS / 8)
}

export class LeakFilter {
  readonly keyId: string
  readonly #domain: DataDomain
  readonly #parts: Part[]
  readonly #maxBytes: number
  #saturated = false

  constructor(key: MaskingKey, options: { capacity?: number; maxBytes?: number } = {}, parts?: Part[]) {
    this.keyId = key.id
    this.#domain = key.domain('values', 'leak')
    this.#maxBytes = options.maxBytes ?? 64 * 1024 * 1024
    this.#parts = parts ?? [newPart(Math.max(1000, options.capacity ?? 100_000))]
  }

  /** Values added (including repeats that were already present). */
  get count(): number {
    return this.#parts.reduce((n, p) => n + p.count, 0)
  }

  get bytes(): number {
    return this.#parts.reduce((n, p) => n + p.bits.length, 0)
  }

  /** True once `maxBytes` stopped the filter from growing: from then on it answers with more false positives. */
  get saturated(): boolean {
    return this.#saturated
  }

  /** Adds a production value (ignored when shorter than MIN_LEAK_VALUE_LENGTH after normalising). */
  add(value: string): void {
    const norm = normalizeLeakValue(value)
    if (norm.length < MIN_LEAK_VALUE_LENGTH) return
    this.#domain.prf(norm)
    this.addHash(sipOut.hi, sipOut.lo)
  }

  /** Adds values hashed elsewhere (a `LeakHashBuffer` in a worker thread): pairs of (hi, lo). */
  addHashes(pairs: Uint32Array): void {
    for (let i = 0; i + 1 < pairs.length; i += 2) this.addHash(pairs[i]!, pairs[i + 1]!)
  }

  addHash(hi: number, lo: number): void {
    let part = this.#parts[this.#parts.length - 1]!
    if (part.count >= part.capacity) {
      if (this.bytes + partBytes(part.capacity * 2) <= this.#maxBytes) {
        part = newPart(part.capacity * 2)
        this.#parts.push(part)
      } else this.#saturated = true
    }
    setBits(part, hi, lo)
    part.count++
  }

  /** Whether `value` may be one of the production values (false: it certainly is not). */
  has(value: string): boolean {
    const norm = normalizeLeakValue(value)
    if (norm.length < MIN_LEAK_VALUE_LENGTH) return false
    this.#domain.prf(norm)
    const hi = sipOut.hi
    const lo = sipOut.lo
    for (const part of this.#parts) if (testBits(part, hi, lo)) return true
    return false
  }

  /** A self-describing binary form, to keep with the rehearsal. */
  serialize(): Buffer {
    const header = JSON.stringify({
      keyId: this.keyId,
      parts: this.#parts.map((p) => ({ blocks: p.blocks, capacity: p.capacity, count: p.count, bytes: p.bits.length })),
    })
    const head = Buffer.from(`${MAGIC}\n${header}\n`, 'utf8')
    return Buffer.concat([
      head,
      ...this.#parts.map((p) => Buffer.from(p.bits.buffer, p.bits.byteOffset, p.bits.length)),
    ])
  }

  /** Reads `serialize()`'s output; the key must be the one the filter was built with. */
  static deserialize(data: Uint8Array, key: MaskingKey): LeakFilter {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const invalid = (why: string) =>
      new RehearseError('DATA_LEAK_FILTER_INVALID', `The leak filter cannot be used: ${why}.`, {
        hint: 'Run `rehearse data sync` again to rebuild it, with the key the scan uses.',
      })
    const first = buf.indexOf(0x0a)
    const second = first < 0 ? -1 : buf.indexOf(0x0a, first + 1)
    if (first < 0 || second < 0 || buf.toString('utf8', 0, first) !== MAGIC)
      throw invalid('it is not a leak filter file')
    let header: { keyId: string; parts: Array<{ blocks: number; capacity: number; count: number; bytes: number }> }
    try {
      header = JSON.parse(buf.toString('utf8', first + 1, second))
    } catch {
      throw invalid('its header is damaged')
    }
    if (header.keyId !== key.id) throw invalid('it was built with another masking key')
    let offset = second + 1
    const parts: Part[] = []
    for (const p of header.parts) {
      if (offset + p.bytes > buf.length) throw invalid('it is truncated')
      if (p.bytes !== p.blocks * (BLOCK_BITS / 8)) throw invalid('its header is damaged')
      parts.push({
        blocks: p.blocks,
        capacity: p.capacity,
        count: p.count,
        bits: new Uint8Array(buf.subarray(offset, offset + p.bytes)),
      })
      offset += p.bytes
    }
    return new LeakFilter(key, {}, parts)
  }
}

/**
 * Hashes production values the way `LeakFilter.add` does, for a worker thread that masks rows while
 * the filter lives in the main thread: `take()` hands the (hi, lo) pairs over, to `addHashes`.
 */
export class LeakHashBuffer {
  readonly #domain: DataDomain
  #pairs = new Uint32Array(8192)
  #length = 0

  constructor(key: MaskingKey) {
    this.#domain = key.domain('values', 'leak')
  }

  get size(): number {
    return this.#length / 2
  }

  add(value: string): void {
    const norm = normalizeLeakValue(value)
    if (norm.length < MIN_LEAK_VALUE_LENGTH) return
    this.#domain.prf(norm)
    if (this.#length + 2 > this.#pairs.length) {
      const bigger = new Uint32Array(this.#pairs.length * 2)
      bigger.set(this.#pairs)
      this.#pairs = bigger
    }
    this.#pairs[this.#length++] = sipOut.hi
    this.#pairs[this.#length++] = sipOut.lo
  }

  /** The pairs so far (a copy the caller may transfer); the buffer starts again empty. */
  take(): Uint32Array {
    const out = this.#pairs.slice(0, this.#length)
    this.#length = 0
    return out
  }
}

/**
 * The block comes from the high word; the 16 probes inside it from a xorshift sequence seeded with
 * the low word (and what the block choice left of the high word), so that values in one block
 * differ in all 32+ bits rather than in the 17 bits plain double hashing would give.
 */
function probes(part: Part, hi: number, lo: number, set: boolean): boolean {
  const base = (hi % part.blocks) * (BLOCK_BITS / 8)
  let x = (lo ^ Math.imul(Math.floor(hi / part.blocks), 0x9e3779b1)) | 0 || 0x2545f491
  for (let i = 0; i < PROBES; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const bit = x & (BLOCK_BITS - 1)
    const byte = base + (bit >>> 3)
    if (set) part.bits[byte]! |= 1 << (bit & 7)
    else if ((part.bits[byte]! & (1 << (bit & 7))) === 0) return false
  }
  return true
}

function setBits(part: Part, hi: number, lo: number): void {
  probes(part, hi, lo, true)
}

function testBits(part: Part, hi: number, lo: number): boolean {
  return probes(part, hi, lo, false)
}
