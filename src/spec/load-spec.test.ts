import { describe, expect, it } from 'vitest'
import { RehearseError } from '../core/errors.ts'
import { parseSpecText } from './load-spec.ts'
import { baseSpecSchema } from './spec-schema.ts'

const parse = (text: string, env: Record<string, string> = {}) =>
  parseSpecText(text, {
    schema: baseSpecSchema,
    cwd: '/tmp',
    file: '/tmp/rehearse.yaml',
    shownFile: 'rehearse.yaml',
    env,
    runtimeNamespaces: ['rand'],
  })

function failure(text: string, env: Record<string, string> = {}): RehearseError {
  try {
    parse(text, env)
  } catch (error) {
    if (error instanceof RehearseError) return error
    throw error
  }
  throw new Error('expected the spec to be rejected')
}

const valid = `name: shop
services:
  payments:
    command: node payments.js
    health: { http: /healthz, timeout: 20s }
  api:
    command: node api.js
    port: 8080
    env:
      PAYMENTS_URL: \${services.payments.url}
      MODE: \${env.MODE:-demo}
    dependsOn: [payments]
versions:
  candidate: { services: { api: { cwd: ./v2 } } }
smoke:
  - GET /healthz -> 200
  - { request: POST /cart, status: 201, json: { sku: 1 } }
`

describe('loadSpec', () => {
  it('parses a valid spec with defaults and units', () => {
    const { spec } = parse(valid)
    expect(spec.services['payments']!.port).toBe('auto')
    expect(spec.services['payments']!.health).toEqual({ http: '/healthz', interval: 100, timeout: 20_000 })
    expect(spec.services['api']!.env).toEqual({ PAYMENTS_URL: '${services.payments.url}', MODE: 'demo' })
    expect(spec.versions.baseline.services).toEqual({})
    expect(spec.smoke).toHaveLength(2)
  })

  it('reports invalid YAML with its line', () => {
    const e = failure('name: shop\nservices:\n  api: { command: "x\n')
    expect(e.code).toBe('SPEC_YAML')
    expect(e.location?.line).toBeGreaterThanOrEqual(3)
    expect(e.exitCode).toBe(2)
  })

  it('names an unknown key, its line and the nearest valid key', () => {
    const e = failure(valid.replace('    dependsOn: [payments]', '    dependOn: [payments]'))
    expect(e.code).toBe('SPEC_UNKNOWN_KEY')
    expect(e.location).toMatchObject({ file: 'rehearse.yaml', line: 12, column: 5, path: 'services.api.dependOn' })
    expect(e.hint).toBe('Did you mean "dependsOn"?')
  })

  it('reports a wrong type at its path and line', () => {
    const e = failure(valid.replace('port: 8080', 'port: eighty'))
    expect(e.code).toBe('SPEC_INVALID')
    expect(e.location).toMatchObject({ path: 'services.api.port', line: 8 })
    expect(e.message).toContain('port is a number from 1 to 65535 or "auto"')
  })

  it('says a present value has the wrong type, not that it is missing', () => {
    const e = failure(valid.replace('health: { http: /healthz, timeout: 20s }', 'health: { http: 5 }'))
    expect(e.location?.path).toBe('services.payments.health.http')
    expect(e.message).not.toContain('is required')
    expect(e.message).toContain('expected string, received number')
  })

  it('reports a bad duration', () => {
    const e = failure(valid.replace('timeout: 20s', 'timeout: soon'))
    expect(e.location?.path).toBe('services.payments.health.timeout')
    expect(e.message).toContain('expected a duration')
  })

  it('requires a command', () => {
    const e = failure('name: shop\nservices:\n  api:\n    port: auto\n')
    expect(e.code).toBe('SPEC_INVALID')
    expect(e.location).toMatchObject({ path: 'services.api', line: 4 })
    expect(e.message).toContain('no command')
  })

  it('refuses two services on one fixed port', () => {
    const e = failure('name: shop\nservices:\n  a: { command: x, port: 9000 }\n  b: { command: y, port: 9000 }\n')
    expect(e.code).toBe('SPEC_DUPLICATE_PORT')
    expect(e.location).toMatchObject({ path: 'services.b.port', line: 4 })
  })

  it('refuses dependsOn naming an unknown service', () => {
    const e = failure(valid.replace('dependsOn: [payments]', 'dependsOn: [payment]'))
    expect(e.code).toBe('SPEC_UNKNOWN_SERVICE')
    expect(e.location).toMatchObject({ path: 'services.api.dependsOn.0', line: 12 })
  })

  it('refuses a dependency cycle and names it', () => {
    const e = failure(
      'name: shop\nservices:\n  a: { command: x, dependsOn: [b] }\n  b: { command: y, dependsOn: [a] }\n',
    )
    expect(e.code).toBe('SPEC_DEPENDENCY_CYCLE')
    expect(e.message).toContain('a → b → a')
    expect(e.location?.line).toBe(3)
  })

  it('refuses an unknown ${…} reference with its line', () => {
    const e = failure(valid.replace('${env.MODE:-demo}', '${nope.MODE}'))
    expect(e.code).toBe('SPEC_UNKNOWN_REFERENCE')
    expect(e.location).toMatchObject({ path: 'services.api.env.MODE', line: 11 })
  })

  it('refuses a reference to an undeclared service', () => {
    const e = failure(valid.replace('services.payments.url', 'services.billing.url'))
    expect(e.code).toBe('SPEC_UNKNOWN_SERVICE')
  })

  it('requires env variables without a default', () => {
    const e = failure(valid.replace('${env.MODE:-demo}', '${env.MODE}'))
    expect(e.code).toBe('SPEC_MISSING_ENV')
    expect(
      parse(valid.replace('${env.MODE:-demo}', '${env.MODE}'), { MODE: 'x' }).spec.services['api']!.env['MODE'],
    ).toBe('x')
  })

  it('lists every problem, not only the first', () => {
    const e = failure('name: shop\nservices:\n  a: { command: x, prot: 1 }\n  b: { command: 2, porte: 3 }\n')
    expect((e.details?.['problems'] as unknown[] | undefined)?.length).toBeGreaterThanOrEqual(3)
  })

  it('leaves runtime template functions to the traffic module', () => {
    const { spec } = parse(`${valid}`.replace('${env.MODE:-demo}', '${rand.int(1,20)}'))
    expect(spec.services['api']!.env['MODE']).toBe('${rand.int(1,20)}')
  })
})
