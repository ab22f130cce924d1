// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
/**
 * Shadowing in front of the demo shop (real processes): a stream heavy in POSTs goes through a
 * mirroring proxy; the shop's own count of its writes (GET /stats) proves that no mirrored write
 * reached the shadow, while a sandbox shadow — the positive control — got every one. Then the
 * mirrored answers of GET traffic feed the three-way diff: v1 shadowing v1 differs in nothing,
 * v2 in exactly the field it added.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createResponseDiff, type DiffResponse, diffBodyOf } from '../../analysis/response-diff.ts'
import type { Sample } from '../../core/types.ts'
import { runLoad } from '../load/run-load.ts'
import type { ObservedResponse } from '../replay/observed-response.ts'
import { type ShopProcess, shopWrites, startShop } from '../replay/shop-fixture.ts'
import { compileScenario } from '../template/request-template.ts'
import { startProxy } from './start-proxy.ts'
import { CollectingSink } from './test-support.ts'

let shop: Awaited<ReturnType<typeof startShop>>
let primary: ShopProcess
let shadow: ShopProcess
let sandbox: ShopProcess
let secondary: ShopProcess
let candidate: ShopProcess

beforeAll(async () => {
  shop = await startShop(['v1', 'v1', 'v1', 'v1', 'v2'])
  ;[primary, shadow, sandbox, secondary, candidate] = shop.apis as [
    ShopProcess,
    ShopProcess,
    ShopProcess,
    ShopProcess,
    ShopProcess,
  ]
}, 120_000)
afterAll(async () => {
  await shop?.stop()
}, 30_000)

function load(url: string, scenario: Parameters<typeof compileScenario>[0], seconds: number, rate: number) {
  return runLoad(
    {
      targets: [{ name: 'client', url }],
      scenario: compileScenario(scenario, { baseDir: '.', path: 'traffic.scenario' }),
      phases: [{ name: 'steady', durationMs: seconds * 1000, rate, arrivals: 'poisson' }],
      connections: 16,
      timeoutMs: 10_000,
      maxInFlight: 1000,
      seed: 7,
    },
    { sink: { record() {} }, signal: AbortSignal.timeout(60_000) },
  )
}

function asDiff(response: ObservedResponse): DiffResponse {
  const body =
    response.text === undefined ? undefined : diffBodyOf(String(response.headers['content-type']), response.text)
  return { status: response.status, headers: response.headers, ...(body ? { body } : {}) }
}

describe('shadowing the demo shop', () => {
  it('makes zero writes on the shadow under a stream heavy in POSTs; the sandbox gets them all', async () => {
    const sink = new CollectingSink()
    const proxy = await startProxy({
      targets: { primary: primary.url },
      sink,
      mirror: { targets: { shadow: shadow.url, sandbox: { url: sandbox.url, sandbox: true } }, maxQueue: 10_000 },
    })
    try {
      const result = await load(
        proxy.url,
        [
          { weight: 4, request: 'POST /cart', json: { sku: '${rand.int(1,50)}', qty: 1 } },
          { weight: 3, request: 'POST /checkout', json: { sku: '${rand.int(1,50)}', qty: 1 } },
          { weight: 2, request: 'GET /products/${rand.int(1,50)}' },
          { weight: 1, request: 'GET /products?page=${rand.int(1,3)}' },
        ],
        4,
        60,
      )
      expect(result.targets[0]!.errors).toBe(0)
      // Every copy has been answered before the shop is asked what it wrote.
      await expect
        .poll(() => Object.values(proxy.mirroring()!.targets).every((t) => t.pending === 0), { timeout: 30_000 })
        .toBe(true)
      const stats = proxy.mirroring()!.targets
      const posts = stats['shadow']!.skippedUnsafe
      expect(posts).toBeGreaterThan(result.arrivals / 2)
      expect(stats['shadow']!.mirrored).toBe(result.arrivals - posts)
      expect(stats['sandbox']).toMatchObject({ mirrored: result.arrivals, dropped: 0, skippedUnsafe: 0 })

      const onPrimary = await shopWrites(primary.url)
      expect(onPrimary.cartsCreated + onPrimary.orders).toBe(posts)
      expect(await shopWrites(shadow.url)).toEqual({ cartsCreated: 0, cartsUpdated: 0, orders: 0 })
      const onSandbox = await shopWrites(sandbox.url)
      expect(onSandbox.cartsCreated).toBe(onPrimary.cartsCreated)
      expect(onSandbox.orders).toBe(onPrimary.orders)
      const shadowSamples = sink.samples.filter((s: Sample) => s.target === 'shadow')
      expect(shadowSamples).toHaveLength(stats['shadow']!.mirrored)
      expect(new Set(shadowSamples.map((s) => s.route.split(' ')[0]))).toEqual(new Set(['GET']))
    } finally {
      await proxy.close()
    }
  }, 120_000)

  it('feeds the three-way diff: nothing between two v1, exactly `recommendations` for v2', async () => {
    const aa = createResponseDiff({ minRequests: 10 })
    const ab = createResponseDiff({ minRequests: 10 })
    const proxy = await startProxy({
      targets: { primary: primary.url },
      sink: new CollectingSink(),
      mirror: {
        targets: { secondary: secondary.url, same: shadow.url, candidate: candidate.url },
        maxQueue: 10_000,
        onResponses: (o) => {
          const p = asDiff(o.primary)
          const s = asDiff(o.shadows['secondary']!)
          aa.add({ endpoint: o.route, primary: p, secondary: s, candidate: asDiff(o.shadows['same']!) })
          ab.add({ endpoint: o.route, primary: p, secondary: s, candidate: asDiff(o.shadows['candidate']!) })
        },
      },
    })
    try {
      await load(
        proxy.url,
        [
          { weight: 2, request: 'GET /products/${rand.int(1,50)}' },
          { weight: 1, request: 'GET /products?page=${rand.int(1,3)}' },
        ],
        3,
        40,
      )
      await expect
        .poll(() => Object.values(proxy.mirroring()!.targets).every((t) => t.pending === 0), { timeout: 30_000 })
        .toBe(true)
    } finally {
      await proxy.close()
    }
    const same = aa.result()
    expect(same.findings).toEqual([])
    expect(same.gate.status).toBe('pass')
    const changed = ab.result()
    expect(changed.findings.map((f) => [f.endpoint, f.kind, f.path])).toEqual([
      ['GET /products/:id', 'body', 'recommendations[]'],
    ])
    expect(changed.gate.status).toBe('fail')
  }, 120_000)
})
