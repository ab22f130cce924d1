import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CapturedExchange } from '../capture/capture.ts'
import { readCapture } from '../capture/capture-reader.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, startUpstream, type TestUpstream } from './test-support.ts'

const PLANTED = ['sk_live_PLANTEDTOKEN42', 'PLANTEDSESSION77', 'planted.person@example.com', 'hunter2-PLANTED']

let dir: string
const cleanups: (() => Promise<unknown>)[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-record-'))
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await rm(dir, { recursive: true, force: true })
})

/** A pino logger at debug level whose lines land in `lines`. */
function collectingLogger(lines: string[]) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'))
      callback()
    },
  })
  return pino({ level: 'debug' }, stream)
}

/** Answers with a JSON echo of what it received, a session cookie and the user's e-mail. */
async function echoUpstream(): Promise<TestUpstream> {
  const upstream = await startUpstream('echo', (req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    req.on('end', () => {
      const body = JSON.stringify({ received: bytes, email: 'planted.person@example.com' })
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': 'sid=PLANTEDSESSION77; Path=/; HttpOnly',
      })
      res.end(body)
    })
  })
  cleanups.push(() => upstream.close())
  return upstream
}

async function readAll(path: string): Promise<CapturedExchange[]> {
  const out: CapturedExchange[] = []
  for await (const { exchange: x } of readCapture(path)) out.push(x)
  return out
}

