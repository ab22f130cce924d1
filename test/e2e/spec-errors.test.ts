import { afterEach, describe, expect, it } from 'vitest'
import { serve, tempProject } from './project.ts'
import { runCli } from './run-cli.ts'

const cleanups: Array<() => void> = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})
function project(spec: string): string {
  const p = tempProject(spec)
  cleanups.push(p.cleanup)
  return p.dir
}

const good = `name: demo
services:
  api:
    command: ${serve}
    health: { http: /healthz }
`

describe('rehearse validate (bad input exits 2 with a code, the place and a hint)', () => {
  it('accepts a valid spec', async () => {
    const r = await runCli(['validate', '-C', project(good)])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('is valid: project demo, 1 service (api)')
  })

  const cases: Array<[string, string, string, RegExp]> = [
    ['invalid YAML', 'name: demo\nservices:\n  api: { command: "x\n', 'SPEC_YAML', /rehearse\.yaml:\d+:\d+/],
    [
      'an unknown key',
      good.replace('health:', 'helth:'),
      'SPEC_UNKNOWN_KEY',
      /rehearse\.yaml:5:5 at services\.api\.helth[\s\S]*Did you mean "health"\?/,
    ],
    [
      'a wrong type',
      good.replace('    health:', '    port: lots\n    health:'),
      'SPEC_INVALID',
      /rehearse\.yaml:5:11 at services\.api\.port/,
    ],
    [
      'a missing command',
      'name: demo\nservices:\n  api:\n    port: auto\n',
      'SPEC_INVALID',
      /at services\.api[\s\S]*command/,
    ],
    [
      'a duplicate port',
      `name: demo\nservices:\n  a: { command: x, port: 9000 }\n  b: { command: y, port: 9000 }\n`,
      'SPEC_DUPLICATE_PORT',
      /rehearse\.yaml:4:\d+ at services\.b\.port/,
    ],
    [
      'dependsOn naming an unknown service',
      `${good}    dependsOn: [db]\n`,
      'SPEC_UNKNOWN_SERVICE',
      /rehearse\.yaml:6:\d+ at services\.api\.dependsOn\.0/,
    ],
    [
      'a dependency cycle',
      'name: demo\nservices:\n  a: { command: x, dependsOn: [b] }\n  b: { command: y, dependsOn: [a] }\n',
      'SPEC_DEPENDENCY_CYCLE',
      /a → b → a/,
    ],
    [
      'an unknown reference',
      `${good}    env: { X: "\${nope.thing}" }\n`,
      'SPEC_UNKNOWN_REFERENCE',
      /rehearse\.yaml:6:\d+ at services\.api\.env\.X/,
    ],
  ]

  it.each(cases)('%s', async (_name, spec, code, where) => {
    const r = await runCli(['validate', '-C', project(spec)])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`error[${code}]`)
    expect(r.stderr).toMatch(where)
    expect(r.stderr).toContain('hint:')
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/) // no stack trace
  })

  it('prints errors as JSON with --json', async () => {
    const r = await runCli(['validate', '--json', '-C', project(good.replace('health:', 'helth:'))])
    expect(r.code).toBe(2)
    const body = JSON.parse(r.stdout) as { error: { code: string; location: { line: number; path: string } } }
    expect(body.error.code).toBe('SPEC_UNKNOWN_KEY')
    expect(body.error.location).toMatchObject({ line: 5, path: 'services.api.helth' })
  })

  it('says where to start when there is no spec', async () => {
    const r = await runCli(['run', '-C', project(good), '--file', 'missing.yaml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error[SPEC_NOT_FOUND]')
  })

  it('rejects an unknown flag as usage', async () => {
    const r = await runCli(['validate', '--frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error[CLI_USAGE]')
  })
})

describe('rehearse init and schema', () => {
  it('writes a starter spec that validates, and refuses to overwrite it', async () => {
    const dir = project(good)
    const { rmSync } = await import('node:fs')
    rmSync(`${dir}/rehearse.yaml`)
    expect((await runCli(['init', '-C', dir])).code).toBe(0)
    const again = await runCli(['init', '-C', dir])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('error[FILE_EXISTS]')
    const v = await runCli(['validate', '-C', dir])
    expect(v.stderr).toBe('')
    expect(v.code).toBe(0)
  })

  it('prints a JSON Schema that names every section', async () => {
    const r = await runCli(['schema'])
    expect(r.code).toBe(0)
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> }
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'services', 'versions', 'smoke', 'gates']),
    )
  })
})
