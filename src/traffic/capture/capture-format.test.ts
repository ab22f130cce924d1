import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RehearseError } from '../../core/errors.ts'
import type { CapturedExchange } from './capture.ts'
import { decodeBody, encodeBody, isGzip, serializeExchange } from './capture-format.ts'
import { readCapture } from './capture-reader.ts'
import { createCaptureWriter } from './capture-writer.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-capture-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

function exchange(i: number): CapturedExchange {
  const startedAtMs = Date.UTC(2025, 2, 4, 10, 0, 0) + i * 250.5
  return {
    v: 1,
    id: `x-${i}`,
    at: new Date(startedAtMs).toISOString(),
    ...(i % 3 === 0 ? { session: `s${i % 5}` } : {}),
    request: {
      method: i % 2 ? 'POST' : 'GET',
      url: `/products/${i}?q=caf%C3%A9`,
      headers: { host: 'shop', accept: ['application/json', 'text/plain'] },
      ...(i % 2 ? { body: encodeBody(Buffer.from(JSON.stringify({ n: i, text: 'ünïcödé\n"quoted"' }))) } : {}),
    },
    response: {
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: encodeBody(Buffer.from([0, 1, 2, 255, i % 256]), { contentType: 'application/octet-stream' }),
    },
    timing: { startedAtMs, durationMs: 3.25 },
  }
}

async function collect(path: string) {
  const out = []
  for await (const record of readCapture(path)) out.push(record)
  return out
}

async function rejection(promise: Promise<unknown>): Promise<RehearseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RehearseError)
  return error as RehearseError
}

describe('capture files', () => {
  it.each([
    ['plain', 'capture.jsonl', undefined],
    ['gzip by extension', 'capture.jsonl.gz', undefined],
    ['gzip by option, detected by magic bytes', 'capture.jsonl', true],
  ])('round-trips exchanges (%s)', async (_label, name, gzip) => {
    const path = join(dir, name)
    const writer = await createCaptureWriter(path, gzip === undefined ? {} : { gzip })
    const written = Array.from({ length: 500 }, (_, i) => exchange(i))
    for (const x of written) await writer.write(x)
    expect(await readdir(dir)).not.toContain(name)
    await writer.close()
    expect(writer.count).toBe(500)
    expect(await readdir(dir)).toEqual([name])
    expect(isGzip(await readFile(path))).toBe(name.endsWith('.gz') || gzip === true)
    const records = await collect(path)
    expect(records.map((r) => r.exchange)).toEqual(written)
    expect(records.map((r) => r.line)).toEqual(written.map((_, i) => i + 1))
    const first = records[1]!.exchange
    expect(JSON.parse(decodeBody(first.request.body!).toString('utf8'))).toEqual({ n: 1, text: 'ünïcödé\n"quoted"' })
    expect([...decodeBody(first.response!.body!)]).toEqual([0, 1, 2, 255, 1])
  })

  it('aborting a writer leaves no file, and the target untouched', async () => {
    const path = join(dir, 'capture.jsonl')
    await writeFile(path, 'previous content\n')
    const writer = await createCaptureWriter(path)
    await writer.write(exchange(1))
    await writer.abort()
    expect(await readdir(dir)).toEqual(['capture.jsonl'])
    expect(await readFile(path, 'utf8')).toBe('previous content\n')
  })

  it('an abort signal discards the file', async () => {
    const controller = new AbortController()
    const writer = await createCaptureWriter(join(dir, 'c.jsonl'), { signal: controller.signal })
    await writer.write(exchange(1))
    controller.abort()
    await expect(writer.write(exchange(2))).rejects.toMatchObject({ code: 'INTERRUPTED' })
    await expect(writer.close()).rejects.toBeInstanceOf(RehearseError)
    await writer.abort()
    expect(await readdir(dir)).toEqual([])
  })

  it('a missing output directory is CAPTURE_OUTPUT_UNWRITABLE', async () => {
    const error = await rejection(createCaptureWriter(join(dir, 'nope', 'c.jsonl')))
    expect(error.code).toBe('CAPTURE_OUTPUT_UNWRITABLE')
    expect(error.exitCode).toBe(2)
  })
})

describe('malformed capture files', () => {
  const good = serializeExchange(exchange(0))

  it.each([
    ['not JSON', `${good}${good}{"v":1,"id":\n`, 3, undefined],
    ['a wrong version', `${good}${good.replace('"v":1', '"v":2')}`, 2, 'v'],
    ['a missing field', `${good}\n${good.replace(/"method":"GET",/, '')}`, 3, 'request.method'],
    ['a url with a host', good.replace('"url":"/products/0', '"url":"http://shop/products/0'), 1, 'request.url'],
    ['a bad body encoding', good.replace('"encoding":"base64"', '"encoding":"hex"'), 1, 'response.body.encoding'],
  ])('%s → CAPTURE_MALFORMED at its line', async (_label, content, line, path) => {
    const file = join(dir, 'bad.jsonl')
    await writeFile(file, content)
    const error = await rejection(collect(file))
    expect(error.code).toBe('CAPTURE_MALFORMED')
    expect(error.exitCode).toBe(2)
    expect(error.location).toMatchObject({ file, line })
    if (path) expect(error.location?.path).toBe(path)
    expect(error.message).toContain(`Line ${line} of ${file}`)
  })

  it('a gzip capture cut short → CAPTURE_MALFORMED', async () => {
    const file = join(dir, 'cut.jsonl.gz')
    const whole = gzipSync(Buffer.from(Array.from({ length: 200 }, (_, i) => serializeExchange(exchange(i))).join('')))
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)))
    const error = await rejection(collect(file))
    expect(error.code).toBe('CAPTURE_MALFORMED')
    expect(error.location?.file).toBe(file)
  })

  it('a line longer than the limit is malformed, not buffered', async () => {
    const file = join(dir, 'long.jsonl')
    await writeFile(file, `${good}${'x'.repeat(5000)}\n`)
    const records: unknown[] = []
    const error = await rejection(
      (async () => {
        for await (const r of readCapture(file, { maxLineBytes: 1024 })) records.push(r)
      })(),
    )
    expect(error.location).toMatchObject({ line: 2 })
    expect(records).toHaveLength(1)
  })

  it('a missing file is FILE_NOT_FOUND', async () => {
    expect((await rejection(collect(join(dir, 'missing.jsonl')))).code).toBe('FILE_NOT_FOUND')
  })
})

describe('body encoding', () => {
  it('keeps UTF-8 as text and cuts at the limit on a character boundary', () => {
    const body = encodeBody(Buffer.from('ab€cd'), { maxBytes: 4 })
    expect(body).toEqual({ encoding: 'utf8', data: 'ab', size: 7, truncated: true })
    expect(encodeBody(Buffer.from('hello'), { contentType: 'text/plain' })).toEqual({
      encoding: 'utf8',
      data: 'hello',
      size: 5,
    })
  })

  it('stores binary and declared-binary bodies as base64', () => {
    expect(encodeBody(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ encoding: 'base64', data: '//4A', size: 3 })
    expect(encodeBody(Buffer.from('GIF89a'), { contentType: 'image/gif' })).toMatchObject({ encoding: 'base64' })
    expect(encodeBody(Buffer.from([1, 2, 3, 4, 5]), { contentType: 'image/png', maxBytes: 2 })).toEqual({
      encoding: 'base64',
      data: 'AQI=',
      size: 5,
      truncated: true,
    })
  })
})
