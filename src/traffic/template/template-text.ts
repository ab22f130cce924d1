/**
 * @module traffic/template/template-text
 * `${…}` generators inside request templates: parsed once when the spec is loaded, evaluated per
 * request by walking a short array of literal strings and generator functions.
 *
 *   ${rand.int(1,20)}  ${rand.float(0.5,2)}  ${pick(a|b|c)}  ${pick(skus.csv)}  ${pick(users.csv, email)}
 *   ${seq}  ${uuid}  ${now}  ${now.iso}      — and `$${` for a literal `${`.
 */
import { RehearseError } from '../../core/errors.ts'
import { nearest } from '../../spec/suggest.ts'
import { readCsvColumn } from './csv.ts'
import type { Random } from './random.ts'

/** The generators a template may use. */
export const TEMPLATE_GENERATORS = ['rand.int', 'rand.float', 'pick', 'seq', 'uuid', 'now', 'now.iso'] as const
export type GeneratorName = (typeof TEMPLATE_GENERATORS)[number]

/** The `${…}` namespaces that belong to templates (the spec loader leaves them alone). */
export const TEMPLATE_NAMESPACES = ['rand', 'pick', 'seq', 'uuid', 'now'] as const

/** What one request's generators read: the run's random stream, the arrival's number, the clock. */
export type ExpandContext = { random: Random; seq: number; nowMs: number }

/** One compiled `${…}`. */
export type Generator = {
  name: GeneratorName
  /** Short label used in route keys (`:int`, `:sku`). */
  label: string
  /** Whether it yields a number (then a JSON string made of it alone becomes a JSON number). */
  numeric: boolean
  evaluate(ctx: ExpandContext): string | number
}

/** A compiled string: literal parts and generators, in order. */
export type TextTemplate = {
  readonly parts: ReadonlyArray<string | Generator>
  /** The string has no generator. */
  readonly constant: boolean
  render(ctx: ExpandContext): string
}

/** Where a template comes from, for errors and for relative file paths. */
export type TemplateSource = {
  /** Directory that relative CSV paths are relative to (the spec's). */
  baseDir: string
  /** Document path of the string, dotted (`traffic.scenario.2.request`). */
  path: string
  /** The spec file, for error locations. */
  file?: string
  /** CSV columns already read, keyed by `file\0column` (shared across templates). */
  csvCache?: Map<string, string[]>
}

export function templateError(source: TemplateSource, message: string, hint: string): RehearseError {
  return new RehearseError('TRAFFIC_TEMPLATE', message, {
    hint,
    location: { path: source.path, ...(source.file ? { file: source.file } : {}) },
  })
}

const HINT =
  'Generators: rand.int(a,b), rand.float(a,b), pick(a|b|c), pick(file.csv[, column]), seq, uuid, now, now.iso.'

function number(source: TemplateSource, expr: string, text: string | undefined): number {
  const n = Number(text?.trim())
  if (text === undefined || text.trim() === '' || !Number.isFinite(n)) {
    throw templateError(source, `\${${expr}}: "${text ?? ''}" is not a number.`, HINT)
  }
  return n
}

