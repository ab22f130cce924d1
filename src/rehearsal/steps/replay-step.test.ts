// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
/**
 * Record → replay → three-way diff on the demo shop (real processes): live traffic goes through a
 * recording proxy in front of v1 (with a planted credential and e-mail address, which must not
 * reach the capture or any log); the capture is replayed at a rate to v1 (primary), a second v1
 * and a candidate, all at once. v1 against v1 differs in nothing although every answer carries a
 * fresh request id, a timestamp and shuffled tags; v2 differs in exactly the field it added.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sample } from '../../core/types.ts'
import { runLoad } from '../../traffic/load/run-load.ts'
import { startProxy } from '../../traffic/proxy/start-proxy.ts'
import { type ShopProcess, startShop } from '../../traffic/replay/shop-fixture.ts'
import { compileScenario } from '../../traffic/template/request-template.ts'
import { planInstances } from '../plan-environment.ts'
import { rehearsalSpecSchema } from '../rehearsal-spec.ts'
import { replayWithDiff, secondaryInstance } from './replay-step.ts'

const PLANTED = ['PLANTEDREPLAYTOKEN9876', 'planted.replayer@example.com']

let dir: string
let shop: Awaited<ReturnType<typeof startShop>>
let recordOn: ShopProcess
let primary: ShopProcess
let secondary: ShopProcess
let sameVersion: ShopProcess
let v2: ShopProcess
const logLines: string[] = []
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'))
      callback()
    },
  }),
)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-replay-demo-'))
  shop = await startShop(['v1', 'v1', 'v1', 'v1', 'v2'])
  ;[recordOn, primary, secondary, sameVersion, v2] = shop.apis as [
    ShopProcess,
    ShopProcess,
    ShopProcess,
    ShopProcess,
    ShopProcess,
  ]
}, 120_000)
afterAll(async () => {
  await shop?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
}, 30_000)

/** Live traffic through a recording proxy in front of v1. */
async function record(path: string): Promise<number> {
  const proxy = await startProxy({
    targets: { production: recordOn.url },
    sink: { record() {} },
    logger,
    record: { path },
  })
  try {
    const auth = { authorization: `Bearer ${PLANTED[0]}` }
    const result = await runLoad(
      {
        targets: [{ name: 'users', url: proxy.url }],
        scenario: compileScenario(
          [
            { weight: 3, request: 'GET /products?page=${rand.int(1,3)}', headers: auth },
            { weight: 5, request: 'GET /products/${rand.int(1,50)}', headers: auth },
            {
              weight: 2,
              request: 'POST /cart',
              headers: auth,
              json: { sku: '${rand.int(1,50)}', qty: 1, email: PLANTED[1] },
            },
            { weight: 1, request: 'POST /checkout', headers: auth, json: { sku: '${rand.int(1,50)}', qty: 1 } },
          ],
          { baseDir: '.', path: 'traffic.scenario' },
        ),
        phases: [{ name: 'users', durationMs: 4000, rate: 40, arrivals: 'poisson' }],
        connections: 8,
        timeoutMs: 10_000,
        maxInFlight: 100,
        seed: 3,
      },
      { sink: { record() {} }, signal: AbortSignal.timeout(60_000) },
    )
    return result.arrivals
  } finally {
    await proxy.close()
  }
}

describe('replaying recorded demo traffic into the three-way diff', () => {
  let capture: string
  let recorded: number

  beforeAll(async () => {
    capture = join(dir, 'live.jsonl.gz')
    recorded = await record(capture)
  }, 60_000)

  it('records nothing personal, and reports nothing when the candidate is the baseline', async () => {
    const { gunzipSync } = await import('node:zlib')
    const text = gunzipSync(await readFile(capture)).toString('utf8')
    expect(text.trim().split('\n')).toHaveLength(recorded)
    for (const value of PLANTED) expect(text).not.toContain(value)

    const samples: Sample[] = []
    const { replay, diff } = await replayWithDiff(capture, {
      targets: [
        { name: 'baseline', url: primary.url },
        { name: 'secondary', url: secondary.url },
        { name: 'candidate', url: sameVersion.url },
      ],
      timing: { rate: 100 },
      sink: { record: (s) => samples.push(s) },
      diff: { minRequests: 10 },
      signal: AbortSignal.timeout(60_000),
      logger,
    })
    expect(replay).toMatchObject({ exchanges: recorded, replayed: recorded, dropped: 0, requestedRate: 100 })
    expect(replay.targets.every((t) => t.errors === 0)).toBe(true)
    expect(samples).toHaveLength(3 * recorded)
    expect(diff!.findings).toEqual([])
    expect(diff!.gate.status).toBe('pass')
    expect(diff!.endpoints.filter((e) => e.judged).map((e) => e.endpoint)).toEqual(
      expect.arrayContaining(['GET /products', 'GET /products/:id', 'POST /cart']),
    )
    for (const line of logLines) for (const value of PLANTED) expect(line).not.toContain(value)
  }, 120_000)

  it('reports exactly the field v2 added, on exactly its endpoint', async () => {
    const { diff } = await replayWithDiff(capture, {
      targets: [
        { name: 'baseline', url: primary.url },
        { name: 'secondary', url: secondary.url },
        { name: 'candidate', url: v2.url },
      ],
      timing: { rate: 100 },
      sink: { record() {} },
      diff: { minRequests: 10 },
      signal: AbortSignal.timeout(60_000),
    })
    expect(diff!.findings.map((f) => [f.endpoint, f.kind, f.path])).toEqual([
      ['GET /products/:id', 'body', 'recommendations[]'],
    ])
    expect(diff!.findings[0]!.noiseDiffs).toBe(0)
    expect(diff!.gate.status).toBe('fail')
  }, 120_000)
})

describe('the second baseline of the three-way diff', () => {
  const base = {
    name: 'shop',
    services: {
      payments: { command: 'node payments.js' },
      api: { command: 'node api.js', dependsOn: ['payments'] },
    },
    versions: { baseline: { services: { api: { cwd: 'v1' } } }, candidate: { services: { api: { cwd: 'v2' } } } },
  }

  it('is planned only when the spec has a diff section, as a copy of the baseline of the traffic target', () => {
    const plain = planInstances(rehearsalSpecSchema.parse(base), { dir: '/p', versions: ['baseline', 'candidate'] })
    expect(plain.map((i) => i.instance)).toEqual(['payments', 'api@baseline', 'api@candidate'])
    const withDiff = planInstances(rehearsalSpecSchema.parse({ ...base, diff: {} }), {
      dir: '/p',
      versions: ['baseline', 'candidate'],
    })
    expect(withDiff.map((i) => i.instance)).toEqual(['payments', 'api@baseline', 'api@baseline-2', 'api@candidate'])
    const [baseline, secondary] = [withDiff[1]!, withDiff[2]!]
    expect(secondary).toEqual({ ...baseline, instance: secondaryInstance('api'), requestedPort: 'auto' })
  })
})
