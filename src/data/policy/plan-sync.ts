/**
 * @module data/policy/plan-sync
 * `rehearse data plan`: reads the source's schema (read-only), applies the policy and reports, per
 * table and column, whether it is masked (and into what), safe, generated or uncovered. It writes
 * nothing anywhere and needs no masking key (without one it validates with a throwaway key).
 */
import { randomBytes } from 'node:crypto'
import { isRehearseError } from '../../core/errors.ts'
import { type Logger, silentLogger } from '../../core/logger.ts'
import type { DataSpec } from '../data-schema.ts'
import { loadMaskingKey, MaskingKey } from '../keys/masking-key.ts'
import type { DatabaseSchema, DataSource, Engine } from '../source.ts'
import { createSource, resolveEndpoints } from '../sync/open-endpoints.ts'
import type { TransformerKind } from '../transformer.ts'
import { type CompiledTable, compilePolicy, policyHash } from './compile-policy.ts'
import { type PolicyResult, resolvePolicy } from './resolve-policy.ts'

export type ColumnPlan = {
  name: string
  type: string
  status: 'masked' | 'safe' | 'generated' | 'uncovered'
  transformer?: TransformerKind
  /** What the column becomes, in words. */
  description?: string
  domain?: string
  /** The policy rule that decided it (`customers.email`, `*.created_at`, `inherits customers.id`). */
  rule?: string
}

export type TablePlan = { name: string; estimatedRows: number; subset?: string; columns: ColumnPlan[] }

export type SyncPlan = {
  engine: Engine
  source: string
  target: string
  sourceNamespace: string
  targetNamespace: string
  /** The masking key's id, when the key is available. */
  keyId?: string
  policyHash: string
  tables: TablePlan[]
  excluded: string[]
  /** `table.column` of every column the policy does not cover: a sync would refuse to start. */
  uncovered: string[]
}

export type PlanOptions = { signal?: AbortSignal; logger?: Logger; baseDir?: string; env?: NodeJS.ProcessEnv }

/** Introspects the open source and compiles the policy against it. */
export async function preparePolicy(
  source: DataSource,
  spec: DataSpec,
  key: MaskingKey,
  baseDir: string,
  signal?: AbortSignal,
): Promise<{ schema: DatabaseSchema; policy: PolicyResult; compiled: CompiledTable[] }> {
  const schema = await source.introspect(signal ? { signal } : {})
  const policy = resolvePolicy(schema, spec)
  const compiled = await compilePolicy(policy, key, baseDir)
  return { schema, policy, compiled }
}

export async function planSync(spec: DataSpec, options: PlanOptions = {}): Promise<SyncPlan> {
  const endpoints = resolveEndpoints(spec)
  const baseDir = options.baseDir ?? process.cwd()
  let key: MaskingKey
  let keyId: string | undefined
  try {
    key = loadMaskingKey(spec.key, { ...(options.env ? { env: options.env } : {}), baseDir })
    keyId = key.id
  } catch (error) {
    if (!isRehearseError(error) || error.code !== 'DATA_KEY_MISSING') throw error
    key = new MaskingKey(randomBytes(32))
  }
  const source = await createSource(endpoints, options.logger ?? silentLogger)
  try {
    await source.open(options.signal ? { signal: options.signal } : {})
    const { policy, compiled } = await preparePolicy(source, spec, key, baseDir, options.signal)
    return {
      engine: endpoints.source.engine,
      source: endpoints.source.redacted,
      target: endpoints.target.redacted,
      sourceNamespace: endpoints.sourceNamespace,
      targetNamespace: endpoints.targetNamespace,
      ...(keyId ? { keyId } : {}),
      policyHash: policyHash(spec),
      excluded: policy.excluded,
      uncovered: policy.uncovered,
      tables: policy.tables.map(({ table, columns }) => {
        const transformers = compiled.find((c) => c.table.name === table.name)!
        const subset = spec.subset?.[table.name]
        return {
          name: table.name,
          estimatedRows: table.estimatedRows,
          ...(subset
            ? {
                subset: [subset.where, subset.percent === undefined ? '' : `${subset.percent * 100}%`]
                  .filter(Boolean)
                  .join(', '),
              }
            : {}),
          columns: columns.map((d) => {
            const column = table.columns.find((c) => c.name === d.column)!
            const base = { name: d.column, type: column.type, status: d.status }
            if (d.status === 'safe') return { ...base, rule: d.rule }
            if (d.status !== 'masked') return base
            const t = transformers.transformers[transformers.columns.indexOf(d.column)]!
            return { ...base, transformer: t.kind, description: t.description, domain: d.domain, rule: d.rule }
          }),
        }
      }),
    }
  } finally {
    await source.close()
  }
}
