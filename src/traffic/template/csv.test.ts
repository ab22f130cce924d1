import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import { CsvSyntaxError, parseCsv, readCsvColumn } from './csv.ts'

describe('parseCsv', () => {
  it('parses plain, quoted and escaped fields (RFC 4180)', () => {
    const text = 'sku,name,note\r\nA-1,"Widget, large","say ""hi"""\nB-2,Gadget,"two\nlines"\n'
    expect(parseCsv(text)).toEqual([
      ['sku', 'name', 'note'],
      ['A-1', 'Widget, large', 'say "hi"'],
      ['B-2', 'Gadget', 'two\nlines'],
    ])
  })

  it('keeps empty fields, skips blank lines, strips a BOM, needs no final newline', () => {
    expect(parseCsv('\uFEFFa,b\n\n1,\n,2')).toEqual([
      ['a', 'b'],
      ['1', ''],
      ['', '2'],
    ])
    expect(parseCsv('""\n')).toEqual([['']])
  })

  it('rejects an unclosed quote, text after a closing quote and a stray quote, with the line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(CsvSyntaxError)
    expect(() => parseCsv('a\n"x"y')).toThrow(/after a closing quote \(line 2\)/)
    expect(() => parseCsv('a\nx"y')).toThrow(/quote inside an unquoted field/)
  })
})

describe('readCsvColumn', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rehearse-csv-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'users.csv'), 'id,email\n1,a@example.test\n2,"b@example.test"\n')
  writeFileSync(join(dir, 'ragged.csv'), 'id,email\n1\n')
  writeFileSync(join(dir, 'empty.csv'), 'id\n')

  it('reads the first column, or a named one, relative to the base directory', () => {
    expect(readCsvColumn('users.csv', undefined, dir)).toEqual(['1', '2'])
    expect(readCsvColumn('users.csv', 'email', dir)).toEqual(['a@example.test', 'b@example.test'])
  })

  it.each([
    ['missing.csv', undefined, /Cannot read missing.csv/],
    ['users.csv', 'phone', /no column "phone"/],
    ['ragged.csv', undefined, /row 2 has 1 fields/],
    ['empty.csv', undefined, /has no values/],
  ])('fails with TRAFFIC_TEMPLATE_FILE for %s %s', (file, column, message) => {
    try {
      readCsvColumn(file, column, dir)
      expect.unreachable()
    } catch (error) {
      expect(isRehearseError(error) && error.code).toBe('TRAFFIC_TEMPLATE_FILE')
      expect((error as Error).message).toMatch(message)
    }
  })
})
