import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataSpecSchema, type TransformerSpec, transformerSpecSchema } from '../data-schema.ts'
import { MaskingKey } from '../keys/masking-key.ts'
import type { ColumnSchema, TableSchema, ValueClass } from '../source.ts'
import type { Transformer } from '../transformer.ts'
import { createTransformer, defaultDomain } from './create-transformer.ts'
import { FAKE_VOCABULARY, FIRST_NAMES, LAST_NAMES } from './word-lists.ts'

const key = new MaskingKey(Buffer.from('transformer tests: a long enough key'))
const otherKey = new MaskingKey(Buffer.from('transformer tests: some other key!!'))

function column(name: string, valueClass: ValueClass, extra: Partial<ColumnSchema> = {}): ColumnSchema {
  return { name, type: valueClass, valueClass, nullable: true, generated: false, ...extra }
}

const table: TableSchema = {
  name: 'people',
  columns: [
    column('id', 'integer', { maxValue: 2147483647n, nullable: false }),
    column('email', 'text'),
    column('born', 'date'),
    column('updated', 'timestamp'),
    column('doc', 'json'),
    column('n', 'decimal'),
    column('code', 'text', { maxLength: 12 }),
    column('small', 'integer', { maxValue: 32767n }),
    column('uid', 'uuid'),
    column('flag', 'boolean', { nullable: false }),
  ],
  primaryKey: ['id'],
  uniques: [],
  foreignKeys: [],
  estimatedRows: 0,
}

async function make(spec: TransformerSpec | string | object, columnName: string, k = key): Promise<Transformer> {
  const parsed = transformerSpecSchema.parse(spec)
  const col = table.columns.find((c) => c.name === columnName)!
  return createTransformer(parsed, {
    key: k,
    table,
    column: col,
    domain: defaultDomain(parsed, table.name, col.name),
    baseDir: process.cwd(),
  })
}

const row = (id: string) => [id, null, null, null, null, null, null, null, null, null]

describe('spec shorthands', () => {
  it('normalises every form', () => {
    expect(transformerSpecSchema.parse('email')).toEqual({ kind: 'email' })
    expect(transformerSpecSchema.parse({ keep: 'last4' })).toEqual({ kind: 'partial', keepLast: 4 })
    expect(transformerSpecSchema.parse({ fixed: null })).toEqual({ kind: 'null' })
    expect(transformerSpecSchema.parse({ custom: './m.js#fn' })).toEqual({
      kind: 'custom',
      module: './m.js',
      export: 'fn',
    })
    expect(transformerSpecSchema.parse({ json: { '$.a': 'name' } })).toEqual({
      kind: 'json',
      paths: { '$.a': { kind: 'name' } },
    })
    expect(transformerSpecSchema.parse({ kind: 'dateShift', by: 'id' })).toEqual({ kind: 'dateShift', by: ['id'] })
    expect(transformerSpecSchema.safeParse('bogus').success).toBe(false)
    expect(transformerSpecSchema.safeParse({ kind: 'email', colour: 'red' }).success).toBe(false)
  })

  it('parses a whole data section with defaults', () => {
    const spec = dataSpecSchema.parse({ source: 'postgres://h/db', target: 'postgres://h/stg', mask: { 'a.b': 'key' } })
    expect(spec).toMatchObject({ schema: 'public', jobs: 2, safe: [], target: { url: 'postgres://h/stg' } })
    expect(dataSpecSchema.safeParse({ source: 'x', target: 'y', mask: { nodot: 'key' } }).success).toBe(false)
  })
})

describe('key', () => {
  it('permutes integers within their digit count, bijectively, 0 stays 0', async () => {
    const t = await make('key', 'id')
    const out = new Set<string>()
    for (let i = 1; i < 100_000; i++) {
      const masked = t.transform(String(i), row(String(i)))!
      expect(masked.length).toBe(String(i).length)
      out.add(masked)
    }
    expect(out.size).toBe(99_999)
    expect(t.transform('0', row('0'))).toBe('0')
    expect(t.transform('-42', row('-42'))).toMatch(/^-\d{2}$/)
    expect(t.unique).toBe(true)
  })

  it('gives the same result on the integer fast path', async () => {
    for (const [name, max] of [
      ['id', 2_000_000],
      ['small', 32_767],
    ] as const) {
      const t = await make('key', name)
      let differ = 0
      for (let i = 0; i <= max; i += Math.ceil(max / 20_000))
        if (t.transformInteger!(i) !== Number(t.transform(String(i), row('1')))) differ++
      expect(differ).toBe(0)
    }
  })

  it('stays within the column type', async () => {
    const t = await make('key', 'small')
    for (let i = 10_000; i <= 32_767; i += 7) {
      const v = Number(t.transform(String(i), row('1')))
      expect(v >= 10_000 && v <= 32_767).toBe(true)
    }
  })

  it('keeps digit strings, UUIDs and other strings in shape', async () => {
    const t = await make('key', 'email') // a text column
    expect(t.transform('000123', row('1'))).toMatch(/^\d{6}$/)
    expect(t.transform('CUST-00123-ab', row('1'))).toMatch(/^[A-Z]{4}-\d{5}-[a-z]{2}$/)
    const u = await make('key', 'uid')
    const masked = u.transform('123e4567-e89b-12d3-a456-426614174000', row('1'))!
    expect(masked).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    expect(masked).not.toBe('123e4567-e89b-12d3-a456-426614174000')
  })

  it('is deterministic for a key and changes with the key', async () => {
    const a = await make('key', 'id')
    const b = await make('key', 'id')
    const c = await make('key', 'id', otherKey)
    const xs = Array.from({ length: 100 }, (_, i) => String(1000 + i))
    expect(xs.map((x) => a.transform(x, row(x)))).toEqual(xs.map((x) => b.transform(x, row(x))))
    expect(xs.map((x) => a.transform(x, row(x)))).not.toEqual(xs.map((x) => c.transform(x, row(x))))
  })

  it('refuses a column it cannot permute', async () => {
    await expect(make('key', 'born')).rejects.toMatchObject({ code: 'DATA_TRANSFORMER_INVALID' })
  })
})

