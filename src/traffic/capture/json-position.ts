/**
 * @module traffic/capture/json-position
 * Turns a `JSON.parse` failure into a line and column of the text, so that a malformed capture or
 * HAR file can be reported as `file:line:column`. V8 gives a position for some errors
 * ("… at position 12 (line 2 column 5)") but not for others ("Unexpected token ']', … is not valid
 * JSON"); for those a small scanner finds the first offending character.
 */

/** 1-based line and column of a character offset in `text`. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(Math.max(offset, 0), text.length)
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) {
    line++
    lineStart = i + 1
  }
  return { line, column: end - lineStart + 1 }
}

/** Where a `JSON.parse(text)` error points, 1-based. */
export function jsonErrorPosition(error: unknown, text: string): { line: number; column: number } {
  const message = error instanceof Error ? error.message : String(error)
  const both = /\(line (\d+) column (\d+)\)/.exec(message)
  if (both) return { line: Number(both[1]), column: Number(both[2]) }
  const position = /at position (\d+)/.exec(message)
  return lineColumnAt(text, position ? Number(position[1]) : firstJsonErrorOffset(text))
}

/** The message of a JSON parse error without V8's position or echo of the text. */
export function jsonErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message
    .replace(/\s*(?:in JSON\s*)?at position \d+(?: \(line \d+ column \d+\))?/, '')
    .replace(/, ".*" is not valid JSON$/s, '')
    .trim()
}

const WS = new Set([' ', '\t', '\n', '\r'])
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw U+0000–U+001F in strings; excluding them is the point.
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y

/** Offset of the first character at which `text` stops being valid JSON (text.length if it ends early). */
export function firstJsonErrorOffset(text: string): number {
  let i = 0
  const skip = () => {
    while (i < text.length && WS.has(text[i]!)) i++
  }
  const sticky = (re: RegExp): boolean => {
    re.lastIndex = i
    if (!re.test(text)) return false
    i = re.lastIndex
    return true
  }
  const scalar = (): boolean => {
    const c = text[i]
    if (c === '"') return sticky(STRING)
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return sticky(NUMBER)
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return true
      }
    }
    return false
  }
  const key = (): boolean => {
    skip()
    if (text[i] !== '"' || !sticky(STRING)) return false
    skip()
    if (text[i] !== ':') return false
    i++
    return true
  }
  // Iterative, with an explicit stack, so deep nesting cannot overflow the call stack.
  const stack: ('{' | '[')[] = []
  let expectValue = true
  for (;;) {
    skip()
    const c = text[i]
    if (expectValue) {
      if (c === '{' || c === '[') {
        i++
        skip()
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++
          expectValue = false
        } else {
          stack.push(c)
          if (c === '{' && !key()) return i
        }
        continue
      }
      if (!scalar()) return i
      expectValue = false
      continue
    }
    const top = stack.at(-1)
    if (top === undefined) return i
    if (c === ',') {
      i++
      if (top === '{' && !key()) return i
      expectValue = true
    } else if (c === (top === '{' ? '}' : ']')) {
      stack.pop()
      i++
    } else {
      return i
    }
  }
}
