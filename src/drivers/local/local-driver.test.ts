import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RehearseError } from '../../core/errors.ts'
import { newId } from '../../core/ids.ts'
import { describeDriverConformance } from '../driver.conformance.ts'
import type { EnvironmentDriver, EnvironmentHandle, EnvironmentPlan } from '../driver.ts'
import { RuntimeDriver } from '../runtime-driver.ts'
import { environmentStateDir } from '../state-layout.ts'
import {
  EventRecorder,
  eventually,
  FIXTURES_DIR,
  groupAlive,
  handleFor,
  httpGet,
  planEnvironment,
  processAlive,
  type TestService,
} from '../testing/driver-harness.ts'
import { createLocalDriver } from './local-driver.ts'
import { hasEnvironmentEntry, isLiveState, listPids, readProcStat, readStartTime } from './proc-fs.ts'
import { type EnvironmentRecord, readRecords, writeRecords } from './process-records.ts'

describeDriverConformance('local', () => new RuntimeDriver(createLocalDriver()))

describe('local driver', () => {
  let root: string
  const driver: EnvironmentDriver = createLocalDriver()
  const cleanups: (() => void | Promise<void>)[] = []

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rehearse-local-driver-'))
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  /**
   * Registers a `down` for the plan's environment, run after the test whatever happens, and then
   * a SIGKILL for anything recorded that survived it (so a broken driver cannot leak processes).
   */
  function downLater(plan: EnvironmentPlan): EnvironmentHandle {
    const handle = handleFor(plan, driver)
    cleanups.push(async () => {
      await driver.down(handle).catch(() => {})
      killLeftovers(plan)
    })
    return handle
  }

  async function up(services: TestService[]): Promise<{ plan: EnvironmentPlan; handle: EnvironmentHandle }> {
    const plan = await planEnvironment(driver, root, services)
    const handle = downLater(plan)
    await driver.up(plan, { signal: AbortSignal.timeout(60_000) })
    return { plan, handle }
  }

  /** A listening socket on 127.0.0.1, closed after the test. */
  async function occupyPort(): Promise<number> {
    const server: Server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    const address = server.address()
    if (typeof address !== 'object' || !address) throw new Error('no address')
    return address.port
  }

  /** A sleeping process in its own group that no environment started; killed after the test. */
  function bystander(): ChildProcess {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' })
    cleanups.push(() => {
      if (processAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL')
    })
    return child
  }

  function pidsPrinted(stateDir: string, instance: string, word: string): number[] {
    const text = readFileSync(join(stateDir, 'logs', `${instance}.stdout.log`), 'utf8')
    return [...text.matchAll(new RegExp(`^${word} (\\d+)$`, 'gm'))].map((m) => Number(m[1]))
  }

  it('gives auto ports that differ from each other', async () => {
    const services = Array.from({ length: 20 }, (_, i) => ({ instance: `s${i}`, port: 'auto' as const }))
    const addresses = await driver.allocate(services, AbortSignal.timeout(10_000))
    const ports = [...addresses.values()].map((a) => a.port)
    expect(new Set(ports).size).toBe(20)
    expect([...addresses.values()].every((a) => a.host === '127.0.0.1' && a.port > 0)).toBe(true)
  })

  it('rejects a fixed port that is taken with DRIVER_PORT_IN_USE naming the port and the service', async () => {
    const port = await occupyPort()
    const error = await driver.allocate([{ instance: 'payments', port }], AbortSignal.timeout(10_000)).catch((e) => e)
    expect(error).toBeInstanceOf(RehearseError)
    expect(error).toMatchObject({ code: 'DRIVER_PORT_IN_USE', details: { port, instance: 'payments' } })
    expect(error.message).toContain(String(port))
    expect(error.message).toContain('payments')
  })

  it('keeps a fixed port that is free', async () => {
    const port = await occupyPort()
    const probe = await driver.allocate([{ instance: 'a', port: 'auto' }], AbortSignal.timeout(10_000))
    const free = probe.get('a')!.port
    expect(free).not.toBe(port)
    const addresses = await driver.allocate([{ instance: 'web', port: free }], AbortSignal.timeout(10_000))
    expect(addresses.get('web')).toEqual({ host: '127.0.0.1', port: free })
  })

  it('refuses to start a service whose port was taken after allocation, and starts nothing', async () => {
    const plan = await planEnvironment(driver, root, [{ instance: 'api' }])
    const handle = downLater(plan)
    const port = plan.services[0]!.port
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    await expect(driver.up(plan, { signal: AbortSignal.timeout(30_000) })).rejects.toMatchObject({
      code: 'DRIVER_PORT_IN_USE',
      details: { port, instance: 'api' },
    })
    expect((await driver.status(handle))[0]).toMatchObject({ state: 'stopped' })
    expect((await driver.status(handle))[0]?.pid).toBeUndefined()
  })

  it('fails with DRIVER_SPAWN_FAILED when the working directory does not exist', async () => {
    const plan = await planEnvironment(driver, root, [{ instance: 'api', cwd: join(root, 'no-such-dir') }])
    downLater(plan)
    await expect(driver.up(plan, { signal: AbortSignal.timeout(30_000) })).rejects.toMatchObject({
      code: 'DRIVER_SPAWN_FAILED',
      details: { instance: 'api' },
    })
  })

  it('records pid, process group, start time, ports, logs and owner, but no environment values', async () => {
    const { plan } = await up([{ instance: 'api', env: { SECRET_TOKEN: 'do-not-record-me' } }])
    const text = readFileSync(join(plan.stateDir, 'environment.json'), 'utf8')
    expect(text).not.toContain('do-not-record-me')
    const record = readRecords(plan.stateDir)!
    expect(record).toMatchObject({ id: plan.id, driver: 'local', state: 'up', owner: { pid: process.pid } })
    const [api] = record.instances
    expect(api).toMatchObject({ instance: 'api', state: 'healthy', host: '127.0.0.1', port: plan.services[0]!.port })
    expect(api!.pgid).toBe(api!.pid)
    expect(api!.startTime).toBe(readStartTime(api!.pid!))
    expect(readFileSync(api!.logs.stdout, 'utf8')).toContain('api listening')
  })

  it('refuses to bring up a state directory whose environment still runs', async () => {
    const { plan } = await up([{ instance: 'api' }])
    const again = createLocalDriver()
    await expect(again.up(plan, { signal: AbortSignal.timeout(30_000) })).rejects.toMatchObject({
      code: 'DRIVER_ENVIRONMENT_EXISTS',
    })
    // …and left the running one alone.
    expect((await httpGet(`http://127.0.0.1:${plan.services[0]!.port}/whoami`)).body).toBe('api')
  })

  it('stops grandchildren with their service, also those that left its process group', async () => {
    // The grandchild has no REHEARSE_ENV_ID and outlives SIGTERM: only its process group ties it
    // to the service, whose leader exits (and is reaped) at once.
    const { plan, handle } = await up([
      {
        instance: 'forker',
        env: { SPAWN_GRANDCHILD: '1', GRANDCHILD_IGNORES_SIGTERM: '1', SPAWN_ESCAPEE: '1' },
        stopGraceMs: 1_000,
      },
    ])
    const [grandchild] = pidsPrinted(plan.stateDir, 'forker', 'grandchild')
    const [escapee] = pidsPrinted(plan.stateDir, 'forker', 'escapee')
    expect(grandchild, 'grandchild pid').toBeDefined()
    expect(escapee, 'escapee pid').toBeDefined()
    expect(processAlive(grandchild!), `grandchild ${grandchild} before down`).toBe(true)
    expect(processAlive(escapee!), `escapee ${escapee} before down`).toBe(true)
    const [status] = await driver.status(handle)
    await driver.down(handle)
    expect(processAlive(status!.pid!), `service ${status!.pid}`).toBe(false)
    expect(groupAlive(status!.pid!), `group ${status!.pid}`).toBe(false)
    expect(processAlive(grandchild!), `grandchild ${grandchild}`).toBe(false)
    expect(processAlive(escapee!), `escapee ${escapee}`).toBe(false)
  })

  it('never signals a recorded pid whose start time differs (a recycled pid)', async () => {
    const stranger = bystander()
    const record = handWrittenRecord(stranger.pid!, 'not-its-start-time')
    writeRecords(record.stateDir, record)
    await driver.down({ id: record.id, driver: 'local', stateDir: record.stateDir })
    expect(processAlive(stranger.pid!)).toBe(true)
    expect(readRecords(record.stateDir)?.state).toBe('stopped')

    // The same record with the right start time is ours, and is stopped.
    const ours = handWrittenRecord(stranger.pid!, readStartTime(stranger.pid!)!)
    writeRecords(ours.stateDir, ours)
    await driver.down({ id: ours.id, driver: 'local', stateDir: ours.stateDir })
    expect(await eventually(() => !processAlive(stranger.pid!))).toBe(true)
  })

  it('stops everything from another process after the process that ran up() was SIGKILLed', async () => {
    const plan = await planEnvironment(driver, root, [
      { instance: 'db' },
      { instance: 'api', dependsOn: ['db'], env: { SPAWN_GRANDCHILD: '1' } },
      { instance: 'worker', env: { SPAWN_ESCAPEE: '1' } },
    ])
    const handle = downLater(plan)
    const planFile = join(root, `${plan.id}.json`)
    writeFileSync(planFile, JSON.stringify(plan))
    const owner = spawn(process.execPath, [join(FIXTURES_DIR, 'up-runner.ts'), planFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    cleanups.push(() => {
      if (owner.exitCode === null && owner.signalCode === null) owner.kill('SIGKILL')
    })
    await new Promise<void>((resolve, reject) => {
      let out = ''
      owner.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('up {')) resolve()
      })
      owner.once('exit', (code) => reject(new Error(`up-runner exited with ${code}: ${out}`)))
    })
    const exited = new Promise((resolve) => owner.once('exit', resolve))
    owner.kill('SIGKILL')
    await exited

    // The environment outlives its owner: the services still answer and still read as healthy.
    for (const service of plan.services) {
      expect((await httpGet(`http://${service.host}:${service.port}/whoami`)).body).toBe(service.instance)
    }
    const record = readRecords(plan.stateDir)!
    expect(record.owner.pid).toBe(owner.pid)
    expect((await driver.status(handle)).map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy'])
    const pids = record.instances.map((i) => i.pid!)
    const strays = [
      ...pidsPrinted(plan.stateDir, 'api', 'grandchild'),
      ...pidsPrinted(plan.stateDir, 'worker', 'escapee'),
    ]
    expect(strays).toHaveLength(2)

    // A service dying while nobody watches is found by status (no exit code is known then).
    const db = record.instances.find((i) => i.instance === 'db')!
    process.kill(-db.pgid!, 'SIGKILL')
    expect(await eventually(() => !groupAlive(db.pgid!))).toBe(true)
    expect((await driver.status(handle)).find((s) => s.instance === 'db')?.state).toBe('crashed')

    await driver.down(handle)
    for (const pid of [...pids, ...strays]) expect(processAlive(pid), `pid ${pid}`).toBe(false)
    for (const pid of pids) expect(groupAlive(pid), `group ${pid}`).toBe(false)
    expect((await driver.status(handle)).map((s) => s.state)).toEqual(['crashed', 'stopped', 'stopped'])
    await driver.down(handle)
  })

  it('reports the events of a service that another process stops as stops, not crashes', async () => {
    const plan = await planEnvironment(driver, root, [{ instance: 'api' }])
    const handle = downLater(plan)
    const events = new EventRecorder()
    await driver.up(plan, { signal: AbortSignal.timeout(60_000), onEvent: events.push })
    // A second driver object stands for `rehearse down` in another process: it has no session.
    await createLocalDriver().down(handle)
    await events.waitFor((e) => e.type === 'service.stopped' && e.instance === 'api')
    expect(events.events.some((e) => e.type === 'service.crashed')).toBe(false)
    expect((await driver.status(handle))[0]?.state).toBe('stopped')
  })

  it('lists nothing under a state root without environments', async () => {
    expect(await driver.list(join(root, 'empty'))).toEqual([])
  })

  /** Test-only safety net: SIGKILL whatever is still in a recorded group or carries the environment's marker. */
  function killLeftovers(plan: EnvironmentPlan): void {
    const groups = new Set(
      (readRecords(plan.stateDir)?.instances ?? []).map((i) => i.pgid).filter((g) => g !== undefined),
    )
    for (const pid of listPids()) {
      const stat = readProcStat(pid)
      if (!stat || !isLiveState(stat.state) || pid === process.pid) continue
      if (groups.has(stat.pgrp) || hasEnvironmentEntry(pid, `REHEARSE_ENV_ID=${plan.id}`)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // gone meanwhile
        }
      }
    }
  }

  function handWrittenRecord(pid: number, startTime: string): EnvironmentRecord {
    const id = newId('env')
    const stateDir = environmentStateDir(root, id)
    const now = new Date().toISOString()
    return {
      format: 1,
      id,
      project: 'driver-tests',
      driver: 'local',
      stateDir,
      state: 'up',
      createdAt: now,
      updatedAt: now,
      owner: { pid: 1, startTime: 'gone', hostname: 'elsewhere' },
      instances: [
        {
          instance: 'api',
          service: 'api',
          command: 'node api.js',
          cwd: root,
          host: '127.0.0.1',
          port: 1,
          dependsOn: [],
          stopGraceMs: 1_000,
          logs: { stdout: join(stateDir, 'logs', 'api.stdout.log'), stderr: join(stateDir, 'logs', 'api.stderr.log') },
          state: 'healthy',
          since: now,
          pid,
          pgid: pid,
          startTime,
        },
      ],
    }
  }
})
