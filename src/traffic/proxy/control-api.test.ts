import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyHandle } from './proxy.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, exchange, startUpstream } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(): Promise<ProxyHandle> {
  const baseline = await startUpstream('baseline')
  cleanups.push(() => baseline.close())
  const candidate = await startUpstream('candidate')
  cleanups.push(() => candidate.close())
  const proxy = await startProxy({
    targets: { baseline: baseline.url, candidate: candidate.url },
    routing: { weights: { baseline: 1 } },
    sink: new CollectingSink(),
  })
  cleanups.push(() => proxy.close())
  return proxy
}

/** Calls the control API; returns the status, content type and parsed JSON body (or text). */
async function call(proxy: ProxyHandle, method: string, path: string, body?: unknown, raw?: string) {
  const response = await request(`${proxy.controlUrl}${path}`, {
    method: method as 'GET',
    ...(body !== undefined || raw !== undefined
      ? { body: raw ?? JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  })
  const text = await response.body.text()
  const type = String(response.headers['content-type'] ?? '')
  return { status: response.statusCode, type, body: type.includes('json') && text ? JSON.parse(text) : text }
}

describe('control API', () => {
  it('adds, lists, gets and removes fault rules, and they take effect at once', async () => {
    const proxy = await setup()
    expect(await call(proxy, 'GET', '/faults')).toMatchObject({ status: 200, body: [] })

    const added = await call(proxy, 'POST', '/faults', { name: 'outage', abort: 503, probability: '100%' })
    expect(added).toMatchObject({ status: 201, body: { name: 'outage', kind: 'abort', abort: 503, probability: 1 } })
    expect((await exchange(`${proxy.url}/`)).status).toBe(503)

    const listed = await call(proxy, 'GET', '/faults')
    expect(listed.body).toEqual([
      expect.objectContaining({ name: 'outage', stats: { matched: 1, injected: 1, active: 0 } }),
    ])
    expect(await call(proxy, 'GET', '/faults/outage')).toMatchObject({ status: 200, body: { name: 'outage' } })
    expect(proxy.listFaults().map((r) => r.name)).toEqual(['outage'])

    expect((await call(proxy, 'DELETE', '/faults/outage')).status).toBe(204)
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    expect(proxy.listFaults()).toEqual([])
  })

  it('replaces the set with PUT and empties it with DELETE /faults and POST /reset', async () => {
    const proxy = await setup()
    const put = await call(proxy, 'PUT', '/faults', [{ abort: 500 }, { delay: '10ms', target: 'candidate' }])
    expect(put.status).toBe(200)
    expect(put.body.map((r: { kind: string }) => r.kind)).toEqual(['abort', 'delay'])
    expect((await exchange(`${proxy.url}/`)).status).toBe(500)
    expect((await call(proxy, 'DELETE', '/faults')).status).toBe(204)
    expect(proxy.listFaults()).toEqual([])
    proxy.addFault({ reset: true })
    expect((await call(proxy, 'POST', '/reset')).status).toBe(204)
    expect(proxy.listFaults()).toEqual([])
  })

  it('answers invalid rules with 400 problem+json carrying the code and the path', async () => {
    const proxy = await setup()
    const bad = await call(proxy, 'POST', '/faults', { delay: '300ms', abort: 503 })
    expect(bad.status).toBe(400)
    expect(bad.type).toContain('application/problem+json')
    expect(bad.body).toMatchObject({ status: 400, code: 'TRAFFIC_FAULT_INVALID', path: 'abort' })
    expect(bad.body.issues).toEqual([expect.objectContaining({ path: 'abort' })])

    const nested = await call(proxy, 'PUT', '/faults', [{ abort: 503 }, { delay: '1s', match: { method: 'GET /' } }])
    expect(nested.body).toMatchObject({ code: 'TRAFFIC_FAULT_INVALID', path: '[1].match.method' })
    expect(proxy.listFaults()).toEqual([])

    const target = await call(proxy, 'POST', '/faults', { abort: 503, target: 'canary' })
    expect(target.body).toMatchObject({ status: 400, code: 'TRAFFIC_FAULT_INVALID', path: 'target' })

    expect((await call(proxy, 'POST', '/faults', undefined, '{not json')).body).toMatchObject({
      code: 'TRAFFIC_FAULT_INVALID',
    })
    expect((await call(proxy, 'PUT', '/faults', { abort: 503 })).status).toBe(400)
  })

  it('answers 409 for a duplicate name and 404 for an unknown one', async () => {
    const proxy = await setup()
    await call(proxy, 'POST', '/faults', { name: 'slow', delay: '1s' })
    expect(await call(proxy, 'POST', '/faults', { name: 'slow', abort: 500 })).toMatchObject({
      status: 409,
      body: { code: 'TRAFFIC_FAULT_EXISTS', path: 'name' },
    })
    expect(await call(proxy, 'DELETE', '/faults/nope')).toMatchObject({
      status: 404,
      body: { code: 'TRAFFIC_FAULT_NOT_FOUND' },
    })
    expect((await call(proxy, 'GET', '/faults/nope')).status).toBe(404)
    expect((await call(proxy, 'GET', '/nothing-here')).status).toBe(404)
  })

  it('serves the targets and Prometheus metrics of the proxy itself', async () => {
    const proxy = await setup()
    proxy.addFault({ name: 'teapot', abort: 418, match: { path: '/tea' } })
    expect((await exchange(`${proxy.url}/`)).status).toBe(200)
    expect((await exchange(`${proxy.url}/tea`)).status).toBe(418)
    expect((await call(proxy, 'GET', '/targets')).body).toEqual({
      baseline: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      candidate: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    })
    const metrics = await call(proxy, 'GET', '/metrics')
    expect(metrics.status).toBe(200)
    expect(metrics.type).toContain('text/plain')
    const text = String(metrics.body)
    expect(text).toContain('rehearse_proxy_responses_total{target="baseline",status="2xx"} 1')
    expect(text).toContain('rehearse_proxy_responses_total{target="baseline",status="4xx"} 1')
    expect(text).toContain('rehearse_proxy_failures_total{target="baseline",cause="fault-injected"} 1')
    expect(text).toContain('rehearse_proxy_fault_injections_total{rule="teapot",kind="abort"} 1')
    expect(text).toContain('rehearse_proxy_requests_in_flight 0')
    expect(text).toMatch(/rehearse_proxy_upstream_connections\{target="baseline",state="free"\} 1/)
    expect(await proxy.metrics()).toContain('rehearse_proxy_response_bytes_total{target="baseline"} ')
  })
})
