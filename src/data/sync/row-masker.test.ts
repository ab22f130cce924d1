import { describe, expect, it } from 'vitest'
import { CopyByteSplitter, encodeCopyRows } from '../copy/copy-text.ts'
import type { CompiledTable } from '../policy/compile-policy.ts'
import type { ColumnSchema, TableSchema } from '../source.ts'
import type { Transformer } from '../transformer.ts'
import { RowMasker } from './row-masker.ts'

const text = (name: string): ColumnSchema => ({
  name,
  type: 'text',
  valueClass: 'text',
  nullable: true,
  generated: false,
})
const table: TableSchema = {
  name: 't',
  columns: ['a', 'b', 'c', 'd'].map(text),
  primaryKey: [],
  uniques: [],
  foreignKeys: [],
  estimatedRows: 0,
}
const upper: Transformer = {
  kind: 'custom',
  description: 'upper',
  unique: false,
  leakCheck: true,
  transform: (v) => `<${v.toUpperCase()}>`,
}
const nuller: Transformer = {
  kind: 'null',
  description: 'null',
  unique: false,
  leakCheck: false,
  transform: () => null,
}
const compiled: CompiledTable = {
  table,
  columns: ['a', 'b', 'c', 'd'],
  transformers: [undefined, upper, undefined, nuller],
  decisions: [],
}

const ROWS: Array<Array<string | null>> = [
  ['plain', 'ünïcødé ✓', 'tab\there', 'x'],
  ['123', '45', '6', '7'],
  ['', 'back\\slash\nnewline', null, null],
  [null, null, '', 'y'],
  ['\\N', 'ascii', 'après', 'z'],
]

describe('RowMasker on COPY text', () => {
  it('masks only the masked fields, on bytes, the same as on decoded rows', () => {
    const expected = ROWS.map((r) => [...r])
    const seen: string[] = []
    new RowMasker(compiled, { add: (v) => seen.push(v) }).mask(expected)
    const leak: string[] = []
    const bytes = Buffer.from(encodeCopyRows(ROWS), 'utf8')
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const splitter = new CopyByteSplitter()
      const masker = new RowMasker(compiled, { add: (v) => leak.push(v) })
      const out: Buffer[] = []
      let rows = 0
      for (const part of [bytes.subarray(0, cut), bytes.subarray(cut)]) {
        const complete = splitter.push(part)
        if (!complete) continue
        const masked = masker.maskCopyBytes(complete.data, complete.end)
        out.push(masked.out)
        rows += masked.rows
      }
      splitter.end()
      expect(rows).toBe(5)
      expect(Buffer.concat(out).toString('utf8')).toBe(encodeCopyRows(expected))
    }
    expect(seen).toEqual(['ünïcødé ✓', '45', 'back\\slash\nnewline', 'ascii'])
    expect(leak.slice(0, 4)).toEqual(seen)
  })

  it('passes a table with no transformer through and refuses short rows', () => {
    expect(new RowMasker({ ...compiled, transformers: [undefined, undefined, undefined, undefined] }).passthrough).toBe(
      true,
    )
    const masker = new RowMasker(compiled)
    expect(() => masker.maskCopyBytes(Buffer.from('only\n'), 5)).toThrow(/fewer than 4 fields/)
  })
})
