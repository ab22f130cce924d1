/**
 * @module core/json-path-glob
 * Globs over flattened JSON paths, the one notation the capture redactor (`capture.redact`) and the
 * response diff (`diff.ignore`, `diff.unordered`) share: keys joined by dots, `[]` for the elements
 * of an array (`items[].card.number`), `*` one key, `**` any depth (`**.password`), an optional
 * leading `$.`, and `["odd.key"]` for a key that is not a plain identifier.
 */

/** Why a glob was rejected: empty, a character outside the notation, or a `[` left open. */
export type PathGlobProblem = 'empty' | 'characters' | 'unclosed'

/** How a caller reads the notation. */
export type PathGlobOptions = {
  /** Match keys case-insensitively (the redactor: `Password` is the same secret as `password`). */
  ignoreCase?: boolean
  /** Let `<` and `>` stand in plain keys, for the diff's normalised keys (`ids.<uuid>`). */
  placeholderKeys?: boolean
  /** The error thrown for a malformed glob; a plain Error naming the glob by default. */
  invalid?: (problem: PathGlobProblem, glob: string) => Error
}

const PLAIN_KEY = /^[A-Za-z0-9_$@-]+$/
const PLAIN_KEY_OR_PLACEHOLDER = /^[A-Za-z0-9_$@<>-]+$/
const OUTSIDE_NOTATION = /[^A-Za-z0-9_$@*.\-[\]"]/
const OUTSIDE_NOTATION_OR_PLACEHOLDER = /[^A-Za-z0-9_$@<>*.\-[\]"]/

/** The path of a child key: `a.b`, or `a["odd.key"]` when the key is not a plain identifier. */
export function childPath(parent: string, key: string, options?: Pick<PathGlobOptions, 'placeholderKeys'>): string {
  const plain = (options?.placeholderKeys ? PLAIN_KEY_OR_PLACEHOLDER : PLAIN_KEY).test(key)
  if (!plain) return `${parent}[${JSON.stringify(key)}]`
  return parent === '' ? key : `${parent}.${key}`
}

/** The path of the elements of an array at `parent`. */
export function elementPath(parent: string): string {
  return `${parent}[]`
}

/** Compiles a path glob into a RegExp over whole paths; throws `options.invalid(…)` when it is malformed. */
export function compilePathGlob(glob: string, options: PathGlobOptions = {}): RegExp {
  const invalid = options.invalid ?? plainError
  const pattern = glob
    .trim()
    .replace(/^\$\.?/, '')
    .replaceAll('[*]', '[]')
  if (pattern === '') throw invalid('empty', glob)
  const outside = options.placeholderKeys ? OUTSIDE_NOTATION_OR_PLACEHOLDER : OUTSIDE_NOTATION
  if (outside.test(pattern.replace(/\["[^"]*"\]/g, ''))) throw invalid('characters', glob)
  let re = ''
  for (let i = 0; i < pattern.length; ) {
    if (pattern.startsWith('**.', i)) {
      re += '(?:.*\\.)?'
      i += 3
    } else if (pattern.startsWith('.**', i) && i + 3 === pattern.length) {
      re += '(?:[.[].*)?'
      i += 3
    } else if (pattern.startsWith('**', i)) {
      re += '.*'
      i += 2
    } else if (pattern[i] === '*') {
      re += '[^.[\\]]+'
      i++
    } else if (pattern.startsWith('[]', i)) {
      re += '\\[\\]'
      i += 2
    } else if (pattern[i] === '[') {
      const end = pattern.indexOf('"]', i + 2)
      if (pattern[i + 1] !== '"' || end === -1) throw invalid('unclosed', glob)
      re += escapeRegExp(pattern.slice(i, end + 2))
      i = end + 2
    } else {
      re += escapeRegExp(pattern[i]!)
      i++
    }
  }
  return new RegExp(`^${re}$`, options.ignoreCase ? 'i' : '')
}

/** The plain key a glob ends with (`**.password` → `password`), for matching text that is not valid JSON. */
export function lastKeyOf(glob: string): string | undefined {
  const m = /(?:^|[.\]])([A-Za-z0-9_$@-]+)$/.exec(glob.trim())
  return m?.[1]
}

function plainError(problem: PathGlobProblem, glob: string): Error {
  const quoted = JSON.stringify(glob)
  if (problem === 'empty') return new Error(`empty path pattern ${quoted}`)
  if (problem === 'unclosed') return new Error(`unclosed [ in path pattern ${quoted}`)
  return new Error(`path pattern ${quoted} may use only keys, ".", "*", "**" and "[]"`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