describe('email', () => {
  it('is unique, keeps the shape and lands in the reserved .example domain', async () => {
    const t = await make('email', 'email')
    const seen = new Set<string>()
    for (let i = 0; i < 20_000; i++) {
      const value = `user${i}@mail${i % 50}.com`
      const masked = t.transform(value, row('1'))!
      expect(masked).toMatch(/^[a-z]{4}\d+@[a-z]{4}\d+\.[a-z]{3}\.example$/)
      seen.add(masked)
    }
    expect(seen.size).toBe(20_000)
    expect(t.transform('Jane.Doe+x@Example.org', row('1'))).toMatch(
      /^[A-Z][a-z]{3}\.[A-Z][a-z]{2}\+[a-z]@[A-Z][a-z]{6}\.[a-z]{3}\.example$/,
    )
  })

  it('gives the realistic style from the word lists', async () => {
    const t = await make({ kind: 'email', style: 'realistic' }, 'email')
    const masked = t.transform('someone@corp.com', row('1'))!
    expect(masked).toMatch(/^[a-z]+\.[a-z]+\d+@example\.com$/)
    expect(FIRST_NAMES.map((n) => n.toLowerCase())).toContain(masked.split('.')[0])
  })
})

describe('fakes', () => {
  it('draw names from the lists, deterministically and case-insensitively', async () => {
    const t = await make('name', 'email')
    const masked = t.transform('Jane Doe', row('1'))!
    const [first, last] = [masked.slice(0, masked.indexOf(' ')), masked.slice(masked.indexOf(' ') + 1)]
    expect(FIRST_NAMES).toContain(first)
    expect(LAST_NAMES).toContain(last)
    expect(t.transform('  jane doe ', row('2'))).toBe(masked)
    for (const word of masked.toLowerCase().split(' ')) expect(FAKE_VOCABULARY.has(word)).toBe(true)
  })

  it('respect the column length', async () => {
    const t = await make('address', 'code')
    expect(t.transform('1 Long Street Name, Some Town', row('1'))!.length).toBeLessThanOrEqual(12)
  })

  it('keep a phone number’s layout; unique phones are a bijection', async () => {
    const t = await make({ kind: 'phone', keepPrefix: 2 }, 'email')
    expect(t.transform('+44 20 7946 0958', row('1'))).toMatch(/^\+44 \d{2} \d{4} \d{4}$/)
    const u = await make({ kind: 'phone', unique: true }, 'email')
    const seen = new Set<string>()
    for (let i = 0; i < 5000; i++) seen.add(u.transform(`+1 415 555 ${String(i).padStart(4, '0')}`, row('1'))!)
    expect(seen.size).toBe(5000)
  })

  it('fill text with about as many words', async () => {
    const t = await make('lorem', 'email')
    const masked = t.transform('Called on Tuesday, wants a refund.', row('1'))!
    expect(masked.split(' ')).toHaveLength(6)
    expect(masked.endsWith('.')).toBe(true)
  })
})

describe('partial, null, fixed, hash', () => {
  it('keeps the last four and always hides at least half', async () => {
    const t = await make({ keep: 'last4' }, 'email')
    expect(t.transform('4111-1111-1111-1234', row('1'))).toBe('****-****-****-1234')
    expect(t.transform('1234', row('1'))).toBe('**34')
    expect(t.transform('12', row('1'))).toBe('*2')
  })

  it('null needs a nullable column; fixed and hash fit their columns', async () => {
    await expect(make('null', 'flag')).rejects.toMatchObject({ code: 'DATA_TRANSFORMER_INVALID' })
    expect((await make('null', 'email')).transform('x', row('1'))).toBeNull()
    expect((await make({ fixed: 'redacted' }, 'email')).transform('x', row('1'))).toBe('redacted')
    await expect(make({ fixed: 'much too long for it' }, 'code')).rejects.toMatchObject({
      code: 'DATA_TRANSFORMER_INVALID',
    })
    const h = await make('hash', 'email')
    expect(h.transform('x', row('1'))).toMatch(/^[0-9a-f]{32}$/)
    expect(h.transform('x', row('1'))).not.toBe((await make('hash', 'email', otherKey)).transform('x', row('1')))
  })
})

