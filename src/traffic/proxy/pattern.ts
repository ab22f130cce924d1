/**
 * @module traffic/proxy/pattern
 * The patterns fault rules and route tables are written in: a glob (`/products/*`, `/api/**`,
 * `GET /cart?`) or, after a `~`, a regular expression as nginx writes them (`~^/products/\d+$`;
 * `~*` for case-insensitive).
 */

/**
 * Compiles a pattern into an anchored RegExp. In a segmented glob (paths) `*` and `?` stop at `/`
 * and `**` crosses it; in a flat glob (header values) `*` matches anything.
 * @throws SyntaxError when a `~` regular expression does not compile.
 */
export function compilePattern(pattern: string, options: { segmented: boolean }): RegExp {
  if (pattern.startsWith('~*')) return new RegExp(pattern.slice(2), 'i')
  if (pattern.startsWith('~')) return new RegExp(pattern.slice(1))
  let source = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        source += '.*'
        i++
      } else {
        source += options.segmented ? '[^/]*' : '.*'
      }
    } else if (c === '?') {
      source += options.segmented ? '[^/]' : '.'
    } else {
      source += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&')
    }
  }
  return new RegExp(source + '$')
}

/** Why a pattern does not compile, or undefined when it does. */
export function patternError(pattern: string): string | undefined {
  try {
    compilePattern(pattern, { segmented: true })
    return undefined
  } catch (error) {
    return `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`
  }
}
