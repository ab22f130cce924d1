import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RehearseError } from '../../core/errors.ts'
import type { CapturedExchange } from './capture.ts'
import { decodeBody, serializeExchange } from './capture-format.ts'
import { readCapture } from './capture-reader.ts'
import { importCapture } from './import-capture.ts'
import { formatCaptureSummary, inspectCapture } from './inspect-capture.ts'

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname
const PLANTED = [
  'alice.planted@example.com',
  'alice.planted',
  'bob.planted',
  'hunter2-planted-pw',
  'PLANTEDSESSION0001',
  'PLANTEDAPIKEY77',
  'PLANTEDSHOPKEY0042',
  'PLANTEDGORKEY9',
  'PLANTEDGORSESSION',
  'PLANTEDQUERYTOKEN',
  'eyJzdWIiOiJ1c2VyLTQyIiwiZW1haWwiOiJhbGljZS5wbGFudGVkQGV4YW1wbGUuY29tIiwicm9sZSI6ImN1c3RvbWVyIiwiZXhwIjoxNzQxMDkwMDAwfQ',
  '7946 0958',
  '555 2671',
  '4111 1111 1111 1111',
  '4111+1111+1111+1111',
  '5555 5555 5555 4444',
  'DE89 3704 0044 0532 0130 00',
]

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-import-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function read(path: string): Promise<CapturedExchange[]> {
  const out: CapturedExchange[] = []
  for await (const { exchange } of readCapture(path)) out.push(exchange)
  return out
}
const json = (x: { body?: { data: string; encoding: string } } | undefined) =>
  JSON.parse(decodeBody(x!.body! as never).toString('utf8'))

async function failure(promise: Promise<unknown>): Promise<RehearseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(RehearseError)
  return error as RehearseError
}

