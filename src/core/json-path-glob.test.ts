import { describe, expect, it } from 'vitest'
import { childPath, compilePathGlob, lastKeyOf } from './json-path-glob.ts'

// The redactor's reading: keys match case-insensitively.
const REDACTOR = { ignoreCase: true } as const

describe('JSON path globs', () => {
  it.each([
    ['user.email', 'user.email', true],
    ['user.email', 'user.emails', false],
    ['**.password', 'password', true],
    ['**.password', 'a.b[].Password', true],
    ['items[].card', 'items[].card', true],
    ['items[*].card', 'items[].card', true],
    ['*.token', 'auth.token', true],
    ['*.token', 'a.auth.token', false],
    ['user.**', 'user.address[].line1', true],
    ['$.user.email', 'user.email', true],
    ['["odd.key"].x', '["odd.key"].x', true],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(compilePathGlob(glob, REDACTOR).test(path)).toBe(expected)
  })

  it('builds paths the globs are written against', () => {
    expect(childPath('', 'user')).toBe('user')
    expect(childPath('user', 'e-mail')).toBe('user.e-mail')
    expect(childPath('user', 'odd.key')).toBe('user["odd.key"]')
    expect(lastKeyOf('**.password')).toBe('password')
    expect(lastKeyOf('items[]')).toBeUndefined()
    expect(() => compilePathGlob('a b')).toThrow(/may use only/)
  })

  it('matches case-sensitively unless asked, and takes <placeholder> keys only when asked', () => {
    expect(compilePathGlob('**.password').test('a.Password')).toBe(false)
    expect(childPath('ids', '<uuid>')).toBe('ids["<uuid>"]')
    expect(childPath('ids', '<uuid>', { placeholderKeys: true })).toBe('ids.<uuid>')
    expect(compilePathGlob('ids.<uuid>', { placeholderKeys: true }).test('ids.<uuid>')).toBe(true)
    expect(() => compilePathGlob('ids.<uuid>')).toThrow(/may use only/)
  })

  it("reports each malformed glob through the caller's error", () => {
    const invalid = (problem: string) => new Error(`bad:${problem}`)
    expect(() => compilePathGlob(' $. ', { invalid })).toThrow('bad:empty')
    expect(() => compilePathGlob('a b', { invalid })).toThrow('bad:characters')
    expect(() => compilePathGlob('a["b', { invalid })).toThrow('bad:unclosed')
    expect(() => compilePathGlob('')).toThrow('empty path pattern ""')
  })
})
