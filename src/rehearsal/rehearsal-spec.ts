/**
 * @module rehearsal/rehearsal-spec
 * The full schema of rehearse.yaml: the base of `spec/` plus the section each module owns. This is
 * the one place that composes them (spec/ cannot import the modules above it).
 */
import { z } from 'zod'
import { analysisSchema, slosSchema } from '../analysis/analysis-schema.ts'
import { GATE_KINDS } from '../gates/gate-registry.ts'
import { type JsonSchema, toJsonSchema } from '../spec/json-schema.ts'
import { type LoadedSpec, loadSpec } from '../spec/load-spec.ts'
import { baseSpecShape } from '../spec/spec-schema.ts'
import { trafficSchema } from '../traffic/traffic-schema.ts'

const gateSchema = z.union([z.enum(GATE_KINDS), z.strictObject({ kind: z.enum(GATE_KINDS) }).loose()], {
  error: `a gate is one of ${GATE_KINDS.join(', ')}`,
})

export const rehearsalSpecSchema = z.strictObject({
  ...baseSpecShape,
  traffic: trafficSchema.optional(),
  analysis: analysisSchema.optional(),
  slos: slosSchema.optional(),
  gates: z.array(gateSchema).default(['smoke']),
})

export type RehearsalSpec = z.output<typeof rehearsalSpecSchema>

/** Namespaces of per-request template functions, resolved by the traffic module per request. */
export const RUNTIME_NAMESPACES = ['rand', 'pick', 'seq', 'uuid', 'now'] as const

/** Loads and validates `rehearse.yaml` (or `file`) against the full schema. */
export function loadRehearsalSpec(cwd: string, file?: string): LoadedSpec<RehearsalSpec> {
  return loadSpec({
    schema: rehearsalSpecSchema,
    cwd,
    ...(file ? { file } : {}),
    deployNamespaces: ['data'],
    runtimeNamespaces: RUNTIME_NAMESPACES,
  })
}

/** The JSON Schema of the whole file, for editors. */
export function rehearsalJsonSchema(): JsonSchema {
  return {
    ...toJsonSchema(rehearsalSpecSchema),
    title: 'rehearse.yaml',
    description: 'A Rehearse staging rehearsal: services, versions, traffic, analysis and gates.',
  }
}
