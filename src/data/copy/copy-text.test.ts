import { describe, expect, it } from 'vitest'
import { CopyTextParser, decodeCopyField, encodeCopyField, encodeCopyRows } from './copy-text.ts'

const AWKWARD: Array<string | null> = [
  '',
  null,
  '\\N', // the two characters backslash-N, not NULL
  'tab\there',
  'new\nline',
  'carriage\rreturn',
  'back\\slash',
  'trailing backslash \\',
  '\\\\double',
  'ünïcødé ✓ 日本語 🎉',
  '\b\f\v control',
  ' leading and trailing ',
  'a\\tb', // literal backslash followed by t
]

describe('COPY text codec', () => {
  it('round-trips awkward values, keeping empty string and NULL apart', () => {
    for (const value of AWKWARD) expect(decodeCopyField(encodeCopyField(value))).toBe(value)
    expect(encodeCopyField(null)).toBe('\\N')
    expect(encodeCopyField('')).toBe('')
    expect(encodeCopyField('\\N')).toBe('\\\\N')
  })

  it('decodes the escapes PostgreSQL may send or accept', () => {
    expect(decodeCopyField('a\\tb\\nc\\\\d')).toBe('a\tb\nc\\d')
    expect(decodeCopyField('\\101\\x42\\x4')).toBe('AB\x04')
    expect(decodeCopyField('\\b\\f\\v\\r')).toBe('\b\f\v\r')
    expect(decodeCopyField('\\q')).toBe('q')
  })

  it('parses rows split across chunks at every byte boundary', () => {
    const rows = [AWKWARD, [...AWKWARD].reverse()]
    const bytes = Buffer.from(encodeCopyRows(rows), 'utf8')
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new CopyTextParser(AWKWARD.length)
      const got = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))]
      parser.end()
      expect(got).toEqual(rows)
    }
  })

  it('rejects rows with the wrong number of fields and streams cut mid-row', () => {
    expect(() => new CopyTextParser(3).push(Buffer.from('a\tb\n'))).toThrow(/2 fields, expected 3/)
    const parser = new CopyTextParser(1)
    parser.push(Buffer.from('a\nb'))
    expect(() => parser.end()).toThrow(/middle of a row/)
  })
})
