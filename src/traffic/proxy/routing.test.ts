import { Pool } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import type { ProxyOptions } from './proxy.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink, runConcurrently, startUpstream, type TestUpstream, withinThreeSigma } from './test-support.ts'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(options: Partial<ProxyOptions> = {}) {
  const baseline = await startUpstream('baseline')
  cleanups.push(() => baseline.close())
  const candidate = await startUpstream('candidate')
  cleanups.push(() => candidate.close())
  const sink = new CollectingSink()
  const proxy = await startProxy({ targets: { baseline: baseline.url, candidate: candidate.url }, sink, ...options })
  cleanups.push(() => proxy.close())
  const client = new Pool(proxy.url, { connections: 16 })
  cleanups.push(() => client.close())
  return { baseline, candidate, sink, proxy, client }
}

/** GETs `path` and returns which upstream answered (its `x-upstream` header). */
async function which(client: Pool, path = '/', headers: Record<string, string> = {}): Promise<string> {
  const response = await client.request({ path, method: 'GET', headers })
  await response.body.text()
  expect(response.statusCode).toBe(200)
  return String(response.headers['x-upstream'])
}

describe('routing', () => {
  it('splits by weight: the observed fraction is within 3σ of the configured one', async () => {
    const { client, sink } = await setup({ routing: { weights: { baseline: 3, candidate: 1 } }, seed: 7 })
    const n = 2000
    const answers = await runConcurrently(n, 16, () => which(client))
    const toCandidate = answers.filter((a) => a === 'candidate').length
    expect(withinThreeSigma(toCandidate, n, 0.25)).toBe(true)
    // The samples agree with what the clients saw.
    await sink.waitFor(n)
    expect(sink.samples.filter((s) => s.target === 'candidate').length).toBe(toCandidate)
  })

  it('splits evenly by default, and without a seed too', async () => {
    const { client } = await setup()
    const n = 400
    const answers = await runConcurrently(n, 8, () => which(client))
    const toCandidate = answers.filter((a) => a === 'candidate').length
    // 6σ here: unseeded, this must not fail by chance, and still proves both targets get about half.
    expect(Math.abs(toCandidate - n / 2)).toBeLessThan(6 * Math.sqrt(n / 4))
  })

  it('routes by header match before weights', async () => {
    const { client } = await setup({
      routing: { weights: { baseline: 1 }, rules: [{ header: { 'X-Canary': 'yes' }, target: 'candidate' }] },
    })
    for (let i = 0; i < 20; i++) {
      expect(await which(client, '/', { 'x-canary': 'yes' })).toBe('candidate')
      expect(await which(client, '/', { 'x-canary': 'no' })).toBe('baseline')
      expect(await which(client)).toBe('baseline')
    }
  })

  it('matches header rules by glob and presence', async () => {
    const { client } = await setup({
      routing: {
        weights: { baseline: 1 },
        rules: [
          { header: { 'x-user': 'beta-*' }, target: 'candidate' },
          { header: { 'x-debug': '*' }, target: 'candidate' },
        ],
      },
    })
    expect(await which(client, '/', { 'x-user': 'beta-42' })).toBe('candidate')
    expect(await which(client, '/', { 'x-user': 'alpha-42' })).toBe('baseline')
    expect(await which(client, '/', { 'x-debug': '' })).toBe('candidate')
  })

  it('is sticky by a header hash: one user always lands on the same target', async () => {
    const { client } = await setup({
      routing: { weights: { baseline: 1, candidate: 1 }, sticky: { header: 'x-user' } },
    })
    const users = 200
    const landing = await runConcurrently(users, 8, async (u) => {
      const seen = new Set<string>()
      for (let i = 0; i < 5; i++) seen.add(await which(client, `/items/${i}`, { 'x-user': `user-${u}` }))
      expect(seen.size).toBe(1)
      return [...seen][0]
    })
    const onCandidate = landing.filter((t) => t === 'candidate').length
    expect(withinThreeSigma(onCandidate, users, 0.5)).toBe(true)
  })

  it('reuses keep-alive connections on both sides', async () => {
    const { proxy, baseline } = await setup({ routing: { weights: { baseline: 1 } } })
    let clientConnections = 0
    const client = new Pool(proxy.url, { connections: 1 })
    client.on('connect', () => clientConnections++)
    cleanups.push(() => client.close())
    for (let i = 0; i < 300; i++) expect(await which(client)).toBe('baseline')
    expect(clientConnections).toBe(1)
    expect(baseline.requests).toBe(300)
    // One upstream connection carried them all (sequential requests never need a second).
    expect(baseline.connections).toBe(1)
  })
})

describe('routing options', () => {
  let upstream: TestUpstream
  afterEach(async () => upstream?.close())

  it.each([
    [{ weights: { canary: 1 } }, 'routing.weights.canary'],
    [{ weights: { baseline: -1 } }, 'routing.weights.baseline'],
    [{ weights: { baseline: 0 } }, 'routing.weights'],
    [{ rules: [{ header: { 'x-a': 'b' }, target: 'canary' }] }, 'routing.rules[0].target'],
    [{ rules: [{ header: {}, target: 'baseline' }] }, 'routing.rules[0].header'],
  ])('rejects %j at %s', async (routing, path) => {
    upstream = await startUpstream('baseline')
    await expect(
      startProxy({ targets: { baseline: upstream.url }, sink: new CollectingSink(), routing }),
    ).rejects.toMatchObject({
      code: 'TRAFFIC_PROXY_INVALID_OPTIONS',
      location: { path },
    })
  })
})
