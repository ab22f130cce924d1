/**
 * @module data/transformers/date-transformers
 * `dateShift` moves dates by a keyed per-row offset of ±1…maxDays days (never 0): every date column
 * of a row shifts by the same number of days, so intervals within a row (created → shipped) keep
 * their length, while the real dates are gone. The row is identified by its primary key (or the
 * `by` columns), keyed in the domain `date:<table>` unless another domain is named: give a child
 * table the parent's domain and `by: parent_id` and it shifts with its parent.
 * `generalize` on dates truncates to the month or year.
 */
import type { TableSchema } from '../source.ts'
import type { Transformer, TransformerContext } from '../transformer.ts'
import { transformerInvalid, transformFailed } from './transform-error.ts'

const DATE_PREFIX = /^(\d{4,})-(\d{2})-(\d{2})/
const DAY_MS = 86_400_000

function fitDate(context: TransformerContext, what: string): void {
  const cls = context.column.valueClass
  if (cls !== 'date' && cls !== 'timestamp') {
    throw transformerInvalid(context, `\`${what}\` works on date and timestamp columns, not ${context.column.type}`)
  }
}

/** Shifts the `YYYY-MM-DD` at the start of `value` by `days`; the rest (time, zone, BC) is kept. */
export function shiftDateText(value: string, days: number): string | undefined {
  const m = DATE_PREFIX.exec(value)
  if (!m) return /^[+-]?infinity$/i.test(value) ? value : undefined
  const month = Number(m[2])
  const day = Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > 31) return value === '0000-00-00' ? value : undefined
  const date = new Date(0)
  date.setUTCFullYear(Number(m[1]), month - 1, day)
  date.setTime(date.getTime() + days * DAY_MS)
  const year = date.getUTCFullYear()
  if (year < 1 || year > 9999) return undefined
  const text = `${String(year).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`
  return text + value.slice(m[0].length)
}

function resolveBy(context: TransformerContext, by: string[] | undefined): number[] {
  const table: TableSchema = context.table
  const names = by ?? table.primaryKey
  return names.map((name) => {
    const index = table.columns.findIndex((c) => c.name === name)
    if (index < 0) throw transformerInvalid(context, `\`by\` names ${name}, which ${table.name} does not have`)
    return index
  })
}

export function dateShiftTransformer(
  context: TransformerContext,
  options: { maxDays?: number; by?: string[] },
): Transformer {
  fitDate(context, 'dateShift')
  const domain = context.key.domain(context.domain)
  const maxDays = options.maxDays ?? 30
  const by = resolveBy(context, options.by)
  const byNames = by.map((i) => context.table.columns[i]!.name)
  return {
    kind: 'dateShift',
    description: `shifted ±1–${maxDays} days per row (by ${byNames.length ? byNames.join(', ') : 'value'})`,
    unique: false,
    leakCheck: false,
    reads: byNames,
    transform(value, row) {
      // Without a row key, the value itself keys the offset: equal dates shift alike.
      let rowKey = value
      if (by.length === 1) rowKey = row[by[0]!] ?? ''
      else if (by.length > 1) rowKey = by.map((i) => row[i] ?? '').join('\u0001')
      const r = domain.pick(rowKey, 2 * maxDays)
      const days = r < maxDays ? -(r + 1) : r - maxDays + 1
      const out = shiftDateText(value, days)
      if (out === undefined) throw transformFailed(context, 'a value is not a date this transformer can read')
      return out
    },
  }
}

export function generalizeDateTransformer(context: TransformerContext, to: 'month' | 'year'): Transformer {
  fitDate(context, 'generalize')
  return {
    kind: 'generalize',
    description: `truncated to the ${to}`,
    unique: false,
    leakCheck: false,
    transform(value) {
      const m = DATE_PREFIX.exec(value)
      if (!m) {
        if (/^[+-]?infinity$/i.test(value)) return value
        throw transformFailed(context, 'a value is not a date this transformer can read')
      }
      const date = `${m[1]}-${to === 'year' ? '01' : m[2]}-01`
      const rest = value.slice(m[0].length).replace(/^([ T])\d{2}:\d{2}:\d{2}(\.\d+)?/, '$100:00:00')
      return date + rest
    },
  }
}
