import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { Pool, request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyOptions } from './proxy.ts'
import { createRouteKeyer, normalisePath } from './route-key.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, startUpstream } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An upstream with a few behaviours picked by path. */
function behaviours(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://upstream')
  const [, kind, arg] = url.pathname.split('/')
  if (kind === 'echo') {
    // Streams the request body back, as it arrives.
    res.writeHead(200, { 'content-type': 'application/octet-stream' })
    req.pipe(res)
    return
  }
  req.resume()
  req.on('end', () => {
    if (kind === 'status') {
      res.writeHead(Number(arg), { 'content-type': 'text/plain' })
      res.end('status body')
    } else if (kind === 'bytes') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.alloc(Number(arg), 120))
    } else if (kind === 'slow') {
      setTimeout(() => res.end('slow'), Number(arg))
    } else if (kind === 'headers') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ headers: req.headers, raw: req.rawHeaders }))
    } else if (kind === 'hop') {
      res.writeHead(
        200,
        [
          ['Connection', 'keep-alive, X-Hop'],
          ['X-Hop', 'secret'],
          ['Proxy-Authenticate', 'Basic'],
          ['Set-Cookie', 'a=1'],
          ['Set-Cookie', 'b=2'],
          ['X-End-To-End', 'yes'],
        ].flat(),
      )
      res.end('hop')
    } else if (kind === 'empty') {
      res.writeHead(204)
      res.end()
    } else {
      res.end('ok')
    }
  })
}

async function setup(options: Partial<ProxyOptions> = {}) {
  const upstream = await startUpstream('baseline', behaviours)
  cleanups.push(() => upstream.close())
  const sink = new CollectingSink()
  const proxy = await startProxy({ targets: { baseline: upstream.url }, sink, ...options })
  cleanups.push(() => proxy.close())
  const client = new Pool(proxy.url, { connections: 4 })
  cleanups.push(() => client.close())
  return { upstream, sink, proxy, client }
}

describe('measurement', () => {
  it('records one sample per request with target, route, status and body bytes', async () => {
    const { client, sink } = await setup()
    const cases = [
      { path: '/status/201', status: 201, bytes: 11, route: 'GET /status/:id' },
      { path: '/status/404', status: 404, bytes: 11, route: 'GET /status/:id' },
      { path: '/status/503?retry=1', status: 503, bytes: 11, route: 'GET /status/:id' },
      { path: '/bytes/100000', status: 200, bytes: 100_000, route: 'GET /bytes/:id' },
      { path: '/empty', status: 204, bytes: 0, route: 'GET /empty' },
      { path: '/plain', status: 200, bytes: 2, route: 'GET /plain' },
    ]
    const before = Date.now()
    for (const c of cases) {
      const response = await client.request({ path: c.path, method: 'GET' })
      const body = Buffer.from(await response.body.arrayBuffer())
      expect(response.statusCode).toBe(c.status)
      expect(body.length).toBe(c.bytes)
    }
    const samples = await sink.waitFor(cases.length)
    expect(samples.map(({ target, route, status, bytes, cause }) => ({ target, route, status, bytes, cause }))).toEqual(
      cases.map(({ route, status, bytes }) => ({ target: 'baseline', route, status, bytes, cause: undefined })),
    )
    for (const sample of samples) {
      expect(sample.latencyUs).toBeGreaterThan(0)
      expect(sample.serviceTimeUs).toBeGreaterThan(0)
      expect(sample.serviceTimeUs).toBeLessThanOrEqual(sample.latencyUs)
      expect(sample.at).toBeGreaterThanOrEqual(before - 1)
      expect(sample.at).toBeLessThanOrEqual(Date.now())
    }
  })

  it('measures latency from arrival to the end of the response (it includes the upstream time)', async () => {
    const { client, sink } = await setup()
    const response = await client.request({ path: '/slow/150', method: 'GET' })
    await response.body.text()
    const [sample] = await sink.waitFor(1)
    // A lower bound only: the proxy cannot answer before its upstream did.
    expect(sample!.latencyUs).toBeGreaterThanOrEqual(148_000)
  })

  it('counts request-streamed bodies both ways (POST echo)', async () => {
    const { client, sink } = await setup()
    const payload = Buffer.alloc(300_000, 7)
    const response = await client.request({ path: '/echo', method: 'POST', body: payload })
    const echoed = Buffer.from(await response.body.arrayBuffer())
    expect(echoed.equals(payload)).toBe(true)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ route: 'POST /echo', status: 200, bytes: 300_000 })
  })

  it('uses the route table when one is given, and normalises the rest', async () => {
    const { client, sink } = await setup({ routes: ['GET /products/:id', '/cart/*', 'GET /files/**'] })
    for (const path of ['/products/abc', '/cart/42', '/files/a/b/c.txt', '/users/1234/orders']) {
      const response = await client.request({ path, method: path === '/cart/42' ? 'PUT' : 'GET' })
      await response.body.text()
    }
    const samples = await sink.waitFor(4)
    expect(samples.map((s) => s.route)).toEqual([
      'GET /products/:id',
      'PUT /cart/*',
      'GET /files/**',
      'GET /users/:id/orders',
    ])
  })
  it('keeps serving when the sink throws (the sample is lost, not the request)', async () => {
    const upstream = await startUpstream('baseline', behaviours)
    cleanups.push(() => upstream.close())
    let calls = 0
    const proxy = await startProxy({
      targets: { baseline: upstream.url },
      sink: {
        record() {
          calls++
          throw new Error('broken sink')
        },
      },
    })
    cleanups.push(() => proxy.close())
    for (let i = 0; i < 3; i++) {
      const response = await request(`${proxy.url}/plain`)
      expect(response.statusCode).toBe(200)
      expect(await response.body.text()).toBe('ok')
    }
    expect(calls).toBe(3)
  })
})

