import { describe, expect, it } from 'vitest'
import { firstJsonErrorOffset, jsonErrorPosition, jsonErrorReason, lineColumnAt } from './json-position.ts'

function positionOf(text: string) {
  try {
    JSON.parse(text)
  } catch (error) {
    return { ...jsonErrorPosition(error, text), reason: jsonErrorReason(error) }
  }
  throw new Error('valid JSON')
}

describe('JSON error positions', () => {
  it.each([
    ['[1,2,]', 1, 6],
    ['{"a":tru}', 1, 6],
    ['{"a":1,', 1, 8],
    ['{\n "a": [\n 1,\n ]\n}', 4, 2],
    ['{"a": {"b": 1} "c": 2}', 1, 16],
    ['{"a":1} trailing', 1, 9],
    ['', 1, 1],
  ])('%j fails at line %i, column %i', (text, line, column) => {
    expect(positionOf(text)).toMatchObject({ line, column })
  })

  it('finds the offset itself when V8 gives none, and keeps valid JSON whole', () => {
    expect(firstJsonErrorOffset('[{"a": [1, 2]}, ]')).toBe(16)
    expect(firstJsonErrorOffset('{"a": [1, {"b": "x\\n"}]}')).toBe(24)
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 })
  })

  it('drops the position and the echoed text from the reason', () => {
    expect(positionOf('[1,2,]').reason).toBe("Unexpected token ']'")
    expect(positionOf('{"a" 1}').reason).toBe("Expected ':' after property name")
  })
})
