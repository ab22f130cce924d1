/**
 * @module data/policy/compile-policy
 * Turns the resolved policy into what the copy runs: per table, the columns to copy (generated ones
 * are left to the target to compute) and a transformer for each masked one, after checking that
 * every transformer fits its column, and that key columns keep unique values.
 */
import { createHash } from 'node:crypto'
import type { DataSpec } from '../data-schema.ts'
import type { MaskingKey } from '../keys/masking-key.ts'
import type { TableSchema } from '../source.ts'
import type { Transformer } from '../transformer.ts'
import { createTransformer } from '../transformers/create-transformer.ts'
import { transformerInvalid } from '../transformers/transform-error.ts'
import type { ColumnDecision, PolicyResult } from './resolve-policy.ts'

export type CompiledTable = {
  /** The table as copied: generated columns removed, so indexes match the rows read. */
  table: TableSchema
  /** Names of the copied columns, in order. */
  columns: string[]
  /** The transformer of each copied column, undefined for safe ones. */
  transformers: Array<Transformer | undefined>
  decisions: ColumnDecision[]
}

export async function compilePolicy(policy: PolicyResult, key: MaskingKey, baseDir: string): Promise<CompiledTable[]> {
  const out: CompiledTable[] = []
  for (const { table: full, columns: decisions } of policy.tables) {
    const table: TableSchema = { ...full, columns: full.columns.filter((c) => !c.generated) }
    const keyColumns = new Set([...full.primaryKey, ...full.uniques.flat()])
    const transformers: Array<Transformer | undefined> = []
    for (const column of table.columns) {
      const decision = decisions.find((d) => d.column === column.name)!
      if (decision.status !== 'masked') {
        transformers.push(undefined)
        continue
      }
      const transformer = await createTransformer(decision.spec, {
        key,
        table,
        column,
        domain: decision.domain,
        baseDir,
      })
      if (keyColumns.has(column.name) && !transformer.unique) {
        throw transformerInvalid(
          { table, column },
          `the column is part of a primary or unique key and \`${transformer.kind}\` may give two rows the same value; use \`key\`, \`email\` (unique style), \`phone\` with unique: true, or \`hash\``,
        )
      }
      transformers.push(transformer)
    }
    out.push({ table, columns: table.columns.map((c) => c.name), transformers, decisions })
  }
  return out
}

/** A short, stable fingerprint of everything in the spec that decides what staging data looks like. */
export function policyHash(spec: Pick<DataSpec, 'mask' | 'safe' | 'tables' | 'subset' | 'schema'>): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical)
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      )
    }
    return value
  }
  const text = JSON.stringify(
    canonical({ mask: spec.mask, safe: spec.safe, tables: spec.tables, subset: spec.subset, schema: spec.schema }),
  )
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}