describe('headers', () => {
  it('forwards end-to-end headers and Host, drops hop-by-hop ones, adds X-Forwarded-For', async () => {
    const { proxy } = await setup()
    // node:http, not undici, as the client: undici never sends a Connection header of its own choosing.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${proxy.url}/headers`, {
        headers: {
          host: 'shop.example',
          'x-request-id': 'abc',
          'x-forwarded-for': '203.0.113.9',
          connection: 'keep-alive, x-private',
          'x-private': 'do not forward',
          te: 'trailers',
        },
      })
      req.on('response', (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve(text))
      })
      req.on('error', reject)
      req.end()
    })
    const { headers } = JSON.parse(body) as { headers: Record<string, string> }
    expect(headers['host']).toBe('shop.example')
    expect(headers['x-request-id']).toBe('abc')
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1')
    expect(headers['x-private']).toBeUndefined()
    expect(headers['te']).toBeUndefined()
  })

  it('sends an absolute-form request target upstream in origin-form', async () => {
    const { proxy } = await setup()
    const { port } = new URL(proxy.url)
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('GET http://shop.example/headers?x=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n')
      })
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        text += chunk
      })
      socket.on('end', () => resolve(text))
      socket.on('error', reject)
    })
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true)
    expect(raw).toContain('"host":"shop.example"')
  })

  it('drops hop-by-hop response headers and keeps repeated ones', async () => {
    const { client } = await setup()
    const response = await client.request({ path: '/hop', method: 'GET' })
    await response.body.text()
    expect(response.headers['x-hop']).toBeUndefined()
    expect(response.headers['proxy-authenticate']).toBeUndefined()
    expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2'])
    expect(response.headers['x-end-to-end']).toBe('yes')
  })

  it('answers HEAD with the upstream headers and no body', async () => {
    const { client, sink } = await setup()
    const response = await client.request({ path: '/bytes/5000', method: 'HEAD' })
    expect(await response.body.text()).toBe('')
    expect(response.statusCode).toBe(200)
    const [sample] = await sink.waitFor(1)
    expect(sample).toMatchObject({ route: 'HEAD /bytes/:id', status: 200, bytes: 0 })
  })
})

describe('route keys', () => {
  it.each([
    ['/products', '/products'],
    ['/products/42', '/products/:id'],
    ['/orders/550e8400-e29b-41d4-a716-446655440000/items/7', '/orders/:id/items/:id'],
    ['/blobs/5f2b9c0e1d3a4b5c6d7e8f90', '/blobs/:id'],
    ['/sessions/aB3dE5fG7hJ9kL1mN3pQ5rS', '/sessions/:id'],
    ['/v2/products', '/v2/products'],
    ['/', '/'],
  ])('normalises %s to %s', (path, key) => {
    expect(normalisePath(path)).toBe(key)
  })

  it('keeps its cache bounded while ids keep changing', () => {
    const key = createRouteKeyer()
    for (let i = 0; i < 20_000; i++) expect(key('GET', `/items/${i}`)).toBe('GET /items/:id')
  })
})
