/**
 * @module gates/keyed-entry
 * The shape shared by `gates:` entries and the `promote` / `rollback` actions: a bare kind name
 * (`smoke`), or a mapping whose one key names the kind and carries its main value, the other
 * keys being that kind's options (`{ security: reports/*.sarif, failOn: high }`).
 *
 * A plain union of the kinds' schemas would answer any mistake with "Invalid input" at the entry;
 * this picks the kind first and reports that kind's own problems, each at its path
 * (`gates.3.failOn`), so the spec loader can point at the line and suggest the nearest key. The
 * union stays underneath for the types and the JSON Schema editors read.
 */
import { z } from 'zod'
import { nearest } from '../spec/suggest.ts'

/** One kind: its options schema (absent: written only as a bare name) and an example for messages. */
export type KeyedKind = { schema?: z.ZodObject; example: string }

/** What an entry parses to: its kind and, for kinds with options, the parsed options. */
export type KeyedEntry<Kinds extends Record<string, KeyedKind>> = {
  [K in keyof Kinds & string]: {
    kind: K
    options: Kinds[K]['schema'] extends z.ZodObject ? z.output<Kinds[K]['schema']> : undefined
  }
}[keyof Kinds & string]

/**
 * The schema of one entry. `what` names the thing in messages ("gate", "action"); kinds without
 * an options schema are written as a bare name, the others as a mapping.
 */
export function keyedEntrySchema<const Kinds extends Record<string, KeyedKind>>(what: string, kinds: Kinds) {
  const names = Object.keys(kinds)
  const list = names.join(', ')
  const objects = Object.values(kinds).flatMap((k) => (k.schema ? [k.schema] : []))
  const bareNames = names.filter((name) => !kinds[name]!.schema)
  const options: z.ZodType[] = [...(bareNames.length ? [z.enum(bareNames as [string, ...string[]])] : []), ...objects]
  const union = options.length === 1 ? options[0]! : z.union(options as [z.ZodType, z.ZodType, ...z.ZodType[]])

  const known = (key: string) => Object.hasOwn(kinds, key)
  const check = (value: unknown, ctx: z.RefinementCtx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message, input: value })
    if (typeof value === 'string') {
      const kind = known(value) ? kinds[value] : undefined
      const near = nearest(value, names)
      if (!kind)
        problem(`unknown ${what} "${value}"${near ? ` (did you mean ${near}?)` : ''}; a ${what} is one of ${list}`)
      else if (kind.schema) problem(`the ${value} ${what} needs its options: write it as ${kind.example}`)
      return
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problem(`a ${what} is a name (${bareNames.join(', ') || list}) or a mapping such as ${firstExample(kinds)}`)
      return
    }
    const keys = Object.keys(value)
    const named = keys.filter(known)
    const written = (value as Record<string, unknown>)['kind']
    if (named.length === 0 && typeof written === 'string' && known(written)) {
      problem(`write the kind as the key, not as kind: ${kinds[written]!.example}`)
      return
    }
    if (named.length === 0) {
      problem(
        `a ${what} mapping names its kind as a key (${list}), such as ${firstExample(kinds)}; got ${keys.length ? keys.join(', ') : 'an empty mapping'}`,
      )
      return
    }
    if (named.length > 1) {
      problem(`one ${what} names two kinds (${named.join(' and ')}): write each as its own entry`)
      return
    }
    const kind = kinds[named[0]!]!
    if (!kind.schema) {
      problem(`the ${named[0]} ${what} takes no options: write it as ${kind.example}`)
      return
    }
    const parsed = kind.schema.safeParse(value)
    if (!parsed.success) for (const issue of parsed.error.issues) ctx.addIssue(reissue(issue, value))
  }

  return z
    .preprocess((value, ctx) => {
      check(value, ctx)
      return value
    }, union)
    .transform((value) => toEntry(value, kinds) as KeyedEntry<Kinds>)
}

function toEntry(value: unknown, kinds: Record<string, KeyedKind>): { kind: string; options: unknown } {
  if (typeof value === 'string') return { kind: value, options: undefined }
  const kind = Object.keys(value as object).find((key) => Object.hasOwn(kinds, key))!
  return { kind, options: value }
}

/**
 * An inner issue for the outer context. A wrong type where a value is present becomes a plain
 * message: the spec loader reads an `invalid_type` issue as a missing key.
 */
function reissue(issue: z.core.$ZodIssue, value: unknown): z.core.$ZodRawIssue {
  let at: unknown = value
  for (const key of issue.path)
    at = at === null || typeof at !== 'object' ? undefined : (at as Record<PropertyKey, unknown>)[key]
  if (issue.code === 'invalid_type' && at !== undefined) {
    return { code: 'custom', path: issue.path, message: issue.message, input: at }
  }
  return issue as z.core.$ZodRawIssue
}

function firstExample(kinds: Record<string, KeyedKind>): string {
  return Object.values(kinds).find((k) => k.schema)?.example ?? Object.keys(kinds)[0]!
}
