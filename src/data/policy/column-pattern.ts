/**
 * @module data/policy/column-pattern
 * `table.column` patterns of the policy, with `*` matching any run of characters, and how specific
 * a pattern is: the most specific rule decides a column.
 */

export type CompiledPattern = {
  text: string
  table: RegExp
  column: RegExp
  /** 2: both parts literal; 1: one part literal; 0: both wildcards. */
  specificity: number
  exact: boolean
}

function glob(part: string): RegExp {
  return new RegExp(
    `^${part
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
}

export function compilePattern(text: string): CompiledPattern {
  const dot = text.indexOf('.')
  const table = text.slice(0, dot)
  const column = text.slice(dot + 1)
  const specificity = (table.includes('*') ? 0 : 1) + (column.includes('*') ? 0 : 1)
  return { text, table: glob(table), column: glob(column), specificity, exact: specificity === 2 }
}

/** Whether a table name matches a pattern of `data.tables` (a name with `*` wildcards). */
export function matchesTable(pattern: string, table: string): boolean {
  return glob(pattern).test(table)
}
