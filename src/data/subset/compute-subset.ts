/**
 * @module data/subset/compute-subset
 * Subsetting, the way Jailer does it: start from root rows (a WHERE clause and/or a percentage),
 * follow foreign keys *down* to the rows that depend on them (a customer's orders, their items)
 * and *up* to every row a selected row references (the products of those items), until nothing new
 * is found. Rows reached only upward do not pull their own dependants, which is what keeps a
 * subset small. Composite and non-primary-key foreign keys work the same way; cycles end because a
 * row is only added once; NULL references lead nowhere.
 *
 * Tables connected to a root through foreign keys get exactly the rows the closure reaches; tables
 * not connected to any root are copied whole. The result is a key selection per table.
 */
import { RehearseError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { DataSpec } from '../data-schema.ts'
import type { DataSource, ForeignKey, RowSelection, TableSchema } from '../source.ts'

type Known = {
  columns: string[]
  /** Columns that identify a row: the primary key, or for a table without one, every column read. */
  identity: number[]
  rows: Map<string, string[]>
  down: Set<string>
  /** For a table without primary key: the key sets its rows were reached by (columns → tuples). */
  via: Map<string, { columns: string[]; tuples: Map<string, string[]> }>
}
const SEP = '\u0000'

function pct(engine: DataSource['engine'], table: TableSchema, fraction: number): string {
  const cols = (table.primaryKey.length ? table.primaryKey : table.columns.map((c) => c.name)).map((c) =>
    engine === 'postgres' ? `"${c.replace(/"/g, '""')}"::text` : `\`${c.replace(/`/g, '``')}\``,
  )
  const threshold = Math.round(fraction * 1_000_000)
  // A hash of the key, not random(): the same data gives the same subset every time.
  return engine === 'postgres'
    ? `(abs(hashtextextended(concat_ws('|', ${cols.join(', ')}), 0)) % 1000000) < ${threshold}`
    : `(crc32(concat_ws('|', ${cols.join(', ')})) % 1000000) < ${threshold}`
}

