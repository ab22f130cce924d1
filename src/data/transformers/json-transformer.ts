/**
 * @module data/transformers/json-transformer
 * `json`: transformers applied at JSON paths inside json/jsonb (or text holding JSON) columns.
 * Paths are a small JSONPath subset: `$.a.b`, `$.a[0]`, `$.a[*].b`, `$.*`, `$['a b']` and `$..email`
 * (any depth). A path that reaches an object or array masks every scalar inside it. Keys not named
 * by any path are kept: list every personal field.
 */
import type { ColumnSchema } from '../source.ts'
import type { Transformer, TransformerContext, TransformerKind } from '../transformer.ts'
import { transformerInvalid, transformFailed } from './transform-error.ts'

type Segment =
  | { kind: 'key'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'deep'; name: string }

/** Parses a path of the supported subset; throws a message for anything else. */
export function parseJsonPath(path: string): Segment[] {
  const segments: Segment[] = []
  const re =
    /\.\.([A-Za-z_$][\w$-]*)|\.([A-Za-z_$][\w$-]*)|\.\*|\[\*\]|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y
  re.lastIndex = 1
  if (path[0] !== '$') throw new Error(`a JSON path starts with $: ${path}`)
  while (re.lastIndex < path.length) {
    const at = re.lastIndex
    const m = re.exec(path)
    if (!m) throw new Error(`cannot read the JSON path ${path} at character ${at + 1}`)
    if (m[1] !== undefined) segments.push({ kind: 'deep', name: m[1] })
    else if (m[2] !== undefined) segments.push({ kind: 'key', name: m[2] })
    else if (m[3] !== undefined) segments.push({ kind: 'index', index: Number(m[3]) })
    else if (m[4] !== undefined || m[5] !== undefined)
      segments.push({ kind: 'key', name: (m[4] ?? m[5])!.replace(/\\(.)/g, '$1') })
    else segments.push({ kind: 'all' })
  }
  return segments
}

type Leaf = (value: string | number | boolean, isNumber: boolean) => unknown

function mapScalars(node: unknown, leaf: Leaf): unknown {
  if (node === null) return null
  if (Array.isArray(node)) return node.map((n) => mapScalars(n, leaf))
  if (typeof node === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = mapScalars(v, leaf)
    return out
  }
  return leaf(node as string | number | boolean, typeof node === 'number')
}

function apply(node: unknown, segments: Segment[], i: number, leaf: Leaf): unknown {
  if (i === segments.length) return mapScalars(node, leaf)
  if (node === null || typeof node !== 'object') return node
  const seg = segments[i]!
  if (Array.isArray(node)) {
    if (seg.kind === 'index') {
      if (seg.index < node.length) node[seg.index] = apply(node[seg.index], segments, i + 1, leaf)
    } else if (seg.kind === 'all') {
      for (let j = 0; j < node.length; j++) node[j] = apply(node[j], segments, i + 1, leaf)
    } else if (seg.kind === 'deep') {
      for (let j = 0; j < node.length; j++) node[j] = apply(node[j], segments, i, leaf)
    }
    return node
  }
  const obj = node as Record<string, unknown>
  if (seg.kind === 'key' && Object.hasOwn(obj, seg.name)) obj[seg.name] = apply(obj[seg.name], segments, i + 1, leaf)
  else if (seg.kind === 'all') for (const k of Object.keys(obj)) obj[k] = apply(obj[k], segments, i + 1, leaf)
  else if (seg.kind === 'deep') {
    for (const k of Object.keys(obj)) {
      obj[k] = k === seg.name ? apply(obj[k], segments, i + 1, leaf) : apply(obj[k], segments, i, leaf)
    }
  }
  return node
}

/** The value class a leaf transformer is built for, so that its type checks accept JSON leaves. */
function leafClass(kind: TransformerKind, isNumber: boolean): ColumnSchema['valueClass'] {
  if (kind === 'dateShift' || kind === 'generalize') return isNumber ? 'decimal' : 'timestamp'
  if (kind === 'noise') return 'decimal'
  if (kind === 'key' && isNumber) return 'integer'
  return 'text'
}

export type LeafSpec = { path: string; kind: TransformerKind; build: (column: ColumnSchema) => Promise<Transformer> }

export async function jsonTransformer(context: TransformerContext, leaves: LeafSpec[]): Promise<Transformer> {
  const cls = context.column.valueClass
  if (cls !== 'json' && cls !== 'text' && cls !== 'other') {
    throw transformerInvalid(context, `\`json\` needs a json, jsonb or text column, not ${context.column.type}`)
  }
  const compiled = await Promise.all(
    leaves.map(async (leaf) => {
      let segments: Segment[]
      try {
        segments = parseJsonPath(leaf.path)
      } catch (error) {
        throw transformerInvalid(context, (error as Error).message)
      }
      const column = (isNumber: boolean): ColumnSchema => ({
        name: `${context.column.name} ${leaf.path}`,
        type: 'json value',
        valueClass: leafClass(leaf.kind, isNumber),
        nullable: true,
        generated: false,
      })
      const [forString, forNumber] = await Promise.all([leaf.build(column(false)), leaf.build(column(true))])
      return { segments, forString, forNumber }
    }),
  )
  const reads = [...new Set(compiled.flatMap((c) => [...(c.forString.reads ?? [])]))]
  return {
    kind: 'json',
    description: `JSON paths: ${leaves.map((l) => `${l.path} → ${l.kind}`).join(', ')}`,
    unique: false,
    leakCheck: false,
    reads,
    transform(value, row) {
      let doc: unknown
      try {
        doc = JSON.parse(value)
      } catch {
        throw transformFailed(context, 'a value is not valid JSON')
      }
      for (const { segments, forString, forNumber } of compiled) {
        doc = apply(doc, segments, 0, (leaf, isNumber) => {
          const out = (isNumber ? forNumber : forString).transform(String(leaf), row)
          if (out === null) return null
          if (isNumber && out.trim() !== '' && Number.isFinite(Number(out))) return Number(out)
          if (typeof leaf === 'boolean' && (out === 'true' || out === 'false')) return out === 'true'
          return out
        })
      }
      return JSON.stringify(doc)
    },
  }
}
