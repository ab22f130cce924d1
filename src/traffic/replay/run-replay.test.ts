import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CapturedExchange } from '../capture/capture.ts'
import { createCaptureWriter } from '../capture/capture-writer.ts'
import { createRedactor } from '../capture/redactor.ts'
import { CollectingSink, startUpstream, type TestUpstream } from '../proxy/test-support.ts'
import { signJwtHs256, verifyJwtHs256 } from './jwt.ts'
import type { ReplayObservation } from './replay.ts'
import { runReplay, speedFor } from './run-replay.ts'

const STAGING_KEY = 'staging-hs256-key-at-least-32-bytes-long!!'
const T0 = Date.UTC(2024, 5, 1, 9, 0, 0)

let dir: string
const cleanups: (() => Promise<unknown>)[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-replay-'))
})
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await rm(dir, { recursive: true, force: true })
})

function ex(
  id: string,
  atMs: number,
  request: Partial<CapturedExchange['request']>,
  session?: string,
): CapturedExchange {
  return {
    v: 1,
    id,
    at: new Date(T0 + atMs).toISOString(),
    ...(session ? { session } : {}),
    request: { method: 'GET', url: '/', headers: {}, ...request },
    response: { status: 200, headers: {} },
    timing: { startedAtMs: T0 + atMs },
  }
}

async function capture(name: string, exchanges: CapturedExchange[]): Promise<string> {
  const path = join(dir, name)
  const writer = await createCaptureWriter(path)
  for (const x of exchanges) await writer.write(x)
  await writer.close()
  return path
}

type Got = { method: string; url: string; headers: IncomingMessage['headers']; body: string }

/** An upstream that records what it got and answers `{ target, url, body }` as JSON. */
async function upstream(
  name: string,
  hold?: (got: Got, res: ServerResponse, answer: () => void) => void,
): Promise<TestUpstream & { got: Got[] }> {
  const got: Got[] = []
  const server = await startUpstream(name, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const g = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() }
      got.push(g)
      const answer = () => {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ target: name, url: req.url }))
      }
      if (hold) hold(g, res, answer)
      else answer()
    })
  })
  cleanups.push(() => server.close())
  return Object.assign(server, { got })
}

