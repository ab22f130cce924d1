import { describe, expect, it } from 'vitest'
import { childPath, compilePathGlob, lastKeyOf } from './json-path-glob.ts'

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
    expect(compilePathGlob(glob).test(path)).toBe(expected)
  })

  it('builds paths the globs are written against', () => {
    expect(childPath('', 'user')).toBe('user')
    expect(childPath('user', 'e-mail')).toBe('user.e-mail')
    expect(childPath('user', 'odd.key')).toBe('user["odd.key"]')
    expect(lastKeyOf('**.password')).toBe('password')
    expect(lastKeyOf('items[]')).toBeUndefined()
    expect(() => compilePathGlob('a b')).toThrow(/may use only/)
  })
})
