// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} is rehearse.yaml's request-template syntax, not JavaScript's
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { isRehearseError } from '../core/errors.ts'
import { createRandom } from './template/random.ts'
import { resolveTrafficTarget, trafficSchema, trafficToLoadPlan } from './traffic-schema.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-traffic-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'skus.csv'), 'sku\nA-1\nB-2\n')

const section = {
  scenario: [
    { weight: 6, request: 'GET /products?page=${rand.int(1,20)}' },
    { weight: 3, request: 'POST /cart', json: { sku: '${pick(skus.csv)}', qty: 1 } },
    { weight: 1, request: 'POST /checkout' },
  ],
  phases: [
    { name: 'warm-up', duration: '10s', rate: '20/s' },
    { name: 'ramp', duration: '1m', rate: '20/s', rampTo: '200/s', arrivals: 'poisson' },
    {
      name: 'slow-payments',
      duration: '30s',
      rate: 200,
      faults: [{ target: 'payments', delay: '300ms', probability: 0.2 }],
    },
  ],
}

describe('trafficSchema', () => {
  it('parses units and fills defaults', () => {
    const t = trafficSchema.parse(section)
    expect(t.phases[0]).toEqual({ name: 'warm-up', duration: 10_000, rate: 20, arrivals: 'constant' })
    expect(t.phases[1]).toMatchObject({ duration: 60_000, rate: 20, rampTo: 200, arrivals: 'poisson' })
    expect(t.phases[2]!.faults![0]).toMatchObject({ target: 'payments', delay: 300, probability: 0.2 })
    expect(t).toMatchObject({ connections: 64, timeout: 10_000, maxInFlight: 1000, seed: 1 })
    expect(t.scenario[2]).toEqual({ weight: 1, request: 'POST /checkout' })
  })

  it.each([
    [{ ...section, rate: '5/s' }, ''],
    [{ ...section, phases: [{ duration: '1s', rate: '5/s', arivals: 'poisson' }] }, 'phases.0'],
    [{ ...section, phases: [{ duration: '1s', rate: 'fast' }] }, 'phases.0.rate'],
    [{ ...section, phases: [{ duration: '1s', rate: 1, arrivals: 'bursty' }] }, 'phases.0.arrivals'],
    [{ ...section, scenario: [{ request: 'FETCH /x' }] }, 'scenario.0.request'],
    [{ ...section, scenario: [] }, 'scenario'],
    [
      { ...section, phases: [{ duration: '1s', rate: 1, faults: [{ delay: '1s', reset: true }] }] },
      'phases.0.faults.0',
    ],
  ])('rejects %j (issue at %s)', (input, path) => {
    const result = trafficSchema.safeParse(input)
    expect(result.success).toBe(false)
    expect(result.error!.issues.some((i) => i.path.join('.').startsWith(path))).toBe(true)
  })
})

describe('trafficToLoadPlan', () => {
  it('compiles the scenario and maps phases and limits', () => {
    const t = trafficSchema.parse({ ...section, seed: 'abc', timeout: '2s', connections: 4, maxInFlight: 50 })
    const plan = trafficToLoadPlan(t, { targets: [{ name: 'baseline', url: 'http://127.0.0.1:1' }], specDir: dir })
    expect(plan).toMatchObject({ connections: 4, timeoutMs: 2000, maxInFlight: 50, seed: 'abc' })
    expect(plan.phases.map((p) => [p.name, p.durationMs, p.rate, p.rampTo, p.arrivals])).toEqual([
      ['warm-up', 10_000, 20, undefined, 'constant'],
      ['ramp', 60_000, 20, 200, 'poisson'],
      ['slow-payments', 30_000, 200, undefined, 'constant'],
    ])
    expect(plan.phases[2]!.faults).toHaveLength(1)
    expect(plan.scenario.templates.map((x) => x.route)).toEqual(['GET /products', 'POST /cart', 'POST /checkout'])
    const cart = plan.scenario.templates[1]!.expand({ random: createRandom(1), seq: 1, nowMs: 0 })
    expect(['{"sku":"A-1","qty":1}', '{"sku":"B-2","qty":1}']).toContain(cart.body)
  })

  it('names unnamed phases and reports a bad template at its path in the spec file', () => {
    const t = trafficSchema.parse({
      scenario: [{ request: 'GET /${rand.nt(1,2)}' }],
      phases: [{ duration: '1s', rate: 1 }],
    })
    try {
      trafficToLoadPlan(t, { targets: [], specDir: dir, specFile: 'rehearse.yaml' })
      expect.unreachable()
    } catch (error) {
      expect(isRehearseError(error) && error.code).toBe('TRAFFIC_TEMPLATE')
      expect((error as { location?: unknown }).location).toEqual({
        path: 'traffic.scenario.0.request',
        file: 'rehearse.yaml',
      })
      expect((error as { hint?: string }).hint).toMatch(/Did you mean rand.int/)
    }
    const ok = trafficSchema.parse({ scenario: [{ request: 'GET /' }], phases: [{ duration: '1s', rate: 1 }] })
    expect(trafficToLoadPlan(ok, { targets: [], specDir: dir }).phases[0]!.name).toBe('phase-1')
  })
})

describe('resolveTrafficTarget', () => {
  const services = {
    payments: { dependsOn: [] },
    api: { dependsOn: ['payments'] },
    worker: { dependsOn: [] },
  } as never
  const versions = (baseline: object, candidate: object) =>
    ({ baseline: { services: {}, ...baseline }, candidate: { services: {}, ...candidate } }) as never

  it('takes traffic.target when it names a service', () => {
    expect(resolveTrafficTarget({ target: 'worker' }, { services, versions: versions({}, {}) })).toBe('worker')
  })

  it('defaults to the service that differs between the versions', () => {
    const v = versions({ services: { api: { cwd: './v1' } } }, { services: { api: { cwd: './v2' } } })
    expect(resolveTrafficTarget(undefined, { services, versions: v })).toBe('api')
    // same content in another key order is not a difference
    const same = versions(
      { services: { api: { cwd: './v', env: { A: '1', B: '2' } } } },
      { services: { api: { env: { B: '2', A: '1' }, cwd: './v' }, payments: { cwd: './p2' } } },
    )
    expect(resolveTrafficTarget({}, { services, versions: same })).toBe('payments')
  })

  it('prefers an entry point when every service differs (different git refs)', () => {
    expect(resolveTrafficTarget(undefined, { services, versions: versions({ ref: 'main' }, { ref: 'HEAD' }) })).toBe(
      'api',
    )
  })

  it('fails with TRAFFIC_UNKNOWN_TARGET or TRAFFIC_NO_TARGET', () => {
    expect(() => resolveTrafficTarget({ target: 'apii' }, { services, versions: versions({}, {}) })).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_UNKNOWN_TARGET', hint: expect.stringMatching(/Did you mean "api"/) }),
    )
    expect(() => resolveTrafficTarget(undefined, { services, versions: versions({}, {}) })).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_NO_TARGET' }),
    )
  })
})
