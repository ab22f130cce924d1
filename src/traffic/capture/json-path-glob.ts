/**
 * @module traffic/capture/json-path-glob
 * Path globs over flattened JSON paths, the notation the redactor (and the response diff) use:
 * keys joined by dots, `[]` for "any element of an array" (`items[].card.number`), `*` for one
 * key, `**` for any depth (`**.password`). A leading `$.` is allowed. Keys are matched case-
 * insensitively, since `Password` and `password` are the same secret.
 */

/** The path of a child key: `a.b`, or `a["odd.key"]` when the key is not a plain identifier. */
export function childPath(parent: string, key: string): string {
  const plain = /^[A-Za-z0-9_$@-]+$/.test(key)
  if (!plain) return `${parent}[${JSON.stringify(key)}]`
  return parent === '' ? key : `${parent}.${key}`
}

/** The path of the elements of an array at `parent`. */
export function elementPath(parent: string): string {
  return `${parent}[]`
}

/** Compiles a path glob into a RegExp over whole paths; throws a plain Error when it is malformed. */
export function compilePathGlob(glob: string): RegExp {
  let pattern = glob.trim().replace(/^\$\.?/, '')
  if (pattern === '') throw new Error(`empty path pattern ${JSON.stringify(glob)}`)
  if (/[^A-Za-z0-9_$@*.\-[\]"]/.test(pattern.replace(/\["[^"]*"\]/g, ''))) {
    throw new Error(`path pattern ${JSON.stringify(glob)} may use only keys, ".", "*", "**" and "[]"`)
  }
  pattern = pattern.replaceAll('[*]', '[]')
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
      if (pattern[i + 1] !== '"' || end === -1) throw new Error(`unclosed [ in path pattern ${JSON.stringify(glob)}`)
      re += escapeRegExp(pattern.slice(i, end + 2))
      i = end + 2
    } else {
      re += escapeRegExp(pattern[i]!)
      i++
    }
  }
  return new RegExp(`^${re}$`, 'i')
}

/** The plain key a glob ends with (`**.password` → `password`), for matching text that is not valid JSON. */
export function lastKeyOf(glob: string): string | undefined {
  const m = /(?:^|[.\]])([A-Za-z0-9_$@-]+)$/.exec(glob.trim())
  return m?.[1]
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
