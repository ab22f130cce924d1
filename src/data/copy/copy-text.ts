/**
 * @module data/copy/copy-text
 * PostgreSQL's COPY text format, both ways: rows separated by newlines, columns by tabs, NULL as
 * `\N`, and backslash escapes for backslash, newline, carriage return, tab (and, on input, \b \f
 * \v, octal \ooo and hex \xhh). Because newlines and tabs inside values are always escaped, a raw
 * newline byte always ends a row, which lets the parser split a stream at any chunk boundary
 * without decoding a multi-byte character in half.
 */
import type { RowBatch } from '../source.ts'

const NEWLINE = 0x0a
const SPECIAL = /[\\\n\r\t]/

/** Decodes one field as COPY text writes it; `\N` is NULL. */
export function decodeCopyField(raw: string): string | null {
  if (raw.length === 2 && raw === '\\N') return null
  if (raw.indexOf('\\') < 0) return raw
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c !== '\\' || i === raw.length - 1) {
      out += c
      continue
    }
    const next = raw[++i]!
    switch (next) {
      case 'b':
        out += '\b'
        break
      case 'f':
        out += '\f'
        break
      case 'n':
        out += '\n'
        break
      case 'r':
        out += '\r'
        break
      case 't':
        out += '\t'
        break
      case 'v':
        out += '\v'
        break
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 1, i + 3))
        if (m) {
          out += String.fromCharCode(Number.parseInt(m[0], 16))
          i += m[0].length
        } else out += 'x'
        break
      }
      default:
        if (next >= '0' && next <= '7') {
          const m = /^[0-7]{1,3}/.exec(raw.slice(i, i + 3))!
          out += String.fromCharCode(Number.parseInt(m[0], 8) & 0xff)
          i += m[0].length - 1
        } else out += next
    }
  }
  return out
}

function escapeChar(c: string): string {
  return c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'
}

/** Encodes one value for COPY text input; null becomes `\N`. */
export function encodeCopyField(value: string | null): string {
  if (value === null) return '\\N'
  return SPECIAL.test(value) ? value.replace(/[\\\n\r\t]/g, escapeChar) : value
}

/** Encodes a batch of rows as COPY text, each row ending in a newline. */
export function encodeCopyRows(rows: RowBatch): string {
  let out = ''
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      if (i > 0) out += '\t'
      out += encodeCopyField(row[i]!)
    }
    out += '\n'
  }
  return out
}

/**
 * Cuts a stream of COPY text chunks into runs of complete lines: `push` returns the complete lines
 * seen so far (without the final newline) or undefined, keeping the rest for the next chunk.
 */
export class CopyLineSplitter {
  #rest: Buffer | undefined

  push(chunk: Uint8Array): string | undefined {
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.#rest) data = Buffer.concat([this.#rest, data])
    const last = data.lastIndexOf(NEWLINE)
    if (last < 0) {
      this.#rest = data
      return undefined
    }
    this.#rest = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined
    return data.toString('utf8', 0, last)
  }

  /** Checks that the stream ended on a row boundary. */
  end(): void {
    if (this.#rest && this.#rest.length > 0) throw new Error('COPY stream ended in the middle of a row')
  }
}

/**
 * Cuts a stream of COPY text chunks into runs of complete lines, as bytes: `push` returns a buffer
 * whose first `end` bytes are complete lines (each ending in a newline), or undefined.
 */
export class CopyByteSplitter {
  #rest: Buffer | undefined

  push(chunk: Uint8Array): { data: Buffer; end: number } | undefined {
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.#rest) data = Buffer.concat([this.#rest, data])
    const last = data.lastIndexOf(NEWLINE)
    if (last < 0) {
      this.#rest = data
      return undefined
    }
    this.#rest = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined
    return { data, end: last + 1 }
  }

  end(): void {
    if (this.#rest && this.#rest.length > 0) throw new Error('COPY stream ended in the middle of a row')
  }
}

/**
 * Turns a stream of COPY text chunks into batches of decoded rows. Feed it chunks with `push`;
 * call `end` after the last one (it throws if a partial row is left).
 */
export class CopyTextParser {
  readonly #columns: number
  readonly #lines = new CopyLineSplitter()

  constructor(columns: number) {
    this.#columns = columns
  }

  /** The complete rows in `chunk` (and what was left over from the previous chunk). */
  push(chunk: Uint8Array): RowBatch {
    const text = this.#lines.push(chunk)
    if (text === undefined) return []
    const lines = text.split('\n')
    const rows: RowBatch = new Array(lines.length)
    for (let r = 0; r < lines.length; r++) {
      const fields = lines[r]!.split('\t')
      if (fields.length !== this.#columns) {
        throw new Error(`COPY row has ${fields.length} fields, expected ${this.#columns}`)
      }
      const row: Array<string | null> = new Array(fields.length)
      for (let i = 0; i < fields.length; i++) row[i] = decodeCopyField(fields[i]!)
      rows[r] = row
    }
    return rows
  }

  end(): void {
    this.#lines.end()
  }
}
