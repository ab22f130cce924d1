/**
 * @module analysis/response-diff/path-glob
 * Globs over flattened JSON paths for the response diff (`diff.ignore`, `diff.unordered`):
 * keys joined by dots, `[]` for the elements of an array (`items[].price`), `*` one key, `**` any
 * depth (`**.updatedAt`), optional leading `$.`. Same notation as the capture redactor's
 * `traffic/capture/json-path-glob.ts` (kept apart because analysis/ imports no sibling module).
 */
import { RehearseError } from '../../core/errors.ts'

/** The path of a child key: `a.b`, or `a["odd.key"]` when the key is not a plain identifier. */
export function childPath(parent: string, key: string): string {
  if (!/^[A-Za-z0-9_$@<>-]+$/.test(key)) return `${parent}[${JSON.stringify(key)}]`
  return parent === '' ? key : `${parent}.${key}`
}

/** Compiles a path glob into a RegExp over whole paths; `DIFF_INVALID_PATTERN` when malformed. */
export function compileDiffGlob(glob: string): RegExp {
  const pattern = glob
    .trim()
    .replace(/^\$\.?/, '')
    .replaceAll('[*]', '[]')
  const fail = (why: string) =>
    new RehearseError('DIFF_INVALID_PATTERN', `The diff path pattern ${JSON.stringify(glob)} ${why}.`, {
      hint: 'Write paths as items[].price, meta.*, **.updatedAt.',
    })
  if (pattern === '') throw fail('is empty')
  if (/[^A-Za-z0-9_$@<>*.\-[\]"]/.test(pattern.replace(/\["[^"]*"\]/g, ''))) {
    throw fail('may use only keys, ".", "*", "**" and "[]"')
  }
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
      if (pattern[i + 1] !== '"' || end === -1) throw fail('has an unclosed [')
      re += escapeRegExp(pattern.slice(i, end + 2))
      i = end + 2
    } else {
      re += escapeRegExp(pattern[i]!)
      i++
    }
  }
  return new RegExp(`^${re}$`)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
