import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../analysis/seeded-random.ts'
import { isRehearseError, type RehearseError } from '../core/errors.ts'
import { judgeOffline } from './offline-judge.ts'
import { readSamples } from './read-samples.ts'

const cwd = mkdtempSync(join(tmpdir(), 'rehearse-judge-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))
const write = (name: string, text: string) => {
  writeFileSync(join(cwd, name), text)
  return name
}

/** Log-normal latencies around `median` ms (the shape real latencies have), reproducible. */
function latencies(median: number, n: number, seed: number): number[] {
  const random = seededRandom(seed)
  return Array.from({ length: n }, () => Number((median * Math.exp(0.3 * random.normal())).toFixed(3)))
}

function thrown(fn: () => unknown): RehearseError {
  try {
    fn()
  } catch (error) {
    if (isRehearseError(error)) return error
    throw error
  }
  throw new Error('expected a RehearseError')
}

describe('reading samples', () => {
  it('reads one number per line, skipping a header, blank lines and # comments', () => {
    write('plain.txt', 'latency_ms\n# from the load test\n12.5\n\n13\r\n 14.25 \n')
    expect(readSamples('plain.txt', { cwd })).toEqual({ kind: 'values', values: [12.5, 13, 14.25] })
  })

  it('reads a CSV column by name, with quoted cells', () => {
    write('k6.csv', 'metric_name,timestamp,"metric_value"\nhttp_req_duration,1,"101.5"\nhttp_req_duration,2,99\n')
    expect(readSamples('k6.csv', { cwd, column: 'metric_value' })).toEqual({ kind: 'values', values: [101.5, 99] })
    write('k6.tsv', 'name\tvalue\nx\t7\n')
    expect(readSamples('k6.tsv', { cwd, column: 'value' })).toEqual({ kind: 'values', values: [7] })
  })

  it('reads JSON arrays, arrays of objects by column, and { events, trials }', () => {
    write('a.json', '[1, 2.5, 3]')
    write('objects.json', '[{ "ms": 4 }, { "ms": 5 }]')
    write('columns.json', '{ "ms": [6, 7], "status": [200, 200] }')
    write('counts.json', '{ "events": 3, "trials": 1000 }')
    expect(readSamples('a.json', { cwd })).toEqual({ kind: 'values', values: [1, 2.5, 3] })
    expect(readSamples('objects.json', { cwd, column: 'ms' })).toEqual({ kind: 'values', values: [4, 5] })
    expect(readSamples('columns.json', { cwd, column: 'ms' })).toEqual({ kind: 'values', values: [6, 7] })
    expect(readSamples('counts.json', { cwd })).toEqual({ kind: 'counts', events: 3, trials: 1000 })
  })

  it('names the file and line of a bad value', () => {
    write('bad.csv', 'ms\n1\n2\nN/A\n4\n')
    const csv = thrown(() => readSamples('bad.csv', { cwd }))
    expect(csv).toMatchObject({
      code: 'JUDGE_BAD_VALUE',
      message: '"N/A" is not a number.',
      location: { file: 'bad.csv', line: 4 },
    })
    write('bad.json', '[\n  1,\n  2,\n  "3 ms",\n  4\n]')
    const json = thrown(() => readSamples('bad.json', { cwd }))
    expect(json).toMatchObject({ code: 'JUDGE_BAD_VALUE', location: { file: 'bad.json', line: 4, path: '[2]' } })
    write('empty-cell.csv', 'a,b\n1,2\n3,\n')
    expect(thrown(() => readSamples('empty-cell.csv', { cwd, column: 'b' }))).toMatchObject({
      code: 'JUDGE_BAD_VALUE',
      message: '"" is empty.',
      location: { line: 3 },
    })
  })

  it('rejects malformed and ambiguous files with the code that says why', () => {
    write('broken.json', '{\n  "events": 3,\n}')
    expect(thrown(() => readSamples('broken.json', { cwd }))).toMatchObject({
      code: 'JUDGE_FORMAT',
      location: { file: 'broken.json', line: 3 },
    })
    write('two-columns.csv', '1,2\n3,4\n')
    expect(thrown(() => readSamples('two-columns.csv', { cwd })).code).toBe('JUDGE_FORMAT')
    write('header.csv', 'a,b\n1,2\n')
    const noColumn = thrown(() => readSamples('header.csv', { cwd, column: 'c' }))
    expect(noColumn).toMatchObject({ code: 'JUDGE_NO_COLUMN', hint: 'Its columns are: a, b.' })
    write('blank.txt', '\n# nothing\n')
    expect(thrown(() => readSamples('blank.txt', { cwd })).code).toBe('JUDGE_EMPTY')
    expect(thrown(() => readSamples('missing.csv', { cwd })).code).toBe('FILE_NOT_FOUND')
    write('weird.json', '"just a string"')
    expect(thrown(() => readSamples('weird.json', { cwd })).code).toBe('JUDGE_FORMAT')
  })
})

describe('judgeOffline', () => {
  const file = (name: string, values: number[]) => write(name, `${values.join('\n')}\n`)
  beforeAll(() => {
    file('base.csv', latencies(100, 400, 1))
    file('slow.csv', latencies(140, 400, 2))
  })

  it('fails a candidate 40% slower, with the sentence the run prints', () => {
    const result = judgeOffline({ baseline: 'base.csv', candidate: 'slow.csv', cwd, tolerance: 0.1 })
    expect(result.passed).toBe(false)
    expect(result.metric).toMatchObject({ name: 'latency', kind: 'latency', outcome: 'high' })
    expect(result.metric.sentence).toMatch(/^latency rose \d+% \(95% CI \d+–\d+%\), above the 10% tolerance/)
    expect(result.inputs).toEqual({ baseline: { file: 'base.csv', n: 400 }, candidate: { file: 'slow.csv', n: 400 } })
  })

  it('passes a candidate from the same distribution (A/A)', () => {
    file('same.csv', latencies(100, 400, 3))
    const result = judgeOffline({ baseline: 'base.csv', candidate: 'same.csv', cwd, tolerance: 0.1 })
    expect(result.passed).toBe(true)
    expect(result.metric.outcome).toBe('pass')
    expect(result.judgement.summary).toBe('The candidate passes with score 100: its one metric is within tolerance.')
  })

  it('judges rates from counts, or from one 0/1 per request', () => {
    write('b-errors.json', '{ "events": 2, "trials": 2000 }')
    write('c-errors.json', '{ "events": 40, "trials": 2000 }')
    const counts = judgeOffline({ baseline: 'b-errors.json', candidate: 'c-errors.json', cwd })
    expect(counts.metric).toMatchObject({ name: 'errors', kind: 'rate', outcome: 'high' })
    file('b-flags.txt', [...Array(998).fill(0), 1, 1])
    file('c-flags.txt', [...Array(997).fill(0), 1, 1, 1])
    const flags = judgeOffline({ baseline: 'b-flags.txt', candidate: 'c-flags.txt', cwd, kind: 'rate' })
    expect(flags.inputs.candidate).toEqual({ file: 'c-flags.txt', n: 1000, events: 3 })
    expect(flags.metric.kind).toBe('rate')
    file('not-flags.txt', [0, 1, 2])
    expect(
      thrown(() => judgeOffline({ baseline: 'b-flags.txt', candidate: 'not-flags.txt', cwd, kind: 'rate' })).code,
    ).toBe('JUDGE_FORMAT')
    expect(
      thrown(() => judgeOffline({ baseline: 'b-errors.json', candidate: 'c-errors.json', cwd, kind: 'latency' })).code,
    ).toBe('JUDGE_FORMAT')
  })

  it('holds (does not pass) when there are too few samples to decide', () => {
    file('few-a.csv', [10, 11, 12])
    file('few-b.csv', [10, 11, 12])
    const result = judgeOffline({ baseline: 'few-a.csv', candidate: 'few-b.csv', cwd })
    expect(result.passed).toBe(false)
    expect(result.metric.outcome).toBe('insufficient-evidence')
  })

  it('compares a tail quantile when asked', () => {
    const result = judgeOffline({ baseline: 'base.csv', candidate: 'slow.csv', cwd, kind: 'quantile', quantile: 0.9 })
    expect(result.metric).toMatchObject({ name: 'p90', kind: 'quantile' })
    expect(result.passed).toBe(false)
  })
})