describe('runReplay', () => {
  it('sends every exchange to every target, in recorded order, and reports each target’s answer', async () => {
    const a = await upstream('a')
    const b = await upstream('b')
    const path = await capture('c.jsonl', [
      ex('1', 0, { url: '/one' }),
      ex('3', 30, {
        method: 'POST',
        url: '/three',
        headers: { 'content-type': 'text/plain' },
        body: { encoding: 'utf8', data: 'hello', size: 5 },
      }),
      // Written out of order (a proxy writes at the end of a response): replayed by start time.
      ex('2', 20, { url: '/two', headers: { host: 'prod.example.com', 'accept-encoding': 'gzip', 'x-kept': 'yes' } }),
      ex('4', 40, {
        method: 'POST',
        url: '/four',
        body: { encoding: 'utf8', data: 'cut', size: 100, truncated: true },
      }),
    ])
    const sink = new CollectingSink()
    const observations: ReplayObservation[] = []
    const result = await runReplay(path, {
      targets: [
        { name: 'baseline', url: a.url },
        { name: 'candidate', url: b.url },
      ],
      timing: { speed: 4 },
      sink,
      onObservation: (o) => observations.push(o),
      signal: AbortSignal.timeout(30_000),
    })
    expect(result).toMatchObject({
      exchanges: 4,
      replayed: 3,
      skipped: { 'request body cut at capture (maxBodySize)': 1 },
      dropped: 0,
      speed: 4,
      recordedSpanMs: 30,
      scheduledMs: 7.5,
    })
    for (const server of [a, b]) {
      expect(server.got.map((g) => `${g.method} ${g.url}`)).toEqual(['GET /one', 'GET /two', 'POST /three'])
      expect(server.got[1]!.headers).toMatchObject({ 'x-kept': 'yes', host: new URL(server.url).host })
      expect(server.got[1]!.headers['accept-encoding']).toBeUndefined()
      expect(server.got[2]!.body).toBe('hello')
    }
    expect(sink.samples.map((s) => `${s.target} ${s.route} ${s.status}`).sort()).toEqual([
      'baseline GET /one 200',
      'baseline GET /two 200',
      'baseline POST /three 200',
      'candidate GET /one 200',
      'candidate GET /two 200',
      'candidate POST /three 200',
    ])
    // Intended start times follow the recorded gaps ÷ speed (a request sent a hair early counts from its send).
    const at = (route: string) => sink.samples.find((s) => s.target === 'baseline' && s.route === route)!.at
    expect(Math.abs(at('GET /two') - at('GET /one') - 5)).toBeLessThan(1.5)
    expect(Math.abs(at('POST /three') - at('GET /one') - 7.5)).toBeLessThan(1.5)
    expect(observations.find((o) => o.id === '2')).toMatchObject({
      route: 'GET /two',
      responses: {
        baseline: { status: 200, text: JSON.stringify({ target: 'a', url: '/two' }) },
        candidate: { status: 200, text: JSON.stringify({ target: 'b', url: '/two' }) },
      },
    })
    expect(result.targets.map((t) => [t.name, t.sent, t.responses, t.errors])).toEqual([
      ['baseline', 3, 3, 0],
      ['candidate', 3, 3, 0],
    ])
  })

  it('keeps the requests of one session in order without holding other sessions back', async () => {
    const events: string[] = []
    let releaseSlow: (() => void) | undefined
    const server = await upstream('s', (got, _res, answer) => {
      events.push(`got ${got.url}`)
      if (got.url === '/a/1') {
        // Held until the other session's request has arrived: if sessions blocked each other,
        // it never would, and the test would time out.
        releaseSlow = () => {
          events.push('answer /a/1')
          answer()
        }
        return
      }
      answer()
      if (got.url === '/b/1') releaseSlow?.()
    })
    const path = await capture('s.jsonl', [
      ex('a1', 0, { method: 'POST', url: '/a/1' }, 'session-a'),
      ex('a2', 1, { url: '/a/2' }, 'session-a'),
      ex('b1', 2, { url: '/b/1' }, 'session-b'),
      ex('a3', 3, { url: '/a/3' }, 'session-a'),
    ])
    const result = await runReplay(path, {
      targets: [{ name: 'baseline', url: server.url }],
      sink: new CollectingSink(),
      signal: AbortSignal.timeout(30_000),
    })
    expect(events.indexOf('got /b/1')).toBeLessThan(events.indexOf('answer /a/1'))
    expect(events.indexOf('answer /a/1')).toBeLessThan(events.indexOf('got /a/2'))
    expect(events.indexOf('got /a/2')).toBeLessThan(events.indexOf('got /a/3'))
    expect(result).toMatchObject({ replayed: 4, sessions: 2, heldForSession: 2, dropped: 0 })
  })

  it('swaps captured JWTs for staging ones and moves timestamps to the replay’s time', async () => {
    const server = await upstream('auth')
    const redactor = createRedactor({ key: 'capture-key-0123456789abcdef', jwtClaims: ['sub', 'role'] })
    const prodToken = signJwtHs256({ sub: 'user-9', role: 'buyer' }, 'production-key-never-seen-by-replay-000')
    const recorded = new Date(T0 - 3600_000).toISOString()
    const raw = ex('1', 0, {
      method: 'POST',
      url: `/orders?since=${encodeURIComponent(recorded)}`,
      headers: { authorization: `Bearer ${prodToken}`, 'content-type': 'application/json' },
      body: { encoding: 'utf8', data: JSON.stringify({ from: recorded, at: T0 }), size: 10 },
    })
    const path = await capture('a.jsonl', [redactor.redactExchange(raw)])
    const before = Date.now()
    await runReplay(path, {
      targets: [{ name: 'baseline', url: server.url }],
      auth: { jwt: { key: STAGING_KEY } },
      sink: new CollectingSink(),
      signal: AbortSignal.timeout(30_000),
    })
    const got = server.got[0]!
    const claims = verifyJwtHs256(String(got.headers.authorization).replace(/^Bearer /, ''), STAGING_KEY)
    expect(claims).toMatchObject({ sub: 'user-9', role: 'buyer' })
    const body = JSON.parse(got.body) as { from: string; at: number }
    // Recorded an hour before T0 (in 2024); replayed, it is an hour before the replay.
    expect(Date.parse(body.from)).toBeGreaterThanOrEqual(before - 3600_000 - 1000)
    expect(Date.parse(body.from)).toBeLessThanOrEqual(Date.now() - 3600_000 + 1000)
    expect(body.at - Date.parse(body.from)).toBe(3600_000)
    const since = new URL(got.url, 'http://x').searchParams.get('since')!
    expect(Date.parse(body.from)).toBe(Date.parse(since))
  })

  it('rejects a malformed capture before sending anything, naming the line', async () => {
    const server = await upstream('m')
    const path = join(dir, 'bad.jsonl')
    const good = JSON.stringify(ex('1', 0, { url: '/ok' }))
    await writeFile(path, `${good}\n${good.replace('"GET"', '"G ET"')}\n`)
    await expect(
      runReplay(path, {
        targets: [{ name: 'baseline', url: server.url }],
        sink: new CollectingSink(),
        signal: AbortSignal.timeout(10_000),
      }),
    ).rejects.toMatchObject({ code: 'CAPTURE_MALFORMED', location: { file: path, line: 2 } })
    expect(server.got).toHaveLength(0)
  })

  it('refuses options it cannot run with, and a capture with nothing to replay', async () => {
    const path = await capture('e.jsonl', [
      ex('1', 0, { method: 'POST', body: { encoding: 'utf8', data: '', size: 9, omitted: 'binary' } }),
    ])
    const base = { sink: new CollectingSink(), signal: AbortSignal.timeout(10_000) }
    await expect(runReplay(path, { ...base, targets: [] })).rejects.toMatchObject({ code: 'REPLAY_INVALID_OPTIONS' })
    await expect(
      runReplay(path, { ...base, targets: [{ name: 'x', url: 'https://127.0.0.1:1' }] }),
    ).rejects.toMatchObject({ code: 'REPLAY_INVALID_OPTIONS' })
    await expect(
      runReplay(path, { ...base, targets: [{ name: 'x', url: 'http://127.0.0.1:1' }], timing: { speed: 0 } }),
    ).rejects.toMatchObject({ code: 'REPLAY_INVALID_OPTIONS' })
    await expect(
      runReplay(path, { ...base, targets: [{ name: 'x', url: 'http://127.0.0.1:1' }] }),
    ).rejects.toMatchObject({
      code: 'REPLAY_EMPTY',
    })
  })

  it('stops when aborted, leaving nothing in flight', async () => {
    const held: ServerResponse[] = []
    const server = await upstream('h', (_got, res) => {
      held.push(res)
    })
    const path = await capture('h.jsonl', [ex('1', 0, { url: '/1' }), ex('2', 60_000, { url: '/2' })])
    const controller = new AbortController()
    const running = runReplay(path, {
      targets: [{ name: 'baseline', url: server.url }],
      sink: new CollectingSink(),
      signal: controller.signal,
    })
    await expect.poll(() => held.length).toBe(1)
    controller.abort()
    await expect(running).rejects.toMatchObject({ code: 'INTERRUPTED' })
    expect(server.got.map((g) => g.url)).toEqual(['/1'])
  })

  it('rescales the recorded gaps to a rate, keeping their proportions', () => {
    // 11 requests over 10 s recorded (1/s); 5/s asked: five times as fast.
    expect(speedFor({ rate: 5 }, 11, 10_000)).toBe(5)
    expect(speedFor({ speed: 2 }, 11, 10_000)).toBe(2)
    expect(speedFor({ rate: 5 }, 1, 0)).toBe(Number.POSITIVE_INFINITY)
  })
})