describe('HAR import', () => {
  it('imports a Chrome devtools HAR: bodies, base64 content, redirects, HTTP/2, failures', async () => {
    const out = join(dir, 'chrome.jsonl')
    const result = await importCapture(join(FIXTURES, 'chrome-session.har'), out)
    expect(result).toMatchObject({
      format: 'har',
      creator: 'WebInspector 537.36',
      read: 8,
      exchanges: 7,
      sampledOut: 0,
      withoutResponse: 1,
      skipped: { 'not http(s)': 1 },
    })
    const x = await read(out)
    expect(x.map((e) => `${e.request.method} ${e.request.url} ${e.response?.status ?? '-'}`)).toEqual([
      'GET /login?next=%2Faccount 200',
      'POST /api/login 302',
      'GET /account 200',
      expect.stringMatching(/^GET \/api\/products\?page=2&api_key=redacted:query:[0-9a-f]{16} 200$/),
      'GET /img/logo.png 200',
      'POST /api/cart 201',
      'GET /api/recommendations -',
    ])
    // Content in a HAR is decoded: its coding header is gone and the text is the body.
    expect(x[0]!.response!.headers['content-encoding']).toBeUndefined()
    expect(x[0]!.response!.body!.data).toContain('<form method=post')
    expect(json(x[1]!.request)).toEqual({
      email: expect.stringMatching(/^redacted:email:/),
      password: expect.stringMatching(/^redacted:json-path:/),
      remember: true,
    })
    expect(x[1]!.response!.headers['location']).toBe('/account')
    expect(x[2]!.request.headers['cookie']).toMatch(/^sid=redacted:cookie:\w{16}; theme=redacted:cookie:\w{16}$/)
    expect(x[3]!.request.headers['host']).toBe('127.0.0.1:4000')
    expect(Object.keys(x[3]!.request.headers).some((h) => h.startsWith(':'))).toBe(false)
    expect(x[3]!.request.headers['authorization']).toMatch(/^Bearer redacted:jwt:\w{16}$/)
    expect(json(x[3]!.response)).toMatchObject({
      page: 2,
      items: [
        { id: 17, price: 12.5 },
        { id: 18, price: 13 },
      ],
    })
    expect(x[4]!.response!.body).toEqual({ encoding: 'base64', data: '', size: 70, omitted: 'binary' })
    expect(x[5]!.request.body!.data).toMatch(/^sku=MUG-17&qty=2&card=redacted:card:\w{16}$/)
    expect(x[6]!.response).toBeUndefined()
    expect(x[1]!.timing).toEqual({ startedAtMs: Date.parse('2025-03-04T10:15:30.402Z'), durationMs: 20.9 })
    expect(new Set(x.map((e) => e.session)).size).toBe(1)
    const bytes = await readFile(out, 'utf8')
    for (const value of PLANTED) expect(bytes, value).not.toContain(value)
  })

  it('keeps binary content decoded from base64 when binary bodies are kept', async () => {
    const out = join(dir, 'keep.jsonl')
    await importCapture(join(FIXTURES, 'chrome-session.har'), out, { redaction: { binaryBodies: 'keep' } })
    const png = decodeBody((await read(out))[4]!.response!.body!)
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(png.length).toBe(70)
  })

  it('imports a Playwright HAR with attached resource files', async () => {
    const out = join(dir, 'pw.jsonl.gz')
    const result = await importCapture(join(FIXTURES, 'playwright-session.har'), out, {
      origins: ['http://127.0.0.1:4000'],
    })
    expect(result).toMatchObject({ creator: 'Playwright 1.65.1', read: 3, exchanges: 3, withoutResponse: 1 })
    const [order, get, failed] = await read(out)
    expect(json(order!.request)).toMatchObject({
      sku: 'MUG-17',
      shipTo: { email: expect.stringMatching(/^redacted:email:/), iban: expect.stringMatching(/^redacted:iban:/) },
    })
    expect(order!.request.headers['x-shop-api-key']).toMatch(/^redacted:header:/)
    expect(json(order!.response)).toEqual({ order: 'ord_01HZX3Q9P6', status: 'paid', total: 12.5 })
    expect(get!.request.url).toBe('/api/orders/ord_01HZX3Q9P6')
    expect(failed!.response).toBeUndefined()
    expect(failed!.timing.durationMs).toBeUndefined()
    const other = await importCapture(join(FIXTURES, 'playwright-session.har'), join(dir, 'none.jsonl'), {
      origins: ['http://shop'],
    })
    expect(other).toMatchObject({ exchanges: 0, skipped: { 'other origin': 3 } })
  })

  it.each([
    [
      'is not JSON',
      (t: string) =>
        t.replace('"startedDateTime": "2025-03-04T10:15:30.402Z",', '"startedDateTime": "2025-03-04T10:15:30.402Z"'),
      { line: expect.any(Number), column: expect.any(Number) },
    ],
    [
      'lacks a request url',
      (t: string) => t.replace('"url": "http://127.0.0.1:4000/account"', '"uri": "x"'),
      { path: 'log.entries[2].request.url' },
    ],
    ['has no entries', () => '{"log": {"version": "1.2"}}', { path: 'log.entries' }],
  ])('a HAR that %s → CAPTURE_HAR_INVALID, nothing written', async (_what, corrupt, location) => {
    const input = join(dir, 'bad.har')
    const text = await readFile(join(FIXTURES, 'chrome-session.har'), 'utf8')
    await writeFile(input, corrupt(text))
    const error = await failure(importCapture(input, join(dir, 'out.jsonl')))
    expect(error.code).toBe('CAPTURE_HAR_INVALID')
    expect(error.exitCode).toBe(2)
    expect(error.location).toMatchObject({ file: input, ...location })
    expect(await readdir(dir)).toEqual(['bad.har'])
  })

  it('points at the line and column of a JSON error', async () => {
    const input = join(dir, 'bad.har')
    await writeFile(input, '{\n  "log": {\n    "entries": [\n      {"a": 1,}\n    ]\n  }\n}\n')
    const error = await failure(importCapture(input, join(dir, 'out.jsonl'), { format: 'har' }))
    expect(error.location).toMatchObject({ line: 4, column: 15 })
  })
})

