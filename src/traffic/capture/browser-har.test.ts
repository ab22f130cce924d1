/**
 * A HAR recorded by a real browser (Chromium through playwright-core) against the demo shop,
 * imported with redaction, then each captured request sent to four demo instances at once —
 * v1 as primary and secondary, v1 and v2 as candidates — and judged by the three-way diff: the
 * A/A comparison reports nothing despite the demo's request ids, timestamps and shuffled tags;
 * v2 is reported for exactly the field it added. (The replay here is a plain loop in the test;
 * the replayer proper lives elsewhere.)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DiffObservation, type DiffResponse, diffBodyOf, diffResponses } from '../../analysis/response-diff.ts'
import type { CapturedExchange } from './capture.ts'
import { decodeBody, headerValue } from './capture-format.ts'
import { readCapture } from './capture-reader.ts'
import { importCapture } from './import-capture.ts'
import { routeKey } from './route-key.ts'

const SHOP = new URL('../../../examples/shop/', import.meta.url).pathname
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const PLANTED = ['PLANTEDBROWSERTOKEN123', 'planted.shopper@example.com']

type Service = { url: string; child: ChildProcess; exited: Promise<unknown> }
const services: Service[] = []
const agent = new Agent({ connections: 16 })
let dir: string

function start(script: string, env: Record<string, string> = {}): Promise<Service> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, [script], {
    cwd: SHOP,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${script} did not start: ${out}`)), 60_000)
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
    })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1]
      if (url) {
        clearTimeout(timer)
        const service = { url, child, exited }
        services.push(service)
        resolve(service)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited with ${code}: ${out}`))
    })
  })
}

/** What a user does in the shop: browse pages and products, fill carts, check out. */
async function browse(base: string, harPath: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  try {
    const context = await browser.newContext({ recordHar: { path: harPath, content: 'embed' } })
    const page = await context.newPage()
    await page.goto(`${base}/products?page=1`)
    await page.evaluate(async () => {
      const json = { 'content-type': 'application/json', authorization: 'Bearer PLANTEDBROWSERTOKEN123' }
      for (const p of [2, 3]) await fetch(`/products?page=${p}`)
      for (let round = 0; round < 2; round++) for (let id = 1; id <= 12; id++) await fetch(`/products/${id}`)
      for (let i = 1; i <= 6; i++) {
        const cart = await fetch('/cart', {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ sku: i, qty: 1, email: 'planted.shopper@example.com' }),
        }).then((r) => r.json() as Promise<{ cartId: string }>)
        await fetch(`/cart/${cart.cartId}`)
        await fetch('/checkout', { method: 'POST', headers: json, body: JSON.stringify({ sku: i + 10, qty: 1 }) })
      }
    })
    await context.close()
  } finally {
    await browser.close()
  }
}

async function send(base: string, exchange: CapturedExchange): Promise<DiffResponse> {
  const { 'content-length': _l, host: _h, connection: _c, 'accept-encoding': _e, ...headers } = exchange.request.headers
  const res = await request(base + exchange.request.url, {
    method: exchange.request.method as 'GET',
    headers,
    dispatcher: agent,
    ...(exchange.request.body ? { body: decodeBody(exchange.request.body) } : {}),
  })
  const text = await res.body.text()
  const body = diffBodyOf(headerValue(res.headers, 'content-type'), text)
  return { status: res.statusCode, headers: res.headers, ...(body ? { body } : {}) }
}

// Skipped only on a machine without Chromium, never in CI (where its absence must fail).
describe.skipIf(!existsSync(CHROMIUM) && !process.env['CI'])('a browser session against the demo shop', () => {
  let recordOn: Service
  let primary: Service
  let secondary: Service
  let sameVersion: Service
  let v2: Service

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-browser-har-'))
    const payments = await start('payments/payments.js')
    const env = { PAYMENTS_URL: payments.url }
    ;[recordOn, primary, secondary, sameVersion, v2] = await Promise.all([
      start('v1/api.js', env),
      start('v1/api.js', env),
      start('v1/api.js', env),
      start('v1/api.js', env),
      start('v2/api.js', env),
    ])
  }, 120_000)

  afterAll(async () => {
    await agent.close()
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGTERM')
    await Promise.all(services.map((s) => s.exited))
    if (dir) await rm(dir, { recursive: true, force: true })
  }, 30_000)

  it('imports the HAR redacted, and the diff reports A/A clean and v2 by exactly its new field', async () => {
    const har = join(dir, 'session.har')
    await browse(recordOn.url, har)
    const capture = join(dir, 'session.jsonl.gz')
    const result = await importCapture(har, capture)
    expect(result).toMatchObject({
      format: 'har',
      creator: expect.stringMatching(/^Playwright /),
      exchanges: 45,
      withoutResponse: 0,
    })
    const exchanges: CapturedExchange[] = []
    for await (const { exchange } of readCapture(capture)) exchanges.push(exchange)
    expect(exchanges.filter((x) => x.request.method === 'POST')).toHaveLength(12)
    expect(exchanges.find((x) => x.request.url === '/cart')!.request.headers['authorization']).toMatch(
      /^Bearer redacted:authorization:[0-9a-f]{16}$/,
    )
    const raw = await readFile(har, 'utf8')
    for (const value of PLANTED) expect(raw).toContain(value)
    const bytes = gunzipSync(await readFile(capture)).toString('utf8')
    for (const value of PLANTED) expect(bytes).not.toContain(value)

    const aa: DiffObservation[] = []
    const ab: DiffObservation[] = []
    for (const exchange of exchanges) {
      // All four at once, as a replayer would, so none of them answers later than the others.
      const [p, s, c1, c2] = await Promise.all([primary, secondary, sameVersion, v2].map((t) => send(t.url, exchange)))
      const endpoint = routeKey(exchange.request.method, exchange.request.url)
      aa.push({ endpoint, requestId: exchange.id, primary: p!, secondary: s!, candidate: c1! })
      ab.push({ endpoint, requestId: exchange.id, primary: p!, secondary: s!, candidate: c2! })
    }
    const config = { minRequests: 6, headers: ['content-type'] }
    const same = diffResponses(aa, config)
    expect(same.findings).toEqual([])
    expect(same.gate.status).toBe('pass')
    expect(same.endpoints.filter((e) => e.judged).map((e) => e.endpoint)).toEqual([
      'GET /cart/:id',
      'GET /products/:id',
      'POST /cart',
      'POST /checkout',
    ])
    const changed = diffResponses(ab, config)
    expect(changed.findings.map((f) => [f.endpoint, f.kind, f.path])).toEqual([
      ['GET /products/:id', 'body', 'recommendations[]'],
    ])
    expect(changed.findings[0]).toMatchObject({ requests: 24, candidateDiffs: 24, noiseDiffs: 0 })
    expect(changed.gate.status).toBe('fail')
  }, 120_000)
})
