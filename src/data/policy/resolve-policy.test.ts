import { describe, expect, it } from 'vitest'
import { dataSpecSchema } from '../data-schema.ts'
import type { ColumnSchema, DatabaseSchema, TableSchema } from '../source.ts'
import { assertCovered, resolvePolicy } from './resolve-policy.ts'

const col = (name: string, extra: Partial<ColumnSchema> = {}): ColumnSchema => ({
  name,
  type: 'text',
  valueClass: 'text',
  nullable: true,
  generated: false,
  ...extra,
})
const int = (name: string) => col(name, { type: 'integer', valueClass: 'integer', maxValue: 2147483647n })

const tables: TableSchema[] = [
  {
    name: 'customers',
    columns: [int('id'), col('email'), col('name'), col('note')],
    primaryKey: ['id'],
    uniques: [['email']],
    foreignKeys: [],
    estimatedRows: 10,
  },
  {
    name: 'orders',
    columns: [int('id'), int('customer_id'), col('total'), col('full', { generated: true })],
    primaryKey: ['id'],
    uniques: [],
    foreignKeys: [{ name: 'orders_customer_fk', columns: ['customer_id'], refTable: 'customers', refColumns: ['id'] }],
    estimatedRows: 10,
  },
  {
    name: 'items',
    columns: [int('id'), int('order_id'), int('product_id')],
    primaryKey: ['id'],
    uniques: [],
    foreignKeys: [
      { name: 'items_order_fk', columns: ['order_id'], refTable: 'orders', refColumns: ['id'] },
      { name: 'items_product_fk', columns: ['product_id'], refTable: 'products', refColumns: ['id'] },
    ],
    estimatedRows: 10,
  },
  {
    name: 'products',
    columns: [int('id'), col('title')],
    primaryKey: ['id'],
    uniques: [],
    foreignKeys: [],
    estimatedRows: 10,
  },
]
const schema: DatabaseSchema = { engine: 'postgres', namespace: 'public', tables, native: {} }
const spec = (data: object) => dataSpecSchema.parse({ source: 'postgres://h/a', target: 'postgres://h/b', ...data })
const decision = (r: ReturnType<typeof resolvePolicy>, t: string, c: string) =>
  r.tables.find((x) => x.table.name === t)!.columns.find((x) => x.column === c)!

describe('policy', () => {
  it('lists every uncovered column and refuses to go on', () => {
    const r = resolvePolicy(schema, spec({ mask: { 'customers.email': 'email' } }))
    expect(r.uncovered).toContain('customers.name')
    expect(r.uncovered).toContain('products.title')
    expect(r.uncovered).not.toContain('orders.full') // generated: the target recomputes it
    expect(() => assertCovered(r)).toThrow(expect.objectContaining({ code: 'DATA_UNCOVERED_COLUMNS' }))
  })

  it('lets the most specific rule win and masks at equal specificity', () => {
    const r = resolvePolicy(
      schema,
      spec({
        mask: { '*.email': 'email', 'customers.id': 'key' },
        safe: ['customers.*', 'orders.*', 'items.*', 'products.*', 'customers.note'],
      }),
    )
    expect(decision(r, 'customers', 'email')).toMatchObject({ status: 'masked' }) // *.email beats customers.* (both one wildcard)
    expect(decision(r, 'customers', 'note')).toMatchObject({ status: 'safe', rule: 'customers.note' })
    expect(r.uncovered).toEqual([])
  })

  it('carries a masked key down its foreign keys, with the root domain', () => {
    const r = resolvePolicy(
      schema,
      spec({
        mask: { 'customers.id': 'key', 'orders.id': 'key' },
        safe: ['customers.*', 'orders.*', 'items.*', 'products.*'],
      }),
    )
    expect(decision(r, 'orders', 'customer_id')).toMatchObject({
      status: 'masked',
      domain: 'key:customers.id',
      rule: 'inherits customers.id',
    })
    expect(decision(r, 'items', 'order_id')).toMatchObject({ status: 'masked', domain: 'key:orders.id' })
    expect(decision(r, 'items', 'product_id')).toMatchObject({ status: 'safe' })
  })

  it('gives an explicitly masked foreign key its parent’s domain', () => {
    const r = resolvePolicy(
      schema,
      spec({ mask: { 'customers.id': 'key', 'orders.customer_id': 'key' }, safe: ['*.*'] }),
    )
    expect(decision(r, 'orders', 'customer_id')).toMatchObject({ status: 'masked', domain: 'key:customers.id' })
  })

  it('refuses foreign keys masked on one end only, and rules on both lists', () => {
    expect(() =>
      resolvePolicy(schema, spec({ mask: { 'customers.id': 'key' }, safe: ['orders.customer_id', '*.*'] })),
    ).toThrow(expect.objectContaining({ code: 'DATA_POLICY_CONFLICT' }))
    expect(() => resolvePolicy(schema, spec({ mask: { 'items.product_id': 'key' }, safe: ['*.*'] }))).toThrow(
      expect.objectContaining({ code: 'DATA_POLICY_CONFLICT' }),
    )
    expect(() => resolvePolicy(schema, spec({ mask: { 'customers.name': 'name' }, safe: ['customers.name'] }))).toThrow(
      expect.objectContaining({ code: 'DATA_POLICY_CONFLICT' }),
    )
    expect(() => resolvePolicy(schema, spec({ mask: { '*.name': 'name', 'customers.*': 'hash' } }))).toThrow(
      expect.objectContaining({ code: 'DATA_POLICY_CONFLICT' }),
    )
  })

  it('names rules for columns the source does not have', () => {
    expect(() => resolvePolicy(schema, spec({ mask: { 'customers.emial': 'email' } }))).toThrow(
      expect.objectContaining({ code: 'DATA_UNKNOWN_COLUMN', message: expect.stringContaining('customers.emial') }),
    )
  })

  it('leaves excluded tables out, and their referencing columns uncovered', () => {
    const r = resolvePolicy(schema, spec({ safe: ['*.*'], tables: { exclude: ['products'] } }))
    expect(r.excluded).toEqual(['products'])
    expect(r.tables.map((t) => t.table.name)).not.toContain('products')
  })
})