describe('the record interceptor', () => {
  it('records every exchange, redacted at capture, and moves the file into place on close', async () => {
    const upstream = await echoUpstream()
    const lines: string[] = []
    const path = join(dir, 'live.jsonl.gz')
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink,
      logger: collectingLogger(lines),
      record: { path },
    })
    for (let i = 0; i < 20; i++) {
      const r = await exchange(`${proxy.url}/signup?ref=${i}&token=${PLANTED[0]}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${PLANTED[0]}`,
          cookie: `sid=${PLANTED[1]}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ email: PLANTED[2], password: PLANTED[3], plan: 'pro' }),
      })
      expect(r.status).toBe(200)
    }
    expect(await readdir(dir)).not.toContain('live.jsonl.gz')
    expect(proxy.recording()).toMatchObject({ recorded: 20, dropped: 0, sampledOut: 0 })
    await proxy.close()

    const raw = gunzipSync(await readFile(path)).toString('utf8')
    for (const value of PLANTED) expect(raw).not.toContain(value)
    for (const line of lines) for (const value of PLANTED) expect(line).not.toContain(value)
    const exchanges = await readAll(path)
    expect(exchanges).toHaveLength(20)
    const first = exchanges.find((x) => x.request.url.startsWith('/signup?ref=0&'))!
    expect(first.request).toMatchObject({
      method: 'POST',
      headers: {
        authorization: expect.stringMatching(/^Bearer redacted:authorization:[0-9a-f]{16}$/),
        cookie: expect.stringMatching(/^sid=redacted:cookie:[0-9a-f]{16}$/),
      },
      body: { encoding: 'utf8', size: expect.any(Number) },
    })
    expect(first.request.url).toMatch(/token=redacted:query:[0-9a-f]{16}$/)
    expect(first.request.headers).not.toHaveProperty('x-forwarded-for')
    expect(JSON.parse(first.request.body!.data)).toMatchObject({
      plan: 'pro',
      email: expect.stringMatching(/^redacted:email:/),
    })
    expect(first.response).toMatchObject({
      status: 200,
      headers: { 'set-cookie': expect.stringMatching(/^sid=redacted:set-cookie:[0-9a-f]{16}; Path=\/; HttpOnly$/) },
    })
    expect(JSON.parse(first.response!.body!.data)).toMatchObject({ received: first.request.body!.size })
    expect(first.timing.durationMs).toBeGreaterThanOrEqual(0)
    // One user is one token throughout the capture.
    expect(new Set(exchanges.map((x) => x.request.headers['authorization'])).size).toBe(1)
  })

  it('keeps only maxBodyBytes of a large upload and download, while the upstream gets every byte', async () => {
    const size = 3 * 1024 * 1024
    const upstream = await startUpstream('big', (req, res) => {
      let bytes = 0
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length
      })
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-received': String(bytes) })
        res.end('y'.repeat(size))
      })
    })
    cleanups.push(() => upstream.close())
    const path = join(dir, 'big.jsonl')
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink: new CollectingSink(),
      record: { path, maxBodyBytes: 1024 },
    })
    const r = await exchange(`${proxy.url}/upload`, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(size),
    })
    expect(r.headers['x-received']).toBe(String(size))
    expect(r.body.length).toBe(size)
    await proxy.close()
    const [recorded] = await readAll(path)
    expect(recorded!.request.body).toMatchObject({ size, truncated: true })
    expect(recorded!.request.body!.data.length).toBeLessThanOrEqual(1024)
    expect(recorded!.response!.body).toMatchObject({ size, truncated: true })
    expect(recorded!.response!.body!.data.length).toBeLessThanOrEqual(1024)
  })

  it('samples by a sticky header: all of a user or none', async () => {
    const upstream = await echoUpstream()
    const path = join(dir, 'sampled.jsonl')
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink: new CollectingSink(),
      record: { path, sampling: { rate: 0.5, stickyHeader: 'x-user' } },
    })
    for (let i = 0; i < 60; i++) await exchange(`${proxy.url}/u/${i % 12}`, { headers: { 'x-user': `user-${i % 12}` } })
    const stats = proxy.recording()!
    await proxy.close()
    expect(stats.recorded + stats.sampledOut).toBe(60)
    expect(stats.recorded % 5).toBe(0)
    const users = new Map<string, number>()
    for (const x of await readAll(path)) {
      const user = x.request.headers['x-user'] as string
      users.set(user, (users.get(user) ?? 0) + 1)
    }
    expect([...users.values()].every((n) => n === 5)).toBe(true)
  })

  it('records an upload the client abandoned as cut, and keeps serving', async () => {
    const upstream = await echoUpstream()
    const path = join(dir, 'aborted.jsonl')
    const sink = new CollectingSink()
    const proxy = await startProxy({ targets: { baseline: upstream.url }, sink, record: { path } })
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${proxy.url}/upload`, {
        method: 'POST',
        headers: { 'content-length': '100000', 'content-type': 'text/plain' },
        agent: false,
      })
      req.on('error', () => resolve())
      req.write('z'.repeat(1000), () => setTimeout(() => req.destroy(), 50))
      req.on('close', () => resolve())
    })
    await sink.waitFor(1)
    expect(sink.samples[0]!.cause).toBe('socket-closed')
    expect((await exchange(`${proxy.url}/after`)).status).toBe(200)
    await proxy.close()
    const exchanges = await readAll(path)
    const cut = exchanges.find((x) => x.request.url === '/upload')
    expect(cut?.request.body).toMatchObject({ truncated: true })
    expect(exchanges.some((x) => x.request.url === '/after')).toBe(true)
  })

  it('discards the capture when aborted, and refuses an unwritable path before listening', async () => {
    const upstream = await echoUpstream()
    const controller = new AbortController()
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink: new CollectingSink(),
      record: { path: join(dir, 'gone.jsonl') },
      signal: controller.signal,
    })
    await exchange(`${proxy.url}/x`)
    controller.abort()
    await proxy.close()
    expect(await readdir(dir)).toEqual([])

    await expect(
      startProxy({
        targets: { baseline: upstream.url },
        sink: new CollectingSink(),
        record: { path: join(dir, 'missing', 'x.jsonl') },
      }),
    ).rejects.toMatchObject({ code: 'CAPTURE_OUTPUT_UNWRITABLE' })
  })
})
