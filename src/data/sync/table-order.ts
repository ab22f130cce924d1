/**
 * @module data/sync/table-order
 * Tables in foreign-key order: every table after the tables it references. Self-references and
 * cycles do not block the order (the sink creates foreign keys after loading every table, so a
 * cycle loads in any order); tables of a cycle keep their alphabetical order.
 */
import type { TableSchema } from '../source.ts'

export function orderTables<T extends { table: TableSchema }>(items: T[]): T[] {
  const byName = new Map(items.map((i) => [i.table.name, i]))
  const state = new Map<string, 'visiting' | 'done'>()
  const out: T[] = []
  const visit = (item: T) => {
    const name = item.table.name
    if (state.has(name)) return // done, or a cycle back to a table being visited
    state.set(name, 'visiting')
    for (const fk of item.table.foreignKeys) {
      const parent = byName.get(fk.refTable)
      if (parent && fk.refTable !== name) visit(parent)
    }
    state.set(name, 'done')
    out.push(item)
  }
  for (const item of [...items].sort((a, b) => a.table.name.localeCompare(b.table.name))) visit(item)
  return out
}

/** Relative cost of a transformer per value, for scheduling only (measured: an email costs most). */
const COST: Partial<Record<string, number>> = { email: 8, key: 1, partial: 1, null: 0, fixed: 0 }

/**
 * The order the copy jobs take tables in. With one job, foreign-key order. With several, the most
 * work first (rows × what masking them costs), so that no job is left alone with one big table at
 * the end: load order does not matter for integrity here, because PostgreSQL gets its foreign keys
 * after the load and MySQL loads with foreign-key checks off.
 */
export function scheduleTables<
  T extends { table: TableSchema; transformers: ReadonlyArray<{ kind: string } | undefined> },
>(items: T[], jobs: number): T[] {
  const ordered = orderTables(items)
  if (jobs <= 1) return ordered
  const work = (t: T) =>
    Math.max(1, t.table.estimatedRows) * (1 + t.transformers.reduce((n, x) => n + (x ? (COST[x.kind] ?? 2) : 0), 0))
  return [...ordered].sort((a, b) => work(b) - work(a))
}
