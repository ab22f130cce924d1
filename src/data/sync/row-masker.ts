/**
 * @module data/sync/row-masker
 * Applies a table's transformers to batches of rows, in place, and feeds the original values of
 * sensitive columns to the leak filter on the way. This is the per-row hot path of a sync: no
 * allocation per row unless a transformer reads other columns of the row.
 */
import { decodeCopyField, encodeCopyField } from '../copy/copy-text.ts'
import type { CompiledTable } from '../policy/compile-policy.ts'
import type { RowBatch } from '../source.ts'
import type { Transformer } from '../transformer.ts'

/** Where original values of sensitive columns go: the leak filter, or a worker's hash buffer. */
export type LeakSink = { add(value: string): void }

export class RowMasker {
  /** No transformer and nothing for the leak filter: rows may pass through untouched (and unparsed). */
  readonly passthrough: boolean
  readonly #indexes: number[]
  readonly #transformers: Transformer[]
  readonly #leakIndexes: number[]
  readonly #leak: LeakSink | undefined
  readonly #copyRow: boolean
  readonly #leakFlags: boolean[]
  // For maskCopyBytes, per column: located (masked or read), decoded to text, integer-key fast path.
  readonly #located: number[]
  readonly #decode: boolean[]
  readonly #integerKey: boolean[]
  readonly #starts: Int32Array
  readonly #ends: Int32Array
  readonly #ints: Float64Array
  readonly #row: Array<string | null>
  readonly #last: number

  constructor(compiled: CompiledTable, leak?: LeakSink) {
    this.#indexes = []
    this.#transformers = []
    compiled.transformers.forEach((t, i) => {
      if (t) {
        this.#indexes.push(i)
        this.#transformers.push(t)
      }
    })
    this.#leak = leak
    this.#leakIndexes = leak ? this.#indexes.filter((_, k) => this.#transformers[k]!.leakCheck) : []
    this.#leakFlags = this.#transformers.map((t) => leak !== undefined && t.leakCheck)
    this.#copyRow = this.#transformers.some((t) => (t.reads?.length ?? 0) > 0)
    this.passthrough = this.#indexes.length === 0
    const width = compiled.columns.length
    const reads = new Set(
      this.#transformers.flatMap((t) => (t.reads ?? []).map((name) => compiled.columns.indexOf(name))),
    )
    this.#decode = Array.from({ length: width }, (_, i) => reads.has(i))
    this.#integerKey = Array.from({ length: width }, (_, i) => {
      const k = this.#indexes.indexOf(i)
      return k >= 0 && this.#transformers[k]!.transformInteger !== undefined
    })
    this.#located = [...new Set([...this.#indexes, ...reads])].filter((i) => i >= 0).sort((a, b) => a - b)
    this.#last = this.#located.length === 0 ? -1 : this.#located[this.#located.length - 1]!
    this.#starts = new Int32Array(width)
    this.#ends = new Int32Array(width)
    this.#ints = new Float64Array(width)
    this.#row = new Array(width).fill(null)
  }

  mask(batch: RowBatch): void {
    const indexes = this.#indexes
    const transformers = this.#transformers
    const leak = this.#leak
    const leakIndexes = this.#leakIndexes
    const n = indexes.length
    for (let r = 0; r < batch.length; r++) {
      const row = batch[r]!
      if (leakIndexes.length > 0) {
        for (let k = 0; k < leakIndexes.length; k++) {
          const v = row[leakIndexes[k]!]
          if (v !== null && v !== undefined) leak!.add(v)
        }
      }
      // Transformers that read other columns must see the originals, not what an earlier one made.
      const original = this.#copyRow ? row.slice() : row
      for (let k = 0; k < n; k++) {
        const i = indexes[k]!
        const v = row[i]
        if (v !== null && v !== undefined) row[i] = transformers[k]!.transform(v, original)
      }
    }
  }

  /**
   * Masks the complete COPY text lines in `data[0, end)` (each ending in a newline) into a new
   * buffer, working on bytes: untouched fields are copied without being decoded; only the masked
   * fields and the fields a transformer reads become strings, and integer keys not even that.
   */
  maskCopyBytes(data: Buffer, end: number): { out: Buffer; rows: number } {
    this.#out = Buffer.allocUnsafe(end + (end >> 2) + 256)
    this.#o = 0
    let rows = 0
    // One call per line: a small function V8 optimises once, rather than one long loop it has to
    // re-enter through on-stack replacement at every chunk.
    for (let pos = 0; pos < end; rows++) pos = this.#line(data, pos)
    const out = this.#out.subarray(0, this.#o)
    this.#out = EMPTY
    return { out, rows }
  }

  #out: Buffer = EMPTY
  #o = 0

  /** Masks the line starting at `pos` into `#out`; returns the start of the next line. */
  #line(data: Buffer, pos: number): number {
    const located = this.#located
    const starts = this.#starts
    const ends = this.#ends
    const ints = this.#ints
    const row = this.#row
    const last = this.#last
    // Pass 1: find the fields that matter, decode those a transformer needs as text.
    let column = 0
    let p = pos
    let next = 0
    while (column <= last) {
      const fieldStart = p
      let b = data[p]!
      let plain = true // ASCII without backslashes: the bytes are the value
      while (b !== 9 && b !== 10) {
        if (b >= 0x80 || b === 92) plain = false
        b = data[++p]!
      }
      if (column === located[next]) {
        starts[column] = fieldStart
        ends[column] = p
        ints[column] = -1
        if (p - fieldStart === 2 && data[fieldStart] === 92 && data[fieldStart + 1] === 78) row[column] = null
        else {
          if (this.#integerKey[column] && plain) ints[column] = parseDigits(data, fieldStart, p)
          if (this.#decode[column] || ints[column]! < 0) row[column] = fieldText(data, fieldStart, p, plain)
        }
        next++
      }
      if (b === 10) {
        if (column < last) throw new Error(`COPY row has fewer than ${last + 1} fields`)
        break
      }
      p++
      column++
    }
    // Pass 2: write the line with the masked fields replaced.
    const indexes = this.#indexes
    const transformers = this.#transformers
    let copied = pos
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!
      const fieldStart = starts[i]!
      if (ints[i]! >= 0) {
        this.#copy(data, copied, fieldStart, 16)
        this.#o += writeUint(this.#out, this.#o, transformers[k]!.transformInteger!(ints[i]!))
        copied = ends[i]!
        continue
      }
      const value = row[i]
      if (value === null || value === undefined) continue
      if (this.#leakFlags[k]) this.#leak!.add(value)
      const masked = encodeCopyField(transformers[k]!.transform(value, row))
      this.#copy(data, copied, fieldStart, masked.length * 3)
      this.#o += writeText(this.#out, this.#o, masked)
      copied = ends[i]!
    }
    // The rest of the line, newline included.
    let lineEnd = p
    while (data[lineEnd] !== 10) lineEnd++
    this.#copy(data, copied, lineEnd + 1, 0)
    return lineEnd + 1
  }

  /** Copies data[from, to) to the output, with room for `extra` more bytes after it. */
  #copy(data: Buffer, from: number, to: number, extra: number): void {
    const need = to - from + extra
    if (this.#out.length - this.#o < need) this.#out = grow(this.#out, this.#o, need)
    const out = this.#out
    let o = this.#o
    if (to - from < 32) {
      for (let i = from; i < to; i++) out[o++] = data[i]!
      this.#o = o
    } else this.#o += data.copy(out, o, from, to)
  }
}

