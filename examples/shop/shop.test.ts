/**
 * The demo shop as a rehearsal meets it: payments, API v1 and API v2 as real processes on free
 * ports. Checks every route of both versions, then the two regressions v2 carries — checkouts
 * that fail when they overlap, and a slow tail on product pages — by behaviour and by counts,
 * never by asserting how long something took.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const shopDir = path.dirname(fileURLToPath(import.meta.url))
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

type Service = { name: string; url: string; child: ChildProcess; stderr: string[]; exited: Promise<number | null> }

/** Every process a test started, registered at spawn so that afterAll stops it even if it never got ready. */
const services: Service[] = []

/** Starts `node <script>` with PORT=0 and resolves with its URL once it prints "listening on …". */
function startService(name: string, script: string, cwd: string, env: Record<string, string> = {}): Promise<Service> {
  const { NODE_OPTIONS: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const service: Service = {
    name,
    url: '',
    child,
    stderr: [],
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  }
  services.push(service)
  return new Promise((resolve, reject) => {
    let stdout = ''
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGTERM')
      reject(error)
    }
    const timer = setTimeout(
      () => fail(new Error(`${name} did not start within 45 s: ${stdout}${service.stderr.join('')}`)),
      45_000,
    )
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => service.stderr.push(chunk))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match?.[1] && service.url === '') {
        clearTimeout(timer)
        service.url = match[1]
        resolve(service)
      }
    })
    child.once('error', fail)
    child.once('exit', (code) =>
      fail(new Error(`${name} exited with ${code} before listening: ${stdout}${service.stderr.join('')}`)),
    )
  })
}

/** SIGTERM, then SIGKILL if it has not exited after 10 s; resolves with the exit code. */
async function stopService(service: Service): Promise<number | null> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM')
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000)
  try {
    return await service.exited
  } finally {
    clearTimeout(timer)
  }
}

const agent = new Agent({ connections: 300 })

type Answer = { status: number; body: Record<string, unknown> }

