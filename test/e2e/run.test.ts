import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { alive, processesWith, recordedPids, serve, tempProject } from './project.ts'
import { runCli } from './run-cli.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
function project(spec: string): string {
  const p = tempProject(spec)
  cleanups.push(async () => {
    await runCli(['down', '-C', p.dir])
    p.cleanup()
  })
  return p.dir
}

const twoServices = (extra = '', candidateEnv = '{}') => `name: demo
services:
  backend:
    command: ${serve}
    env: { NAME: backend }
    health: { http: /healthz, interval: 50ms }
  api:
    command: ${serve}
    env: { NAME: api, UPSTREAM_URL: "\${services.backend.url}" }
    health: { http: /healthz, interval: 50ms, timeout: 20s }
    dependsOn: [backend]
versions:
  baseline: { services: { api: { env: { FLAVOUR: v1 } } } }
  candidate: { services: { api: { env: ${candidateEnv} } } }
smoke:
  - GET /healthz -> 200
  - GET /upstream -> 200
${extra}`

describe('rehearse run (the spine, smoke gate only)', () => {
  it('promotes a candidate that passes its smoke checks, and records everything', async () => {
    const dir = project(twoServices())
    const r = await runCli(['run', '-C', dir])
    expect(r.stderr).toContain('✓ deploy')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('PROMOTE')

    const history = await runCli(['history', '--json', '-C', dir])
    const [record] = JSON.parse(history.stdout) as Array<{
      id: string
      verdict: string
      exitCode: number
      status: string
    }>
    expect(record).toMatchObject({ verdict: 'promote', exitCode: 0, status: 'finished' })

    const show = await runCli(['show', record!.id.slice(0, 12), '--json', '-C', dir])
    const detail = JSON.parse(show.stdout) as {
      events: Array<{ type: string; seq: number; data: Record<string, unknown> }>
    }
    const types = detail.events.map((e) => e.type)
    expect(types[0]).toBe('rehearsal.started')
    expect(types).toEqual(
      expect.arrayContaining(['service.ready', 'smoke.result', 'gate.evaluated', 'verdict', 'rehearsal.finished']),
    )
    expect(detail.events.map((e) => e.seq)).toEqual(detail.events.map((_, i) => i + 1))
    // api ran twice (baseline and candidate), backend once; nothing is left running.
    const ready = detail.events.filter((e) => e.type === 'service.ready').map((e) => e.data['instance'])
    expect(ready.sort()).toEqual(['api@baseline', 'api@candidate', 'backend'])
    expect(recordedPids(dir).filter(alive)).toEqual([])
  })

  it('rolls back a candidate that fails a smoke check, naming the request', async () => {
    const dir = project(
      twoServices().replace('  - GET /upstream -> 200', '  - GET /upstream -> 200\n  - GET /missing -> 404'),
    )
    const r = await runCli(['run', '-C', dir])
    // The fixture answers 200 to anything: the candidate (and the baseline) fail "GET /missing -> 404".
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('ROLLBACK')
    expect(r.stdout).toContain('GET /missing on api@candidate answered 200, expected 404')
  })

  it('exits 3 when a service never becomes healthy, naming it with its last log lines, and leaves nothing running', async () => {
    const dir = project(twoServices('', '{ NEVER_HEALTHY: "1" }').replace('timeout: 20s', 'timeout: 1500ms'))
    const r = await runCli(['run', '-C', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('error[DRIVER_UNHEALTHY]')
    expect(r.stderr).toContain('api@candidate')
    expect(r.stderr).toContain('api listening on')
    expect(recordedPids(dir).filter(alive)).toEqual([])
  })

  it('fails the rehearsal when the candidate crashes mid-run, with the crash as the reason', async () => {
    const dir = project(twoServices('', '{ CRASH_ON_PATH: /upstream }'))
    const r = await runCli(['run', '-C', dir])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('ROLLBACK')
    expect(r.stdout).toMatch(/api@candidate exited with code 7 while the rehearsal ran/)
    expect(r.stdout).toContain('crashing on /upstream as configured')
    const show = await runCli(['history', '--json', '-C', dir])
    expect(JSON.parse(show.stdout)[0]).toMatchObject({ verdict: 'rollback' })
  })

  it('names the port and the service when a fixed port is taken', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
    const port = (blocker.address() as { port: number }).port
    const dir = project(
      twoServices().replace('    env: { NAME: backend }', `    env: { NAME: backend }\n    port: ${port}`),
    )
    const r = await runCli(['run', '-C', dir])
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('error[DRIVER_PORT_IN_USE]')
    expect(r.stderr).toContain(String(port))
    expect(r.stderr).toContain('backend')
  })

  it('tears everything down on Ctrl-C, exits 3 and records the run as interrupted', async () => {
    const spec = twoServices('', '{ SLOW_PATH: /slow }').replace(
      '  - GET /upstream -> 200',
      '  - { request: GET /slow, status: 200, timeout: 60s }',
    )
    const dir = project(spec)
    let interrupted = false
    const r = await runCli(['run', '-C', dir], {
      onOutput: (text, child) => {
        if (!interrupted && /✓ deploy/.test(text)) {
          interrupted = true
          child.kill('SIGINT')
        }
      },
    })
    expect(r.code).toBe(3)
    expect(r.stderr).toContain('error[INTERRUPTED]')
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/)
    expect(recordedPids(dir).length).toBeGreaterThan(0)
    expect(recordedPids(dir).filter(alive)).toEqual([])
    const history = await runCli(['history', '--json', '-C', dir])
    expect(JSON.parse(history.stdout)[0]).toMatchObject({ status: 'interrupted', exitCode: 3 })
  })

  it('resumes a rehearsal whose process was killed, under the same id, to a verdict', async () => {
    const spec = twoServices('', '{ SLOW_PATH: /slow }').replace(
      '  - GET /upstream -> 200',
      '  - { request: GET /slow, status: 200, timeout: 3s }',
    )
    const dir = project(spec)
    let killed = false
    const first = await runCli(['run', '-C', dir], {
      onOutput: (text, child) => {
        if (!killed && /✓ deploy/.test(text)) {
          killed = true
          child.kill('SIGKILL')
        }
      },
    })
    expect(first.signal).toBe('SIGKILL')
    const [record] = JSON.parse((await runCli(['history', '--json', '-C', dir])).stdout) as Array<{
      id: string
      status: string
    }>
    expect(record!.status).toBe('interrupted')

    const resumed = await runCli(['resume', record!.id, '-C', dir])
    // The candidate's /slow answers after 60 s, so its smoke check times out: a real verdict.
    expect(resumed.code, resumed.stderr).toBe(1)
    expect(resumed.stdout).toContain('ROLLBACK')
    expect(resumed.stdout).toContain(record!.id)
    const [after] = JSON.parse((await runCli(['history', '--json', '-C', dir])).stdout) as Array<{
      id: string
      status: string
      verdict: string
    }>
    expect(after).toMatchObject({ id: record!.id, status: 'finished', verdict: 'rollback' })
    expect(recordedPids(dir).filter(alive)).toEqual([])

    const again = await runCli(['resume', record!.id, '-C', dir])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('error[REHEARSAL_NOT_RESUMABLE]')
  })

  it('leaves no process alive after `rehearse down` when the run itself was killed with SIGKILL', async () => {
    const marker = `marker-${process.pid}-${Date.now()}`
    const spec = twoServices('', `{ SLOW_PATH: /slow, MARKER: ${marker} }`)
      .replace(`command: ${serve}\n    env: { NAME: api`, `command: ${serve} ${marker}\n    env: { NAME: api`)
      .replace('  - GET /upstream -> 200', '  - { request: GET /slow, status: 200, timeout: 60s }')
    const dir = project(spec)
    let killed = false
    const r = await runCli(['run', '-C', dir], {
      onOutput: (_text, child) => {
        if (!killed && /deploy/.test(_text) && /✓ deploy/.test(_text)) {
          killed = true
          child.kill('SIGKILL')
        }
      },
    })
    expect(r.signal).toBe('SIGKILL')
    expect(processesWith(marker).length).toBeGreaterThan(0) // the environment outlived its owner
    const down = await runCli(['down', '-C', dir])
    expect(down.code).toBe(0)
    expect(processesWith(marker)).toEqual([])
    expect(recordedPids(dir).filter(alive)).toEqual([])
    // The store knows the run did not finish.
    const history = await runCli(['history', '--json', '-C', dir])
    expect(JSON.parse(history.stdout)[0]).toMatchObject({ status: 'interrupted' })
  })
})
