/**
 * @module drivers/driver.conformance
 * The behaviour every EnvironmentDriver must show, as one vitest suite (as Hono runs one suite
 * over every router): `describeDriverConformance('local', () => new RuntimeDriver(createLocalDriver()))`.
 * The services are small real Node programs (testing/service.mjs); every test takes down what it
 * brought up, also when it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { RehearseError } from '../core/errors.ts'
import type { EnvironmentDriver, EnvironmentHandle, EnvironmentPlan, LogLine, UpOptions } from './driver.ts'
import {
  EventRecorder,
  handleFor,
  httpGet,
  planEnvironment,
  processAlive,
  type TestService,
} from './testing/driver-harness.ts'

const SLOW = 60_000

export function describeDriverConformance(name: string, makeDriver: () => EnvironmentDriver): void {
  describe(`${name} driver conformance`, () => {
    let root: string
    let driver: EnvironmentDriver
    let started: EnvironmentHandle[]

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), `rehearse-${name}-driver-`))
    })
    afterAll(() => {
      rmSync(root, { recursive: true, force: true })
    })
    beforeEach(() => {
      driver = makeDriver()
      started = []
    })
    afterEach(async () => {
      for (const handle of started) await driver.down(handle).catch(() => {})
    })

    /** Plans the services and brings them up, registering the environment for cleanup first. */
    async function up(
      services: TestService[],
      options: Partial<UpOptions> = {},
    ): Promise<{ plan: EnvironmentPlan; handle: EnvironmentHandle; events: EventRecorder }> {
      const plan = await planEnvironment(driver, root, services)
      started.push(handleFor(plan, driver))
      const events = new EventRecorder()
      const handle = await driver.up(plan, {
        signal: options.signal ?? AbortSignal.timeout(SLOW),
        onEvent: (event) => {
          events.push(event)
          options.onEvent?.(event)
        },
      })
      return { plan, handle, events }
    }

    /** Like `up`, for a plan that must fail: returns the error and what the driver reported. */
    async function upFails(
      services: TestService[],
      options: Partial<UpOptions> = {},
    ): Promise<{ error: RehearseError; plan: EnvironmentPlan; events: EventRecorder }> {
      const plan = await planEnvironment(driver, root, services)
      started.push(handleFor(plan, driver))
      const events = new EventRecorder()
      const error = await driver
        .up(plan, {
          signal: options.signal ?? AbortSignal.timeout(SLOW),
          onEvent: (event) => {
            events.push(event)
            options.onEvent?.(event)
          },
        })
        .then(
          () => new Error('up() resolved but should have failed'),
          (e: unknown) => e,
        )
      expect(error).toBeInstanceOf(RehearseError)
      return { error: error as RehearseError, plan, events }
    }

    function url(plan: EnvironmentPlan, instance: string, path: string): string {
      const service = plan.services.find((s) => s.instance === instance)!
      return `http://${service.host}:${service.port}${path}`
    }

    /** Nothing of the plan runs: every state is final and no recorded pid is alive. */
    async function expectNothingRunning(handle: EnvironmentHandle): Promise<void> {
      for (const status of await driver.status(handle)) {
        expect(['starting', 'healthy']).not.toContain(status.state)
        if (status.pid !== undefined)
          expect(processAlive(status.pid), `${status.instance} pid ${status.pid}`).toBe(false)
      }
    }

    async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
      const all: LogLine[] = []
      for await (const line of lines) all.push(line)
      return all
    }

    it('starts instances in dependency order', { timeout: SLOW }, async () => {
      const { plan, handle, events } = await up([
        { instance: 'c', dependsOn: ['b'], urls: { REQUIRE_URL: 'b' } },
        { instance: 'b', dependsOn: ['a'], urls: { REQUIRE_URL: 'a' } },
        { instance: 'a' },
      ])
      // Each dependent checks at start that its dependency answers, and exits 2 if not.
      expect(events.indexOf('service.ready', 'a')).toBeLessThan(events.indexOf('service.starting', 'b'))
      expect(events.indexOf('service.ready', 'b')).toBeLessThan(events.indexOf('service.starting', 'c'))
      const states = await driver.status(handle)
      expect(states.map((s) => [s.instance, s.state]).sort()).toEqual([
        ['a', 'healthy'],
        ['b', 'healthy'],
        ['c', 'healthy'],
      ])
      expect((await httpGet(url(plan, 'c', '/whoami'))).body).toBe('c')
    })

    it('starts independent instances in parallel', { timeout: SLOW }, async () => {
      const slow = { LISTEN_DELAY_MS: '1500' }
      const { events } = await up([
        { instance: 'x', env: slow },
        { instance: 'y', env: slow },
        { instance: 'z', dependsOn: ['x', 'y'] },
      ])
      const firstReady = events.events.findIndex((e) => e.type === 'service.ready')
      expect(events.indexOf('service.starting', 'x')).toBeLessThan(firstReady)
      expect(events.indexOf('service.starting', 'y')).toBeLessThan(firstReady)
      expect(events.indexOf('service.starting', 'z')).toBeGreaterThan(events.indexOf('service.ready', 'x'))
      expect(events.indexOf('service.starting', 'z')).toBeGreaterThan(events.indexOf('service.ready', 'y'))
    })

    it("gives each service its plan environment, including another service's URL", { timeout: SLOW }, async () => {
      const { plan } = await up([
        { instance: 'payments', env: { NAME: 'payments' } },
        { instance: 'api', dependsOn: ['payments'], urls: { PEER_URL: 'payments' }, env: { GREETING: 'hello' } },
      ])
      expect((await httpGet(url(plan, 'api', '/peer'))).body).toBe('payments')
      expect((await httpGet(url(plan, 'api', '/env/GREETING'))).body).toBe('hello')
      const api = plan.services.find((s) => s.instance === 'api')!
      expect((await httpGet(url(plan, 'api', '/env/PORT'))).body).toBe(String(api.port))
    })

    it('waits for http, tcp and command health checks', { timeout: SLOW }, async () => {
      const readyFile = join(root, `ready-${Date.now()}`)
      const { plan, handle } = await up([
        { instance: 'web', env: { LISTEN_DELAY_MS: '800' }, health: { http: '/healthz' } },
        { instance: 'socket', env: { LISTEN_DELAY_MS: '800' }, health: { tcp: true } },
        {
          instance: 'worker',
          env: { LISTEN_DELAY_MS: '800', READY_FILE: readyFile },
          health: { command: `test -f '${readyFile}'` },
        },
      ])
      // `up` resolved, so every one of them answers now although each took a while to listen.
      for (const instance of ['web', 'socket', 'worker']) {
        expect((await httpGet(url(plan, instance, '/whoami'))).body).toBe(instance)
      }
      expect((await driver.status(handle)).every((s) => s.state === 'healthy')).toBe(true)
    })

    it('rejects with DRIVER_UNHEALTHY and the last log lines, and leaves nothing running', {
      timeout: SLOW,
    }, async () => {
      const { error, plan, events } = await upFails([
        { instance: 'db' },
        {
          instance: 'api',
          dependsOn: ['db'],
          env: { HEALTH_STATUS: '503', MESSAGE: 'marker-api-never-healthy' },
          health: { timeoutMs: 1_500 },
        },
      ])
      expect(error.code).toBe('DRIVER_UNHEALTHY')
      expect(error.message).toContain('api')
      expect(error.details?.['instance']).toBe('api')
      const lastLines = error.details?.['lastLines'] as string[]
      expect(lastLines.some((line) => line.includes('marker-api-never-healthy'))).toBe(true)
      expect(events.indexOf('service.stopped', 'db')).toBeGreaterThanOrEqual(0)
      await expectNothingRunning(handleFor(plan, driver))
    })

    it('rejects with DRIVER_UNHEALTHY when a service exits while starting', { timeout: SLOW }, async () => {
      const { error, plan } = await upFails([
        { instance: 'broken', env: { MESSAGE: 'marker-cannot-start', EXIT_AT_START: '4' } },
      ])
      expect(error.code).toBe('DRIVER_UNHEALTHY')
      expect(error.details?.['instance']).toBe('broken')
      expect(error.details?.['exitCode']).toBe(4)
      expect(((error.details?.['lastLines'] ?? []) as string[]).join('\n')).toContain('marker-cannot-start')
      await expectNothingRunning(handleFor(plan, driver))
    })

    it('stops what it started and rejects when the signal aborts', { timeout: SLOW }, async () => {
      const controller = new AbortController()
      const { error, plan } = await upFails(
        [{ instance: 'ok' }, { instance: 'slow', env: { LISTEN_DELAY_MS: '60000' } }],
        {
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type === 'service.starting' && event.instance === 'slow')
              setTimeout(() => controller.abort(), 300)
          },
        },
      )
      expect(error.code).toBe('INTERRUPTED')
      await expectNothingRunning(handleFor(plan, driver))
    })

    it('reports a service that crashes after it was ready', { timeout: SLOW }, async () => {
      const { plan, handle, events } = await up([{ instance: 'fragile' }, { instance: 'steady' }])
      await httpGet(url(plan, 'fragile', '/crash?code=7'))
      const crashed = await events.waitFor((e) => e.type === 'service.crashed' && e.instance === 'fragile')
      expect(crashed).toMatchObject({ type: 'service.crashed', instance: 'fragile', exitCode: 7, signal: null })
      if (crashed.type === 'service.crashed') expect(crashed.lastLines.join('\n')).toContain('crashing on purpose')
      const states = new Map((await driver.status(handle)).map((s) => [s.instance, s]))
      expect(states.get('fragile')).toMatchObject({ state: 'crashed', exitCode: 7 })
      expect(states.get('steady')?.state).toBe('healthy')
    })

    it('returns log lines, the last N with tail', { timeout: SLOW }, async () => {
      const { handle } = await up([{ instance: 'chatty', env: { PRINT_LINES: '30' } }, { instance: 'quiet' }])
      const all = await collect(driver.logs(handle, 'chatty'))
      const stdout = all.filter((l) => l.stream === 'stdout').map((l) => l.line)
      expect(stdout.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`))
      expect(all.every((l) => l.instance === 'chatty' && !Number.isNaN(Date.parse(l.at)))).toBe(true)

      const tail = await collect(driver.logs(handle, 'chatty', { tail: 3 }))
      const tailOut = tail.filter((l) => l.stream === 'stdout').map((l) => l.line)
      expect(tailOut).toHaveLength(3)
      expect(tailOut.slice(0, 2)).toEqual(['line 29', 'line 30'])
      expect(tailOut[2]).toContain('chatty listening')

      const everyone = await collect(driver.logs(handle, undefined))
      expect(new Set(everyone.map((l) => l.instance))).toEqual(new Set(['chatty', 'quiet']))
    })

    it('follows a log until the signal aborts', { timeout: SLOW }, async () => {
      const { plan, handle } = await up([{ instance: 'api' }])
      const controller = new AbortController()
      const seen: string[] = []
      const following = (async () => {
        for await (const line of driver.logs(handle, 'api', { follow: true, signal: controller.signal })) {
          seen.push(line.line)
          if (line.line === 'followed-1') await httpGet(url(plan, 'api', '/log?line=followed-2'))
          if (line.line === 'followed-2') controller.abort()
        }
      })()
      await httpGet(url(plan, 'api', '/log?line=followed-1'))
      await following
      expect(seen).toContain('followed-1')
      expect(seen).toContain('followed-2')
    })

    it('rejects logs of an instance it does not run with DRIVER_UNKNOWN_SERVICE', { timeout: SLOW }, async () => {
      const { handle } = await up([{ instance: 'api' }])
      await expect(collect(driver.logs(handle, 'nope'))).rejects.toMatchObject({ code: 'DRIVER_UNKNOWN_SERVICE' })
    })

    it('takes the environment down, idempotently', { timeout: SLOW }, async () => {
      const { handle, events } = await up([{ instance: 'a' }, { instance: 'b', dependsOn: ['a'] }])
      const pids = (await driver.status(handle)).map((s) => s.pid!)
      await Promise.all([driver.down(handle), driver.down(handle)])
      await driver.down(handle)
      for (const pid of pids) expect(processAlive(pid)).toBe(false)
      expect((await driver.status(handle)).map((s) => s.state)).toEqual(['stopped', 'stopped'])
      // Dependents stop before what they depend on.
      expect(events.indexOf('service.stopped', 'b')).toBeLessThan(events.indexOf('service.stopped', 'a'))
    })

    it('kills a service that ignores SIGTERM after its grace period', { timeout: SLOW }, async () => {
      const { handle } = await up([{ instance: 'stubborn', env: { IGNORE_SIGTERM: '1' }, stopGraceMs: 500 }])
      const [status] = await driver.status(handle)
      await driver.down(handle)
      expect(processAlive(status!.pid!)).toBe(false)
    })

    it('runs two versions of one service side by side on different ports', { timeout: SLOW }, async () => {
      const { plan, handle } = await up([
        { instance: 'api@baseline', service: 'api', version: 'baseline', env: { NAME: 'v1' } },
        { instance: 'api@candidate', service: 'api', version: 'candidate', env: { NAME: 'v2' } },
      ])
      const [baseline, candidate] = plan.services
      expect(baseline!.port).not.toBe(candidate!.port)
      expect((await httpGet(url(plan, 'api@baseline', '/whoami'))).body).toBe('v1')
      expect((await httpGet(url(plan, 'api@candidate', '/whoami'))).body).toBe('v2')
      const states = await driver.status(handle)
      expect(states.map((s) => s.instance)).toEqual(['api@baseline', 'api@candidate'])
      expect(states.every((s) => s.state === 'healthy')).toBe(true)
      const lines = await collect(driver.logs(handle, 'api@candidate'))
      expect(lines.some((l) => l.line.startsWith('v2 listening'))).toBe(true)
    })

    it('lists the environments recorded under a state root', { timeout: SLOW }, async () => {
      const { handle } = await up([{ instance: 'api' }])
      const listed = await driver.list(root)
      expect(listed.map((h) => h.id)).toContain(handle.id)
      expect(listed.find((h) => h.id === handle.id)).toEqual(handle)
    })
  })
}
