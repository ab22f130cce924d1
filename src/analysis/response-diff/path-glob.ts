/**
 * @module analysis/response-diff/path-glob
 * The response diff's reading of the shared JSON-path glob notation (`core/json-path-glob.ts`,
 * used by `diff.ignore` and `diff.unordered`): keys compare case-sensitively, `<…>` may stand in a
 * plain key (the normaliser writes `<uuid>`/`<id>` for id-like keys), and a malformed glob is a
 * `DIFF_INVALID_PATTERN` the user can act on.
 */

import { RehearseError } from '../../core/errors.ts'
import { compilePathGlob, childPath as jsonChildPath, type PathGlobProblem } from '../../core/json-path-glob.ts'

const PLACEHOLDER_KEYS = { placeholderKeys: true } as const

const WHY: Record<PathGlobProblem, string> = {
  empty: 'is empty',
  characters: 'may use only keys, ".", "*", "**" and "[]"',
  unclosed: 'has an unclosed [',
}

/** The path of a child key: `a.b`, `a.<uuid>`, or `a["odd.key"]` when the key is not plain. */
export function childPath(parent: string, key: string): string {
  return jsonChildPath(parent, key, PLACEHOLDER_KEYS)
}

/** Compiles a path glob into a RegExp over whole paths; `DIFF_INVALID_PATTERN` when malformed. */
export function compileDiffGlob(glob: string): RegExp {
  return compilePathGlob(glob, {
    placeholderKeys: true,
    invalid: (problem) =>
      new RehearseError('DIFF_INVALID_PATTERN', `The diff path pattern ${JSON.stringify(glob)} ${WHY[problem]}.`, {
        hint: 'Write paths as items[].price, meta.*, **.updatedAt.',
      }),
  })
}