const EMPTY = Buffer.alloc(0)

function fieldText(data: Buffer, start: number, end: number, plain: boolean): string | null {
  return plain ? data.toString('latin1', start, end) : decodeCopyField(data.toString('utf8', start, end))
}

function grow(out: Buffer, used: number, extra: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, used + extra + 1024))
  out.copy(bigger, 0, 0, used)
  return bigger
}

/** A field of 1–9 ASCII digits without a leading zero (or "0") as a number, else -1. */
function parseDigits(data: Buffer, start: number, end: number): number {
  const len = end - start
  if (len < 1 || len > 9 || (data[start] === 48 && len > 1)) return -1
  let x = 0
  for (let i = start; i < end; i++) {
    const d = data[i]! - 48
    if (d < 0 || d > 9) return -1
    x = x * 10 + d
  }
  return x
}

/** Writes a non-negative integer in decimal; returns the bytes written. */
function writeUint(out: Buffer, at: number, value: number): number {
  if (value === 0) {
    out[at] = 48
    return 1
  }
  let digits = 0
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++
  let v = value
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 48 + (v % 10)
    v = Math.floor(v / 10)
  }
  return digits
}

/** Writes `text` at `at` and returns the bytes written: a plain loop for ASCII, the encoder otherwise. */
function writeText(out: Buffer, at: number, text: string): number {
  const len = text.length
  if (len < 64) {
    let i = 0
    for (; i < len; i++) {
      const c = text.charCodeAt(i)
      if (c >= 0x80) break
      out[at + i] = c
    }
    if (i === len) return len
  }
  return out.write(text, at, 'utf8')
}