describe('dateShift', () => {
  it('shifts every date of a row by the same nonzero offset within the bound', async () => {
    const born = await make({ kind: 'dateShift', maxDays: 10 }, 'born')
    const updated = await make({ kind: 'dateShift', maxDays: 10 }, 'updated')
    const offsets = new Set<number>()
    for (let id = 1; id <= 300; id++) {
      const r = row(String(id))
      const a = born.transform('2024-03-01', r)!
      const b = updated.transform('2024-03-01 12:34:56.789+02', r)!
      const days = (Date.parse(a) - Date.parse('2024-03-01')) / 86_400_000
      expect(days !== 0 && Math.abs(days) <= 10).toBe(true)
      expect(b).toBe(`${a} 12:34:56.789+02`)
      offsets.add(days)
    }
    expect(offsets.size).toBe(20)
    expect(born.transform('infinity', row('1'))).toBe('infinity')
    expect(() => born.transform('not a date', row('1'))).toThrow(
      expect.objectContaining({ code: 'DATA_TRANSFORM_FAILED' }),
    )
  })

  it('refuses text columns and unknown `by` columns', async () => {
    await expect(make('dateShift', 'email')).rejects.toMatchObject({ code: 'DATA_TRANSFORMER_INVALID' })
    await expect(make({ kind: 'dateShift', by: 'nope' }, 'born')).rejects.toMatchObject({
      code: 'DATA_TRANSFORMER_INVALID',
    })
  })
})

describe('numbers', () => {
  it('noise stays within bounds and keeps decimals; generalize rounds down', async () => {
    const t = await make({ kind: 'noise', relative: 0.1 }, 'n')
    for (let i = 1; i < 200; i++) {
      const masked = t.transform(`${i}.50`, row('1'))!
      expect(masked).toMatch(/^\d+\.\d{2}$/)
      expect(Math.abs(Number(masked) - (i + 0.5))).toBeLessThanOrEqual((i + 0.5) * 0.1 + 0.01)
    }
    const g = await make({ kind: 'generalize', step: 1000 }, 'n')
    expect(g.transform('12345.67', row('1'))).toBe('12000.00')
    const y = await make({ kind: 'generalize', to: 'year' }, 'updated')
    expect(y.transform('2024-07-19 10:11:12', row('1'))).toBe('2024-01-01 00:00:00')
  })
})

describe('json', () => {
  it('masks the listed paths and keeps the rest', async () => {
    const t = await make(
      {
        json: {
          '$.contact.email': 'email',
          '$.phones[*]': { kind: 'phone' },
          '$..ssn': { fixed: 'XXX' },
          '$.id': 'key',
        },
      },
      'doc',
    )
    const doc = {
      id: 1234,
      plan: 'gold',
      contact: { email: 'a@b.co', name: 'kept' },
      phones: ['+1 555 0100', '+1 555 0199'],
      deep: [{ ssn: '123-45-6789' }],
    }
    const out = JSON.parse(t.transform(JSON.stringify(doc), row('1'))!)
    expect(out.plan).toBe('gold')
    expect(out.contact.name).toBe('kept')
    expect(out.contact.email).toMatch(/@[a-z]\.[a-z]{2}\.example$/)
    expect(out.phones[0]).toMatch(/^\+\d \d{3} \d{4}$/)
    expect(out.deep[0].ssn).toBe('XXX')
    expect(typeof out.id).toBe('number')
    expect(String(out.id)).toHaveLength(4)
    expect(() => t.transform('{not json', row('1'))).toThrow(expect.objectContaining({ code: 'DATA_TRANSFORM_FAILED' }))
  })
})

describe('custom', () => {
  it('loads a function relative to the spec and gives it keyed helpers and the row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-custom-'))
    writeFileSync(
      join(dir, 'masks.mjs'),
      'export function sku(value, ctx) { return ctx.choose(value, ["A", "B"]) + ":" + ctx.row.id }\nexport function boom() { throw new Error("secret value 42") }\n',
    )
    const parsed = transformerSpecSchema.parse({ custom: './masks.mjs#sku' })
    const col = table.columns[1]!
    const t = await createTransformer(parsed, { key, table, column: col, domain: 'custom:sku', baseDir: dir })
    expect(t.transform('x', row('7'))).toMatch(/^[AB]:7$/)
    const boom = await createTransformer(transformerSpecSchema.parse({ custom: './masks.mjs#boom' }), {
      key,
      table,
      column: col,
      domain: 'c',
      baseDir: dir,
    })
    let error: unknown
    try {
      boom.transform('x', row('1'))
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'DATA_TRANSFORM_FAILED' })
    expect((error as Error).message).not.toContain('secret value')
    await expect(
      createTransformer(transformerSpecSchema.parse({ custom: './masks.mjs#nope' }), {
        key,
        table,
        column: col,
        domain: 'c',
        baseDir: dir,
      }),
    ).rejects.toMatchObject({ code: 'DATA_CUSTOM_TRANSFORMER' })
  })
})
