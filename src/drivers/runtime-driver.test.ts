import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { EnvironmentHandle, EnvironmentPlan } from './driver.ts'
import { createLocalDriver } from './local/local-driver.ts'
import { RuntimeDriver } from './runtime-driver.ts'
import { EventRecorder, handleFor, planEnvironment, processAlive } from './testing/driver-harness.ts'

describe('RuntimeDriver', () => {
  let root: string
  const handles: EnvironmentHandle[] = []
  let driver = new RuntimeDriver(createLocalDriver())

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'rehearse-runtime-driver-'))
  })
  afterAll(() => {
    rmSync(root, { recursive: true, force: true })
  })
  afterEach(async () => {
    for (const handle of handles.splice(0)) await driver.down(handle).catch(() => {})
    driver = new RuntimeDriver(createLocalDriver())
  })

  async function plan(services: Parameters<typeof planEnvironment>[2]): Promise<EnvironmentPlan> {
    const p = await planEnvironment(driver, root, services)
    handles.push(handleFor(p, driver))
    return p
  }

  it('brings an environment id up only once', async () => {
    const p = await plan([{ instance: 'api' }])
    await driver.up(p, { signal: AbortSignal.timeout(60_000) })
    await expect(driver.up(p, { signal: AbortSignal.timeout(60_000) })).rejects.toMatchObject({
      code: 'DRIVER_ENVIRONMENT_EXISTS',
    })
    expect((await driver.status(handleFor(p, driver)))[0]?.state).toBe('healthy')
  })

  it('shares one stop between concurrent downs, and a later down is a no-op', async () => {
    const p = await plan([{ instance: 'api' }, { instance: 'web' }])
    const events = new EventRecorder()
    const handle = await driver.up(p, { signal: AbortSignal.timeout(60_000), onEvent: events.push })
    const first = driver.down(handle)
    expect(driver.down(handle)).toBe(first)
    await first
    await driver.down(handle)
    expect(events.events.filter((e) => e.type === 'service.stopped')).toHaveLength(2)
  })

  it('aborts an up that is still starting when down is called, and leaves nothing running', async () => {
    const p = await plan([{ instance: 'fast' }, { instance: 'slow', env: { LISTEN_DELAY_MS: '60000' } }])
    const events = new EventRecorder()
    const upping = driver.up(p, { signal: AbortSignal.timeout(60_000), onEvent: events.push })
    const rejected = expect(upping).rejects.toMatchObject({ code: 'INTERRUPTED' })
    await events.waitFor((e) => e.type === 'service.starting' && e.instance === 'slow')
    await driver.down(handleFor(p, driver))
    await rejected
    for (const status of await driver.status(handleFor(p, driver))) {
      expect(['starting', 'healthy']).not.toContain(status.state)
      if (status.pid !== undefined) expect(processAlive(status.pid)).toBe(false)
    }
  })

  it('keeps going when an event listener throws', async () => {
    const p = await plan([{ instance: 'api' }])
    const handle = await driver.up(p, {
      signal: AbortSignal.timeout(60_000),
      onEvent: () => {
        throw new Error('listener bug')
      },
    })
    expect((await driver.status(handle))[0]?.state).toBe('healthy')
  })

  it('rejects an inconsistent plan before starting anything', async () => {
    const p = await plan([
      { instance: 'a', dependsOn: ['b'] },
      { instance: 'b', dependsOn: ['a'] },
    ])
    await expect(driver.up(p, { signal: AbortSignal.timeout(60_000) })).rejects.toMatchObject({ code: 'INTERNAL' })
    await expect(driver.status(handleFor(p, driver))).rejects.toMatchObject({ code: 'DRIVER_NO_ENVIRONMENT' })
  })

  it('refuses a handle of another driver with DRIVER_NO_ENVIRONMENT', async () => {
    const handle = { id: 'env_x', driver: 'kubernetes', stateDir: join(root, 'x') }
    await expect(driver.status(handle)).rejects.toMatchObject({ code: 'DRIVER_NO_ENVIRONMENT' })
    await expect(driver.down(handle)).rejects.toMatchObject({ code: 'DRIVER_NO_ENVIRONMENT' })
  })

  it('rejects up when the signal is already aborted', async () => {
    const p = await plan([{ instance: 'api' }])
    await expect(driver.up(p, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'INTERRUPTED' })
  })
})
