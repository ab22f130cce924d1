/**
 * @module data/transformers/custom-transformer
 * `custom`: a JavaScript (or TypeScript, on Node 24) function from the user's project:
 * `{ custom: ./masks.js#maskSku }`. It receives the value and a context with keyed helpers, so a
 * custom mask is as deterministic as the built-in ones if it draws its randomness from them.
 */
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RehearseError } from '../../core/errors.ts'
import type {
  CustomTransformerContext,
  CustomTransformerFunction,
  Transformer,
  TransformerContext,
} from '../transformer.ts'
import { transformFailed } from './transform-error.ts'

export async function customTransformer(
  context: TransformerContext,
  options: { module: string; export: string; unique?: boolean },
): Promise<Transformer> {
  const path = isAbsolute(options.module) ? options.module : resolve(context.baseDir, options.module)
  let fn: unknown
  try {
    const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>
    fn = mod[options.export]
  } catch (cause) {
    throw new RehearseError('DATA_CUSTOM_TRANSFORMER', `Cannot load the custom transformer module ${options.module}.`, {
      hint: 'The path is relative to the spec; check that the file exists and runs under Node 24.',
      details: { table: context.table.name, column: context.column.name },
      cause,
    })
  }
  if (typeof fn !== 'function') {
    throw new RehearseError(
      'DATA_CUSTOM_TRANSFORMER',
      `${options.module} has no exported function ${options.export} (for ${context.table.name}.${context.column.name}).`,
      { hint: 'Export it: `export function maskSku(value, ctx) { … }`, and name it after `#`.' },
    )
  }
  const user = fn as CustomTransformerFunction
  const domain = context.key.domain(context.domain)
  const names = context.table.columns.map((c) => c.name)
  let currentRow: readonly (string | null)[] = []
  let rowObject: Record<string, string | null> | undefined
  const helpers: CustomTransformerContext = {
    table: context.table.name,
    column: context.column.name,
    get row() {
      // Built on first use per row: most custom masks never look at the row.
      rowObject ??= Object.fromEntries(names.map((n, i) => [n, currentRow[i] ?? null]))
      return rowObject
    },
    random: (text) => domain.uniform(text, 7),
    pick: (text, n) => domain.pick(text, n, 7),
    choose: (text, list) => list[domain.pick(text, list.length, 7)]!,
    hmac: (text) => domain.hmacHex(text),
  }
  return {
    kind: 'custom',
    description: `custom function ${options.export} from ${options.module}`,
    unique: options.unique ?? false,
    leakCheck: true,
    reads: names,
    transform(value, row) {
      currentRow = row
      rowObject = undefined
      let out: unknown
      try {
        out = user(value, helpers)
      } catch (error) {
        // Only the error's class: its message may well quote the value.
        const kind = error instanceof Error ? error.name : typeof error
        throw transformFailed(context, `the custom function ${options.export} threw a ${kind}`)
      }
      return out === null || out === undefined ? null : String(out)
    },
  }
}
