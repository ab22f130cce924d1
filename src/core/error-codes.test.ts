import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from './error-codes.ts'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

describe('docs/errors.md', () => {
  it.each(Object.entries(ERROR_CODES))('documents %s with its exit code', (code, info) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`))
    expect(row, `docs/errors.md has no row for ${code}`).toBeDefined()
    expect(row!.split('|')[2]!.trim()).toBe(String(info.exit))
  })

  it('lists no code that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1])
    expect(documented.filter((c) => !(c! in ERROR_CODES))).toEqual([])
  })
})
