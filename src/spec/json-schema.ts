/**
 * @module spec/json-schema
 * The JSON Schema of rehearse.yaml, for editors (`rehearse schema`, and a `# yaml-language-server:
 * $schema=…` line in the file), and the lookup of valid keys at a document path for suggestions.
 */
import { z } from 'zod'

export type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  $ref?: string
  $defs?: Record<string, JsonSchema>
  [key: string]: unknown
}

/** JSON Schema (draft 2020-12) of a spec schema, describing what may be written (its input). */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema
}

/** The keys an object may have at `path` of a document (empty when the path is not an object). */
export function keysAt(root: JsonSchema, path: ReadonlyArray<string | number>): string[] {
  let nodes: JsonSchema[] = [root]
  for (const segment of path) {
    const next: JsonSchema[] = []
    for (const node of nodes.flatMap((n) => expand(root, n))) {
      if (typeof segment === 'number') {
        if (node.items) next.push(node.items)
      } else if (node.properties?.[segment]) {
        next.push(node.properties[segment])
      } else if (typeof node.additionalProperties === 'object') {
        next.push(node.additionalProperties)
      }
    }
    nodes = next
  }
  return [...new Set(nodes.flatMap((n) => expand(root, n)).flatMap((n) => Object.keys(n.properties ?? {})))]
}

function expand(root: JsonSchema, node: JsonSchema): JsonSchema[] {
  if (node.$ref?.startsWith('#/$defs/')) {
    const def = root.$defs?.[node.$ref.slice('#/$defs/'.length)]
    return def ? expand(root, def) : []
  }
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]
  return alternatives.length ? [node, ...alternatives.flatMap((n) => expand(root, n))] : [node]
}