async function call(base: string, method: string, path: string, json?: unknown, raw?: string): Promise<Answer> {
  const payload = raw ?? (json === undefined ? undefined : JSON.stringify(json))
  const res = await request(base + path, {
    method: method as 'GET',
    dispatcher: agent,
    ...(payload === undefined ? {} : { body: payload, headers: { 'content-type': 'application/json' } }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text === '' ? {} : JSON.parse(text) }
}

/** A response body without the fields that differ on every call. */
function withoutNoise(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _r, servedAt: _s, ...rest } = body
  return rest
}

let payments: Service
let v1: Service
let v2: Service

beforeAll(async () => {
  payments = await startService('payments', 'payments/payments.js', shopDir)
  const env = { PAYMENTS_URL: payments.url }
  ;[v1, v2] = await Promise.all([
    startService('api v1', 'api.js', path.join(shopDir, 'v1'), env),
    startService('api v2', 'api.js', path.join(shopDir, 'v2'), env),
  ])
})

afterAll(async () => {
  await Promise.all(services.map(stopService))
  await agent.close()
})

describe('payments', () => {
  it('charges, validates and declines', async () => {
    expect((await call(payments.url, 'GET', '/healthz')).status).toBe(200)
    const charge = await call(payments.url, 'POST', '/charges', { amount: 1299, currency: 'EUR', token: 'tok_visa' })
    expect(charge.status).toBe(201)
    expect(charge.body).toMatchObject({ status: 'succeeded', amount: 1299, currency: 'EUR' })
    expect(charge.body['id']).toMatch(/^ch_/)
    expect((await call(payments.url, 'POST', '/charges', { amount: -1, currency: 'EUR', token: 't' })).status).toBe(400)
    expect((await call(payments.url, 'POST', '/charges', { amount: 1, currency: 'euro', token: 't' })).status).toBe(400)
    expect((await call(payments.url, 'POST', '/charges', { amount: 1, currency: 'EUR' })).status).toBe(400)
    const declined = await call(payments.url, 'POST', '/charges', { amount: 1, currency: 'EUR', token: 'tok_declined' })
    expect(declined.status).toBe(402)
  })
})

describe.each(['v1', 'v2'] as const)('api %s', (version) => {
  const api = () => (version === 'v1' ? v1 : v2)

  it('answers /healthz with its version and the noise fields', async () => {
    const health = await call(api().url, 'GET', '/healthz')
    expect(health.status).toBe(200)
    expect(health.body).toMatchObject({ status: 'ok', version })
    expect(health.body['requestId']).toMatch(UUID)
    expect(Number.isNaN(Date.parse(String(health.body['servedAt'])))).toBe(false)
  })

  it('lists products 20 a page, with tags in varying order', async () => {
    const first = await call(api().url, 'GET', '/products')
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ page: 1, pageSize: 20, total: 50, pages: 3 })
    expect(first.body['items']).toHaveLength(20)
    expect((await call(api().url, 'GET', '/products?page=3')).body['items']).toHaveLength(10)
    expect((await call(api().url, 'GET', '/products?page=4')).body['items']).toHaveLength(0)
    expect((await call(api().url, 'GET', '/products?page=0')).status).toBe(400)
    expect((await call(api().url, 'GET', '/products?page=two')).status).toBe(400)

    // The same tags, not always in the same order: the noise a response diff must ignore.
    type Item = { id: number; tags: string[] }
    const orders = new Set<string>()
    for (let i = 0; i < 30; i++) {
      const items = (await call(api().url, 'GET', '/products?page=1')).body['items'] as Item[]
      const multi = items.filter((item) => item.tags.length > 1)
      for (const item of multi) orders.add(`${item.id}:${item.tags.join(',')}`)
      expect(items.map((item) => [...item.tags].sort())).toEqual(
        (first.body['items'] as Item[]).map((item) => [...item.tags].sort()),
      )
    }
    const distinctIds = new Set([...orders].map((o) => o.split(':')[0]))
    expect(orders.size).toBeGreaterThan(distinctIds.size)
  })

  it('shows one product by id or SKU, 404 otherwise', async () => {
    const product = await call(api().url, 'GET', '/products/7')
    expect(product.status).toBe(200)
    expect(product.body).toMatchObject({ id: 7, sku: 'SKU-0007', currency: 'EUR', inStock: true })
    expect((await call(api().url, 'GET', '/products/SKU-0007')).body['id']).toBe(7)
    expect((await call(api().url, 'GET', '/products/51')).status).toBe(404)
    expect((await call(api().url, 'GET', '/products/abc')).status).toBe(404)
  })

  it('creates, extends and shows carts', async () => {
    const created = await call(api().url, 'POST', '/cart', { sku: '7', qty: 2 })
    expect(created.status).toBe(201)
    const cartId = created.body['cartId'] as string
    expect(cartId).toMatch(/^cart_/)
    expect(created.body['items']).toEqual([expect.objectContaining({ productId: 7, sku: 'SKU-0007', qty: 2 })])

    const extended = await call(api().url, 'POST', '/cart', { cartId, sku: 'SKU-0008', qty: 1 })
    expect(extended.status).toBe(200)
    expect(extended.body['items']).toHaveLength(2)

    const shown = await call(api().url, 'GET', `/cart/${cartId}`)
    expect(shown.status).toBe(200)
    expect(withoutNoise(shown.body)).toEqual(withoutNoise(extended.body))

    expect((await call(api().url, 'GET', '/cart/cart_nope')).status).toBe(404)
    expect((await call(api().url, 'POST', '/cart', { cartId: 'cart_nope', sku: 1 })).status).toBe(404)
    expect((await call(api().url, 'POST', '/cart', { sku: 1, qty: 0 })).status).toBe(400)
    expect((await call(api().url, 'POST', '/cart', { qty: 1 })).status).toBe(400)
    expect((await call(api().url, 'POST', '/cart', { sku: 99 })).status).toBe(404)
    expect((await call(api().url, 'POST', '/cart', undefined, '{not json')).status).toBe(400)
  })

  it('checks out a cart or a single SKU through payments', async () => {
    const price = (await call(api().url, 'GET', '/products/3')).body['price'] as number
    const single = await call(api().url, 'POST', '/checkout', { sku: '3', qty: 2 })
    expect(single.status).toBe(201)
    expect(single.body).toMatchObject({ total: 2 * price, currency: 'EUR' })
    expect(single.body['orderId']).toMatch(/^ord_/)
    expect(single.body['paymentId']).toMatch(/^ch_/)
    expect(Number.isNaN(Date.parse(String(single.body['createdAt'])))).toBe(false)

    const cart = await call(api().url, 'POST', '/cart', { sku: 12, qty: 1 })
    const cartId = cart.body['cartId'] as string
    const order = await call(api().url, 'POST', '/checkout', { cartId })
    expect(order.status).toBe(201)
    expect(order.body['total']).toBe(cart.body['total'])
    expect((await call(api().url, 'GET', `/cart/${cartId}`)).status).toBe(404)

    expect((await call(api().url, 'POST', '/checkout', { cartId: 'cart_nope' })).status).toBe(404)
    expect((await call(api().url, 'POST', '/checkout', { sku: 3, qty: 9_999 })).status).toBe(409)
    expect((await call(api().url, 'POST', '/checkout', { sku: 3, token: 'tok_declined' })).status).toBe(402)
    expect((await call(api().url, 'POST', '/checkout', {})).status).toBe(400)
  })

  it('answers unknown routes 404 and wrong methods 405', async () => {
    expect((await call(api().url, 'GET', '/nope')).status).toBe(404)
    expect((await call(api().url, 'DELETE', '/products')).status).toBe(405)
  })
})

