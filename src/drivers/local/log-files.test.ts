import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { logPaths, readLastLines, readLinesFrom, tailOffset } from './log-files.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-log-files-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

async function lines(path: string, offset: number, final: boolean): Promise<string[]> {
  const out: string[] = []
  for await (const { line } of readLinesFrom(path, offset, final)) out.push(line)
  return out
}

describe('log files', () => {
  it('reads the last N lines, with or without a final newline, and CRLF endings', async () => {
    const a = file('a.log', 'one\ntwo\nthree\n')
    expect(await readLastLines(a, 2)).toEqual(['two', 'three'])
    expect(await readLastLines(a, 10)).toEqual(['one', 'two', 'three'])
    expect(await readLastLines(a, 0)).toEqual([])
    const b = file('b.log', 'one\r\ntwo\r\nthree')
    expect(await readLastLines(b, 2)).toEqual(['two', 'three'])
    expect(await readLastLines(join(dir, 'missing.log'), 5)).toEqual([])
    expect(await readLastLines(file('empty.log', ''), 5)).toEqual([])
  })

  it('finds the tail across chunk boundaries of a large file', async () => {
    const all = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`)
    const path = file('big.log', `${all.join('\n')}\n`)
    expect(await readLastLines(path, 3)).toEqual(all.slice(-3))
    expect(await readLastLines(path, 5_000)).toEqual(all.slice(-5_000))
    expect(await lines(path, 0, true)).toEqual(all)
  })

  it('holds back a partial last line until it is final, and reports offsets to resume from', async () => {
    const path = file('partial.log', 'done\nhalf')
    expect(await lines(path, 0, false)).toEqual(['done'])
    expect(await lines(path, 0, true)).toEqual(['done', 'half'])
    const offsets: number[] = []
    for await (const { next } of readLinesFrom(path, 0, false)) offsets.push(next)
    expect(offsets).toEqual([5])
    expect(await lines(path, offsets[0]!, true)).toEqual(['half'])
    expect(await tailOffset(path, 1)).toBe(5)
  })

  it('keeps multi-byte characters intact when they straddle a chunk boundary', async () => {
    const line = `${'a'.repeat(64 * 1024 - 1)}é€`
    const path = file('utf8.log', `${line}\nnext\n`)
    expect(await lines(path, 0, true)).toEqual([line, 'next'])
  })

  it('gives every instance its own safe file names', () => {
    const paths = logPaths('/state', ['api@baseline', 'a/b', 'a_b'])
    expect(paths.get('api@baseline')?.stdout).toBe('/state/logs/api@baseline.stdout.log')
    expect(paths.get('a/b')?.stderr).toBe('/state/logs/a_b.stderr.log')
    expect(paths.get('a_b')?.stderr).toBe('/state/logs/a_b-2.stderr.log')
  })
})