function uuid(random: Random): string {
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0')
  const a = hex(random.uint32())
  const b = hex((random.uint32() & 0xffff0fff) | 0x00004000) // version 4
  const c = hex((random.uint32() & 0x3fffffff) | 0x80000000) // variant 10
  const d = hex(random.uint32())
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`
}

function compileGenerator(expr: string, source: TemplateSource): Generator {
  const m = /^\s*([A-Za-z_][\w.]*)\s*(?:\(([^)]*)\))?\s*$/.exec(expr)
  const name = m?.[1]
  if (!m || !name) throw templateError(source, `\${${expr}} is not a generator call.`, HINT)
  const args = m[2] === undefined ? [] : m[2].split(',').map((a) => a.trim())
  const arity = (min: number, max: number) => {
    if (args.length < min || args.length > max || (m[2] !== undefined && m[2].trim() === '' && min > 0)) {
      const want = min === max ? `${min}` : `${min} or ${max}`
      throw templateError(source, `\${${expr}}: ${name} takes ${want} argument${max === 1 ? '' : 's'}.`, HINT)
    }
  }
  switch (name) {
    case 'rand.int': {
      arity(2, 2)
      const lo = number(source, expr, args[0])
      const hi = number(source, expr, args[1])
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) {
        throw templateError(source, `\${${expr}}: rand.int needs two integers, the first not above the second.`, HINT)
      }
      return { name, label: ':int', numeric: true, evaluate: (ctx) => ctx.random.int(lo, hi) }
    }
    case 'rand.float': {
      arity(2, 2)
      const lo = number(source, expr, args[0])
      const hi = number(source, expr, args[1])
      if (lo > hi) throw templateError(source, `\${${expr}}: the first bound is above the second.`, HINT)
      return { name, label: ':float', numeric: true, evaluate: (ctx) => ctx.random.float(lo, hi) }
    }
    case 'pick': {
      const first = args[0] ?? ''
      const isFile = /\.(csv|txt)$/i.test(first) && !first.includes('|')
      if (!isFile && args.length > 1) {
        throw templateError(source, `\${${expr}}: separate the choices with "|", as in pick(a|b|c).`, HINT)
      }
      arity(1, 2)
      let values: string[]
      let label = ':pick'
      if (isFile) {
        const column = args[1] || undefined
        const key = `${first}\u0000${column ?? ''}`
        const cached = source.csvCache?.get(key)
        values = cached ?? readCsvColumn(first, column, source.baseDir)
        if (!cached) source.csvCache?.set(key, values)
        label = `:${column ?? first.replace(/^.*[\\/]/, '').replace(/\.\w+$/, '')}`
      } else {
        values = first.split('|').map((v) => v.trim())
        if (values.some((v) => v === '')) throw templateError(source, `\${${expr}}: an empty choice.`, HINT)
      }
      const n = values.length
      return { name, label, numeric: false, evaluate: (ctx) => values[Math.floor(ctx.random.next() * n)]! }
    }
    case 'seq':
      arity(0, 0)
      return { name, label: ':seq', numeric: true, evaluate: (ctx) => ctx.seq }
    case 'uuid':
      arity(0, 0)
      return { name, label: ':uuid', numeric: false, evaluate: (ctx) => uuid(ctx.random) }
    case 'now':
      arity(0, 0)
      return { name, label: ':now', numeric: true, evaluate: (ctx) => ctx.nowMs }
    case 'now.iso':
      arity(0, 0)
      return { name, label: ':now', numeric: false, evaluate: (ctx) => new Date(ctx.nowMs).toISOString() }
    default: {
      const guess = nearest(name, TEMPLATE_GENERATORS)
      throw templateError(
        source,
        `\${${expr}}: unknown generator "${name}".`,
        guess ? `Did you mean ${guess}? ${HINT}` : HINT,
      )
    }
  }
}

/** Compiles a string with `${…}` generators. Throws TRAFFIC_TEMPLATE (with `source.path`) when invalid. */
export function compileText(text: string, source: TemplateSource): TextTemplate {
  const parts: Array<string | Generator> = []
  let literal = ''
  let i = 0
  while (i < text.length) {
    const at = text.indexOf('$', i)
    if (at < 0) {
      literal += text.slice(i)
      break
    }
    literal += text.slice(i, at)
    if (text.startsWith('$${', at)) {
      literal += '${'
      i = at + 3
    } else if (text.startsWith('${', at)) {
      const end = text.indexOf('}', at + 2)
      if (end < 0)
        throw templateError(
          source,
          `"${text}": a \${ is not closed.`,
          'Close it with }, or write $${ for a literal ${.',
        )
      if (literal) parts.push(literal)
      literal = ''
      parts.push(compileGenerator(text.slice(at + 2, end), source))
      i = end + 1
    } else {
      literal += '$'
      i = at + 1
    }
  }
  if (literal || parts.length === 0) parts.push(literal)
  const constant = parts.every((p) => typeof p === 'string')
  const fixed = constant ? parts.join('') : ''
  return {
    parts,
    constant,
    render: constant
      ? () => fixed
      : (ctx) => {
          let out = ''
          for (const p of parts) out += typeof p === 'string' ? p : p.evaluate(ctx)
          return out
        },
  }
}