describe('what v2 changed', () => {
  it('adds recommendations to product pages and keeps everything else', async () => {
    const [a, b] = await Promise.all([call(v1.url, 'GET', '/products/7'), call(v2.url, 'GET', '/products/7')])
    const { recommendations, ...rest } = withoutNoise(b.body)
    expect(recommendations).toHaveLength(4)
    expect(withoutNoise(a.body)).toEqual(rest)
  })

  it('succeeds at sequential checkouts of one SKU', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await call(v2.url, 'POST', '/checkout', { sku: 1, qty: 1 })).status).toBe(201)
    }
  })

  it('fails some overlapping checkouts where v1 fails none', async () => {
    const fire = (base: string) =>
      Promise.all(Array.from({ length: 300 }, (_, i) => call(base, 'POST', '/checkout', { sku: (i % 5) + 1, qty: 1 })))
    const [baseline, candidate] = [await fire(v1.url), await fire(v2.url)]
    const failed = (answers: Answer[]) => answers.filter((a) => a.status !== 201)

    expect(failed(baseline)).toEqual([])
    const v2Failures = failed(candidate)
    expect(v2Failures.length).toBeGreaterThan(0)
    // Every failure is the race, answered as a server error, and logged as one line each.
    for (const answer of v2Failures) expect(answer).toMatchObject({ status: 500, body: { error: 'internal' } })
    expect(v2.stderr.join('')).toMatch(/changed while the order was in flight/)
    console.log(`300 concurrent checkouts: v1 ${failed(baseline).length} failed, v2 ${v2Failures.length} failed`)
  })

  it('answers more product pages slowly than v1 does', async () => {
    // v2 fills its recommendations cache in the background after start-up; asking for every
    // product once makes sure it is full (joining or finishing what is left), so what is slow below
    // is the 5% of page views that refresh in the request path.
    for (let id = 1; id <= 50; id++) expect((await call(v2.url, 'GET', `/products/${id}`)).status).toBe(200)

    // Requests alternate between v1 and v2 so that whatever else the machine is doing slows both
    // sides alike; only counts are compared, never a duration.
    const thresholdMs = 25
    const slow = { v1: 0, v2: 0 }
    for (let i = 0; i < 600; i++) {
      for (const [name, service] of [
        ['v1', v1],
        ['v2', v2],
      ] as const) {
        const started = performance.now()
        const answer = await call(service.url, 'GET', `/products/${(i % 50) + 1}`)
        if (performance.now() - started > thresholdMs) slow[name]++
        expect(answer.status).toBe(200)
      }
    }
    console.log(`product pages above ${thresholdMs} ms of 600: v1 ${slow.v1}, v2 ${slow.v2}`)
    // v2 refreshes ~5% of 600 (≈30) at ~50 ms each; machine hiccups hit both sides alike.
    expect(slow.v2 - slow.v1).toBeGreaterThanOrEqual(8)
  }, 120_000)
})

describe('payments outage', () => {
  it('answers checkout 502 and logs one line when payments cannot be reached', async () => {
    // A port that was free a moment ago and has nothing listening on it now.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const { port } = probe.address() as AddressInfo
    await new Promise((resolve) => probe.close(resolve))

    const api = await startService('api v1 (no payments)', 'api.js', path.join(shopDir, 'v1'), {
      PAYMENTS_URL: `http://127.0.0.1:${port}`,
    })
    const answer = await call(api.url, 'POST', '/checkout', { sku: 2 })
    expect(answer).toMatchObject({ status: 502, body: { error: 'payments_unavailable' } })
    // Browsing does not need payments.
    expect((await call(api.url, 'GET', '/products/2')).status).toBe(200)
    expect(await stopService(api)).toBe(0)
    expect(api.stderr.join('').trim().split('\n')).toHaveLength(1)
  })
})

describe('lifecycle', () => {
  it('every service exits 0 on SIGTERM', async () => {
    const codes = await Promise.all([payments, v1, v2].map(stopService))
    expect(codes).toEqual([0, 0, 0])
  })
})
