import { describe, expect, it } from 'vitest'
import type { EnvironmentPlan } from './driver.ts'
import { checkPlan, stopLevels } from './plan-order.ts'

function plan(edges: Record<string, string[]>): EnvironmentPlan {
  return {
    id: 'env_test',
    project: 'p',
    stateDir: '/tmp/x',
    services: Object.entries(edges).map(([instance, dependsOn]) => ({
      instance,
      service: instance,
      cwd: '/',
      env: {},
      host: '127.0.0.1',
      port: 1,
      health: { tcp: true, intervalMs: 100, timeoutMs: 1000 },
      dependsOn,
      stopGraceMs: 1000,
    })),
  }
}

describe('plan order', () => {
  it('accepts a consistent plan', () => {
    expect(() => checkPlan(plan({ db: [], api: ['db'], web: ['api', 'db'] }))).not.toThrow()
  })

  it('rejects unknown dependencies, cycles and repeated names as INTERNAL', () => {
    expect(() => checkPlan(plan({ api: ['db'] }))).toThrow(/"api" depends on "db"/)
    expect(() => checkPlan(plan({ a: ['b'], b: ['c'], c: ['a'] }))).toThrow(/cycle: a → b → c → a/)
    const twice = plan({ a: [] })
    twice.services.push(twice.services[0]!)
    expect(() => checkPlan(twice)).toThrow(expect.objectContaining({ code: 'INTERNAL' }))
  })

  it('stops dependents first, independent instances together', () => {
    const nodes = Object.entries({ db: [], cache: [], api: ['db', 'cache'], web: ['api'], worker: ['db'] }).map(
      ([instance, dependsOn]) => ({ instance, dependsOn }),
    )
    expect(stopLevels(nodes)).toEqual([['web'], ['api', 'worker'], ['db', 'cache']])
  })
})