export async function computeSubset(
  source: DataSource,
  tables: TableSchema[],
  rules: NonNullable<DataSpec['subset']>,
  options: { signal?: AbortSignal; logger: Logger },
): Promise<Map<string, RowSelection>> {
  const byName = new Map(tables.map((t) => [t.name, t]))
  for (const name of Object.keys(rules)) {
    if (!byName.has(name)) {
      throw new RehearseError('DATA_SUBSET_INVALID', `The subset names the table ${name}, which is not copied.`, {
        hint: 'Use a table of the source (and not excluded by data.tables).',
      })
    }
  }
  const children = new Map<string, Array<{ child: TableSchema; fk: ForeignKey }>>()
  for (const t of tables) {
    for (const fk of t.foreignKeys) {
      if (!byName.has(fk.refTable)) continue
      if (!children.has(fk.refTable)) children.set(fk.refTable, [])
      children.get(fk.refTable)!.push({ child: t, fk })
    }
  }
  const known = new Map<string, Known>()
  const knownOf = (t: TableSchema): Known => {
    let k = known.get(t.name)
    if (!k) {
      const referenced = (children.get(t.name) ?? []).flatMap((c) => c.fk.refColumns)
      const columns = [...new Set([...t.primaryKey, ...t.foreignKeys.flatMap((f) => f.columns), ...referenced])]
      const identity = t.primaryKey.length > 0 ? t.primaryKey.map((c) => columns.indexOf(c)) : columns.map((_, i) => i)
      k = { columns, identity, rows: new Map(), down: new Set(), via: new Map() }
      known.set(t.name, k)
    }
    return k
  }
  /** Remembers, for a table without primary key, which key set selected rows of it. */
  const remember = (t: TableSchema, columns: string[], tuples: string[][]) => {
    if (t.primaryKey.length > 0) return
    const k = knownOf(t)
    const id = columns.join(SEP)
    if (!k.via.has(id)) k.via.set(id, { columns, tuples: new Map() })
    const set = k.via.get(id)!.tuples
    for (const tuple of tuples) set.set(tuple.join(SEP), tuple)
  }
  const signal = options.signal
  const fetch = async (t: TableSchema, selection: RowSelection): Promise<string[][]> => {
    const k = knownOf(t)
    const out: string[][] = []
    try {
      for await (const batch of source.selectKeys(t, k.columns, selection, signal ? { signal } : {})) {
        for (const row of batch) out.push(row as string[])
      }
    } catch (cause) {
      if (selection.kind === 'where') {
        throw new RehearseError(
          'DATA_SUBSET_INVALID',
          `The subset condition for ${t.name} was refused by the source: ${(cause as Error).message}.`,
          {
            hint: 'Fix the SQL of the condition (it is a WHERE clause in the source database’s dialect).',
            cause,
          },
        )
      }
      throw cause
    }
    return out
  }
  /** Adds rows; returns those not seen before (or newly reached downward when `down`). */
  const add = (t: TableSchema, rows: string[][], down: boolean): string[][] => {
    const k = knownOf(t)
    const fresh: string[][] = []
    for (const row of rows) {
      const id = k.identity.map((i) => row[i]).join(SEP)
      const seen = k.rows.has(id)
      if (!seen) k.rows.set(id, row)
      if (down && !k.down.has(id)) {
        k.down.add(id)
        fresh.push(row)
      } else if (!seen) fresh.push(row)
    }
    return fresh
  }

  type Work = { table: TableSchema; rows: string[][]; down: boolean }
  const work: Work[] = []
  for (const [name, rule] of Object.entries(rules)) {
    const t = byName.get(name)!
    if (t.primaryKey.length === 0) {
      throw new RehearseError('DATA_SUBSET_INVALID', `The subset root ${name} has no primary key.`, {
        hint: 'Start the subset from a table with a primary key.',
      })
    }
    const conditions = [
      rule.where ? `(${rule.where})` : '',
      rule.percent !== undefined ? pct(source.engine, t, rule.percent) : '',
    ]
    const where = conditions.filter(Boolean).join(' AND ')
    work.push({ table: t, rows: add(t, await fetch(t, { kind: 'where', where }), true), down: true })
  }
  for (let item = work.shift(); item; item = work.shift()) {
    signal?.throwIfAborted()
    const { table: t, rows, down } = item
    if (rows.length === 0) continue
    const k = knownOf(t)
    // Up: every row these rows reference.
    for (const fk of t.foreignKeys) {
      const parent = byName.get(fk.refTable)
      if (!parent) continue
      const idx = fk.columns.map((c) => k.columns.indexOf(c))
      const tuples = distinct(rows.map((r) => idx.map((i) => r[i]!)).filter((tuple) => tuple.every((v) => v !== null)))
      if (tuples.length === 0) continue
      const found = await fetch(parent, { kind: 'keys', columns: fk.refColumns, tuples })
      remember(parent, fk.refColumns, tuples)
      const fresh = add(parent, found, false)
      if (fresh.length) work.push({ table: parent, rows: fresh, down: false })
    }
    if (!down) continue
    // Down: every row that depends on these rows.
    for (const { child, fk } of children.get(t.name) ?? []) {
      const idx = fk.refColumns.map((c) => k.columns.indexOf(c))
      const tuples = distinct(rows.map((r) => idx.map((i) => r[i]!)).filter((tuple) => tuple.every((v) => v !== null)))
      if (tuples.length === 0) continue
      const found = await fetch(child, { kind: 'keys', columns: fk.columns, tuples })
      remember(child, fk.columns, tuples)
      const fresh = add(child, found, true)
      if (fresh.length) work.push({ table: child, rows: fresh, down: true })
    }
  }

  // Tables connected to a root get the closure (possibly nothing); the others are copied whole.
  const connected = new Set<string>()
  const stack = Object.keys(rules)
  while (stack.length) {
    const name = stack.pop()!
    if (connected.has(name)) continue
    connected.add(name)
    const t = byName.get(name)!
    for (const fk of t.foreignKeys) if (byName.has(fk.refTable)) stack.push(fk.refTable)
    for (const c of children.get(name) ?? []) stack.push(c.child.name)
  }
  const selections = new Map<string, RowSelection>()
  for (const name of connected) {
    const t = byName.get(name)!
    const k = known.get(name)
    if (t.primaryKey.length === 0) {
      const parts = [...(k?.via.values() ?? [])].map((v) => ({ columns: v.columns, tuples: [...v.tuples.values()] }))
      selections.set(name, { kind: 'anyOf', parts })
      options.logger.debug({ table: name, keySets: parts.length }, 'subset')
      continue
    }
    const pkIdx = k ? t.primaryKey.map((c) => k.columns.indexOf(c)) : []
    const tuples = k ? [...k.rows.values()].map((r) => pkIdx.map((i) => r[i]!)) : []
    selections.set(name, { kind: 'keys', columns: t.primaryKey, tuples })
    options.logger.debug({ table: name, rows: tuples.length }, 'subset')
  }
  return selections
}

function distinct(tuples: string[][]): string[][] {
  const seen = new Map<string, string[]>()
  for (const t of tuples) seen.set(t.join(SEP), t)
  return [...seen.values()]
}
