/**
 * @module spec/yaml-positions
 * From a path in the parsed document (`services.api.port`) back to a line and column in the file,
 * so that every spec error can point at the place to fix.
 */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml'

/**
 * Line and column (1-based) of the node at `path`, or of its deepest existing ancestor. With
 * `key: true` and a path ending in a map key, points at the key itself (for unknown keys).
 */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  path: ReadonlyArray<string | number>,
  options: { key?: boolean } = {},
): { line: number; column: number } | undefined {
  let node: unknown = doc.contents
  let offset = rangeStart(node)
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!
    let next: unknown
    let keyNode: unknown
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))
      keyNode = pair?.key
      next = pair?.value
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment]
    }
    if (keyNode !== undefined && options.key && i === path.length - 1) {
      offset = rangeStart(keyNode) ?? offset
      break
    }
    if (next === undefined || next === null) {
      offset = rangeStart(keyNode) ?? offset
      break
    }
    node = next
    offset = rangeStart(node) ?? offset
  }
  if (offset === undefined) return undefined
  const pos = lines.linePos(offset)
  return { line: pos.line, column: pos.col }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range
  return Array.isArray(range) ? range[0] : undefined
}
