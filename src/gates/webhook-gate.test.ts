import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createTcpServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GateContext, GateOutcome } from './gate.ts'
import { webhookGate, webhookSchema } from './webhook-gate.ts'

type Received = { method: string; url: string; headers: IncomingMessage['headers']; body: unknown }
const received: Received[] = []
/** Routes of the test server: what each path answers. */
const routes: Record<string, (res: ServerResponse) => void> = {
  '/ok': (res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok, ship it'),
  '/no': (res) => res.writeHead(409, { 'content-type': 'application/json' }).end('{"reason":"freeze window"}'),
  '/created': (res) => res.writeHead(201).end(),
  '/silent': () => {}, // never answers
}

let server: Server
let base: string
const open = new Set<ServerResponse>()

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8').on('data', (d: string) => {
      text += d
    })
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(text) })
      open.add(res)
      res.on('close', () => open.delete(res))
      const route = routes[new URL(req.url ?? '/', 'http://x').pathname]
      if (route) route(res)
      else res.writeHead(404).end('not found')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  for (const res of open) res.destroy()
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const never = new AbortController().signal
const smoke: GateOutcome = {
  kind: 'smoke',
  critical: true,
  status: 'pass',
  reasons: ['all 2 smoke requests answered as expected'],
}
const ctx: GateContext = {
  rehearsalId: 'r_hook',
  project: 'shop',
  dir: '.',
  evidence: {},
  earlier: [smoke],
  verdictSoFar: 'promote',
}
const options = (value: Record<string, unknown>) => webhookSchema.parse(value)

describe('webhook gate', () => {
  it('POSTs the rehearsal so far as JSON, with the headers given, and passes on a 2xx', async () => {
    const result = await webhookGate.evaluate(
      ctx,
      options({ webhook: `${base}/created?token=secret`, headers: { authorization: 'Bearer t0k3n' } }),
      never,
    )
    expect(result.status).toBe('pass')
    // The query string may carry a token: it is never shown.
    expect(result.reasons[0]).toMatch(new RegExp(`^POST ${base}/created answered 201 in \\d+ ms$`))
    const request = received.at(-1)!
    expect(request).toMatchObject({ method: 'POST', url: '/created?token=secret' })
    expect(request.headers['content-type']).toBe('application/json')
    expect(request.headers['authorization']).toBe('Bearer t0k3n')
    expect(request.body).toEqual({
      rehearsalId: 'r_hook',
      project: 'shop',
      verdictSoFar: 'promote',
      gates: [
        { kind: 'smoke', status: 'pass', critical: true, reasons: ['all 2 smoke requests answered as expected'] },
      ],
    })
  })

  it('checks the expected status and body', async () => {
    const pass = await webhookGate.evaluate(
      ctx,
      options({ webhook: `${base}/ok`, expect: { status: 200, body: 'ship it' } }),
      never,
    )
    expect(pass.status).toBe('pass')
    const wrongBody = await webhookGate.evaluate(
      ctx,
      options({ webhook: `${base}/ok`, expect: { body: 'approved' } }),
      never,
    )
    expect(wrongBody.status).toBe('fail')
    expect(wrongBody.reasons).toEqual([
      expect.stringMatching(/answered 200 in \d+ ms, expected 2xx with a body containing "approved"$/),
      'body: ok, ship it',
    ])
    const refused = await webhookGate.evaluate(
      ctx,
      options({ webhook: `${base}/no`, expect: { status: [200, 204] } }),
      never,
    )
    expect(refused.status).toBe('fail')
    expect(refused.reasons).toEqual([
      expect.stringMatching(/answered 409 in \d+ ms, expected 200 or 204$/),
      'body: {"reason":"freeze window"}',
    ])
  })

  it('fails when the server does not answer in time', async () => {
    const result = await webhookGate.evaluate(ctx, options({ webhook: `${base}/silent`, timeout: '300ms' }), never)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toBe(`POST ${base}/silent did not answer within 0.3 s`)
  })

  it('fails when nothing listens at the URL', async () => {
    const probe = createTcpServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const result = await webhookGate.evaluate(ctx, options({ webhook: `http://127.0.0.1:${port}/hook` }), never)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toMatch(
      new RegExp(`^POST http://127.0.0.1:${port}/hook could not be reached \\(.*ECONNREFUSED`),
    )
  })

  it('accepts only http(s) URLs in the spec', () => {
    expect(webhookSchema.safeParse({ webhook: 'ftp://example.com/x' }).success).toBe(false)
    expect(webhookSchema.safeParse({ webhook: 'https://example.com/x', expect: { status: 99 } }).success).toBe(false)
  })
})
