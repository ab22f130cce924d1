import { describe, expect, it } from 'vitest'
import type { TableSchema } from '../source.ts'
import { orderTables, scheduleTables } from './table-order.ts'

const t = (name: string, refs: string[], rows = 10): TableSchema => ({
  name,
  columns: [],
  primaryKey: [],
  uniques: [],
  foreignKeys: refs.map((r) => ({ name: `${name}_${r}`, columns: ['x'], refTable: r, refColumns: ['id'] })),
  estimatedRows: rows,
})

describe('table order', () => {
  it('puts referenced tables first, through chains, self-references and cycles', () => {
    const items = [
      t('items', ['orders', 'products']),
      t('orders', ['customers']),
      t('customers', []),
      t('products', []),
      t('staff', ['staff']),
      t('a', ['b']),
      t('b', ['a']),
    ]
    const names = orderTables(items.map((table) => ({ table }))).map((x) => x.table.name)
    expect(names.indexOf('customers')).toBeLessThan(names.indexOf('orders'))
    expect(names.indexOf('orders')).toBeLessThan(names.indexOf('items'))
    expect(names.indexOf('products')).toBeLessThan(names.indexOf('items'))
    expect(names).toHaveLength(7)
  })

  it('schedules the most work first when several jobs share the tables', () => {
    const items = [
      { table: t('small', []), transformers: [{ kind: 'email' }] },
      { table: t('big', ['small'], 1000), transformers: [{ kind: 'key' }] },
      { table: t('mid', [], 100), transformers: [{ kind: 'email' }, undefined] },
    ]
    expect(scheduleTables(items, 1).map((x) => x.table.name)).toEqual(['small', 'big', 'mid'])
    expect(scheduleTables(items, 2).map((x) => x.table.name)).toEqual(['big', 'mid', 'small'])
  })
})
