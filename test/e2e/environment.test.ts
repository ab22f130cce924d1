import { afterEach, describe, expect, it } from 'vitest'
import { alive, recordedPids, serve, tempProject } from './project.ts'
import { runCli } from './run-cli.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const spec = `name: env-demo
services:
  backend:
    command: ${serve}
    env: { NAME: backend }
    health: { http: /healthz, interval: 50ms }
  api:
    command: ${serve}
    env: { NAME: api, UPSTREAM_URL: "\${services.backend.url}" }
    health: { http: /healthz, interval: 50ms }
    dependsOn: [backend]
versions:
  candidate: { services: { api: { env: { FLAVOUR: v2 } } } }
`

describe('rehearse up / status / logs / down', () => {
  it('keeps an environment up after the command returns, shows it, streams its logs and stops it', async () => {
    const p = tempProject(spec)
    cleanups.push(async () => {
      await runCli(['down', '-C', p.dir])
      p.cleanup()
    })
    const up = await runCli(['up', '--json', '-C', p.dir])
    expect(up.code, up.stderr).toBe(0)
    const { id, services } = JSON.parse(up.stdout) as { id: string; services: Array<{ instance: string; url: string }> }
    expect(services.map((s) => s.instance).sort()).toEqual(['api@baseline', 'api@candidate', 'backend'])

    // The services outlived `rehearse up` and answer, wired to each other.
    const api = services.find((s) => s.instance === 'api@candidate')!
    const answer = (await (await fetch(`${api.url}/upstream`)).json()) as { name: string; upstream: string }
    expect(answer.name).toBe('api')
    expect(JSON.parse(answer.upstream)).toMatchObject({ name: 'backend' })

    const status = JSON.parse((await runCli(['status', '--json', '-C', p.dir])).stdout) as Array<{
      id: string
      services: Array<{ instance: string; state: string }>
    }>
    expect(status[0]!.id).toBe(id)
    expect(status[0]!.services.map((s) => s.state)).toEqual(['healthy', 'healthy', 'healthy'])

    // A service name means both of its versions.
    const logs = await runCli(['logs', 'api', '-C', p.dir])
    expect(logs.code).toBe(0)
    expect(logs.stdout).toMatch(/api@baseline .*api listening on/)
    expect(logs.stdout).toMatch(/api@candidate .*api listening on/)

    // -f follows until interrupted, and Ctrl-C ends it cleanly.
    let seen = ''
    const follow = await runCli(['logs', 'backend', '-f', '-C', p.dir], {
      onOutput: (text, child) => {
        seen += text
        if (seen.includes('backend listening on')) child.kill('SIGINT')
      },
      timeoutMs: 20_000,
    })
    expect(follow.signal).toBeNull()
    expect(follow.code).toBe(0)

    const unknown = await runCli(['logs', 'nope', '-C', p.dir])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('error[DRIVER_UNKNOWN_SERVICE]')

    const down = await runCli(['down', '-C', p.dir])
    expect(down.code).toBe(0)
    expect(recordedPids(p.dir).filter(alive)).toEqual([])
    expect((await runCli(['down', '-C', p.dir])).code).toBe(0) // idempotent
  })

  it('says so when there is no environment', async () => {
    const p = tempProject(spec)
    cleanups.push(() => p.cleanup())
    const r = await runCli(['logs', 'api', '-C', p.dir])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('error[DRIVER_NO_ENVIRONMENT]')
  })
})
