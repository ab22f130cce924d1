/**
 * @module data/transformers/number-transformers
 * `noise` adds a keyed, deterministic perturbation (relative or absolute) to numbers, keeping the
 * number of decimals; `generalize` rounds down to a multiple of `step`. Both keep aggregates
 * roughly right while hiding individual values.
 */
import type { Transformer, TransformerContext } from '../transformer.ts'
import { transformerInvalid, transformFailed } from './transform-error.ts'

const NUMBER = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?$/

function fitNumber(context: TransformerContext, what: string): void {
  const cls = context.column.valueClass
  if (cls !== 'integer' && cls !== 'decimal' && cls !== 'float') {
    throw transformerInvalid(context, `\`${what}\` works on numeric columns, not ${context.column.type}`)
  }
}

function format(n: number, decimals: number, integer: boolean): string {
  if (integer) return String(Math.round(n))
  return decimals > 0 ? n.toFixed(decimals) : String(Math.round(n))
}

export function noiseTransformer(
  context: TransformerContext,
  options: { relative?: number; absolute?: number },
): Transformer {
  fitNumber(context, 'noise')
  const domain = context.key.domain(context.domain)
  const relative = options.relative ?? (options.absolute === undefined ? 0.1 : undefined)
  const integer = context.column.valueClass === 'integer'
  const max = context.column.maxValue === undefined ? undefined : Number(context.column.maxValue)
  return {
    kind: 'noise',
    description:
      relative !== undefined
        ? `± up to ${Math.round(relative * 100)}% keyed noise`
        : `± up to ${options.absolute} keyed noise`,
    unique: false,
    leakCheck: false,
    transform(value) {
      const m = NUMBER.exec(value)
      if (!m) {
        if (/^(NaN|[+-]?Infinity)$/.test(value)) return value
        throw transformFailed(context, 'a value is not a number')
      }
      const n = Number(value)
      const u = domain.uniform(value) * 2 - 1
      let out = n + (relative !== undefined ? Math.abs(n) * relative * u : options.absolute! * u)
      if (max !== undefined) out = Math.max(-max, Math.min(max, out))
      return format(out, m[2]?.length ?? 0, integer)
    },
  }
}

export function generalizeNumberTransformer(context: TransformerContext, step: number): Transformer {
  fitNumber(context, 'generalize')
  const integer = context.column.valueClass === 'integer'
  return {
    kind: 'generalize',
    description: `rounded down to a multiple of ${step}`,
    unique: false,
    leakCheck: false,
    transform(value) {
      const m = NUMBER.exec(value)
      if (!m) throw transformFailed(context, 'a value is not a number')
      return format(Math.floor(Number(value) / step) * step, m[2]?.length ?? 0, integer)
    },
  }
}
