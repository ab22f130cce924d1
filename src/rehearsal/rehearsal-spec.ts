/**
 * @module rehearsal/rehearsal-spec
 * The full schema of rehearse.yaml: the base of `spec/` plus the section each module owns. This is
 * the one place that composes them (spec/ cannot import the modules above it).
 */
import { z } from 'zod'
import { analysisSchema, slosSchema } from '../analysis/analysis-schema.ts'
import { responseDiffSchema } from '../analysis/response-diff-schema.ts'
import { dataSpecSchema } from '../data/data-schema.ts'
import { gatesSchema } from '../gates/gates-schema.ts'
import { type JsonSchema, toJsonSchema } from '../spec/json-schema.ts'
import { type LoadedSpec, loadSpec } from '../spec/load-spec.ts'
import { baseSpecShape } from '../spec/spec-schema.ts'
import { replaySchema } from '../traffic/replay/replay-schema.ts'
import { TEMPLATE_NAMESPACES } from '../traffic/template/template-text.ts'
import { trafficSchema } from '../traffic/traffic-schema.ts'
import { actionSchema } from './actions.ts'

export const rehearsalSpecSchema = z.strictObject({
  ...baseSpecShape,
  traffic: trafficSchema.optional(),
  replay: replaySchema.optional(),
  diff: responseDiffSchema.optional(),
  analysis: analysisSchema.optional(),
  slos: slosSchema.optional(),
  data: dataSpecSchema.optional(),
  gates: gatesSchema,
  promote: actionSchema.optional(),
  rollback: actionSchema.optional(),
})

export type RehearsalSpec = z.output<typeof rehearsalSpecSchema>

/** Namespaces of per-request template functions (the traffic module's), left alone at load time. */
export const RUNTIME_NAMESPACES = TEMPLATE_NAMESPACES

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