describe('GoReplay import', () => {
  it('pairs requests with responses, decodes chunked gzip bodies and redacts', async () => {
    const out = join(dir, 'gor.jsonl')
    const result = await importCapture(join(FIXTURES, 'session.gor'), out)
    expect(result).toMatchObject({
      format: 'gor',
      read: 6,
      exchanges: 3,
      withoutResponse: 1,
      skipped: { 'replayed response (type 3)': 1 },
    })
    const [list, signup, del] = await read(out)
    expect(list!.request).toMatchObject({
      method: 'GET',
      url: '/api/products?page=1',
      headers: { host: 'shop.internal' },
    })
    expect(list!.request.headers['x-api-key']).toMatch(/^redacted:header:/)
    expect(list!.timing).toEqual({ startedAtMs: 1741083330123.456, durationMs: 12 })
    expect(json(list!.response)).toEqual({ page: 1, items: [{ id: 1, name: 'Green mug' }] })
    expect(json(signup!.request)).toEqual({
      email: expect.stringMatching(/^redacted:email:/),
      phone: expect.stringMatching(/^redacted:phone:/),
      card: expect.stringMatching(/^redacted:card:/),
    })
    expect(signup!.response!.status).toBe(201)
    expect(signup!.response!.headers['content-encoding']).toBeUndefined()
    expect(signup!.response!.headers['transfer-encoding']).toBeUndefined()
    expect(json(signup!.response)).toEqual({ welcome: expect.stringMatching(/^redacted:email:/), user: 77 })
    expect(signup!.timing.durationMs).toBe(40)
    expect(del!.request.url).toMatch(/^\/api\/cart\/items\/9\?token=redacted:query:\w{16}$/)
    expect(del!.response).toBeUndefined()
    const bytes = await readFile(out, 'utf8')
    for (const value of PLANTED) expect(bytes, value).not.toContain(value)
  })

  it.each([
    [
      'a broken payload header',
      (t: Buffer) => replace(t, '1 b1b2c3d4e5f6a7b8c9d0e1f3 ', 'X b1b2c3d4e5f6a7b8c9d0e1f3 '),
      17,
    ],
    ['a broken request line', (t: Buffer) => replace(t, 'POST /api/signup HTTP/1.1', 'POST /api/signup'), 18],
    [
      'a header without a colon',
      (t: Buffer) => replace(t, 'Host: shop.internal\r\nContent-Type', 'Host shop.internal\r\nContent-Type'),
      19,
    ],
  ])('%s → CAPTURE_GOR_INVALID at its line, nothing written', async (_what, corrupt, line) => {
    const input = join(dir, 'bad.gor')
    await writeFile(input, corrupt(await readFile(join(FIXTURES, 'session.gor'))))
    const output = join(dir, 'out.jsonl')
    await writeFile(output, 'kept\n')
    const error = await failure(importCapture(input, output, { format: 'gor' }))
    expect(error.code).toBe('CAPTURE_GOR_INVALID')
    expect(error.location).toMatchObject({ file: input, line })
    expect((await readdir(dir)).sort()).toEqual(['bad.gor', 'out.jsonl'])
    expect(await readFile(output, 'utf8')).toBe('kept\n')
  })
})

describe('import options and formats', () => {
  it('detects the format from the content, whatever the name', async () => {
    for (const [fixture, format] of [
      ['chrome-session.har', 'har'],
      ['session.gor', 'gor'],
    ] as const) {
      const input = join(dir, `input-${format}.dat`)
      await copyFile(join(FIXTURES, fixture), input)
      expect((await importCapture(input, join(dir, `${format}.jsonl`))).format).toBe(format)
    }
  })

  it('re-redacts an existing capture, and samples', async () => {
    const raw: CapturedExchange = {
      v: 1,
      id: 'a',
      at: '2025-03-04T10:00:00.000Z',
      request: { method: 'GET', url: '/u?email=zed.raw@example.com', headers: {} },
      timing: { startedAtMs: Date.parse('2025-03-04T10:00:00.000Z') },
    }
    const input = join(dir, 'raw.jsonl')
    await writeFile(input, serializeExchange(raw).repeat(3))
    const out = join(dir, 'clean.jsonl')
    expect(await importCapture(input, out)).toMatchObject({ format: 'capture', exchanges: 3 })
    expect(await readFile(out, 'utf8')).not.toContain('zed.raw')
    expect(await importCapture(input, out, { sampling: { rate: 0 } })).toMatchObject({ exchanges: 0, sampledOut: 3 })
  })

  it('stops on abort and leaves nothing behind', async () => {
    const controller = new AbortController()
    controller.abort()
    const error = await failure(
      importCapture(join(FIXTURES, 'session.gor'), join(dir, 'o.jsonl'), { signal: controller.signal }),
    )
    expect(error.code).toBe('INTERRUPTED')
    const late = new AbortController()
    const big = join(dir, 'big.gor')
    const gor = await readFile(join(FIXTURES, 'session.gor'))
    await writeFile(big, Buffer.concat(Array.from({ length: 2000 }, () => gor)))
    const running = importCapture(big, join(dir, 'late.jsonl'), { signal: late.signal, format: 'gor' })
    late.abort()
    expect((await failure(running)).code).toBe('INTERRUPTED')
    expect((await readdir(dir)).sort()).toEqual(['big.gor'])
  })

  it('refuses a file it cannot recognise', async () => {
    const input = join(dir, 'notes.txt')
    await writeFile(input, 'hello\n')
    expect((await failure(importCapture(input, join(dir, 'o.jsonl')))).code).toBe('CAPTURE_FORMAT_UNKNOWN')
    expect((await failure(importCapture(join(dir, 'missing.har'), join(dir, 'o.jsonl')))).code).toBe('FILE_NOT_FOUND')
  })
})

describe('inspect', () => {
  it('summarises routes, methods, status mix, rates, sizes and redactions', async () => {
    const out = join(dir, 'chrome.jsonl')
    await importCapture(join(FIXTURES, 'chrome-session.har'), out)
    const summary = await inspectCapture(out)
    expect(summary).toMatchObject({
      exchanges: 7,
      sessions: 1,
      firstAt: '2025-03-04T10:15:30.101Z',
      lastAt: '2025-03-04T10:15:31.200Z',
      spanMs: 1099,
      methods: { GET: 5, POST: 2 },
      statusMix: { '2xx': 5, '3xx': 1, none: 1 },
      bodies: { truncated: 0, omitted: 1 },
    })
    expect(summary.peakRatePerSecond).toBe(5)
    expect(summary.rateOverTime.points.reduce((n, p) => n + p.count, 0)).toBe(7)
    expect(summary.routes.find((r) => r.route === 'GET /api/products')).toMatchObject({
      count: 1,
      statuses: { '2xx': 1 },
    })
    expect(summary.redactions).toMatchObject({
      cookie: 2,
      'set-cookie': 1,
      jwt: 1,
      query: 1,
      'json-path': 1,
      card: 1,
      'binary-body': 1,
    })
    expect(summary.redactions.email).toBeGreaterThanOrEqual(2)
    const text = formatCaptureSummary(summary)
    expect(text).toContain('7 exchanges, 1 sessions')
    expect(text).toMatch(/POST \/api\/login\s+1 .* 3xx 1/)
    expect(text).toContain('redactions: ')
  })
})

function replace(buffer: Buffer, from: string, to: string): Buffer {
  const at = buffer.indexOf(from)
  if (at === -1) throw new Error(`fixture lacks ${from}`)
  return Buffer.concat([buffer.subarray(0, at), Buffer.from(to), buffer.subarray(at + Buffer.byteLength(from))])
}
