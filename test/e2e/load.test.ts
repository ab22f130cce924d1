import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './run-cli.ts'

let server: Server
let url = ''
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') res.statusCode = 404
    res.end(req.url === '/missing' ? 'no' : 'ok')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

type Result = {
  arrivals: number
  targets: Array<{
    requests: number
    responses: number
    errors: number
    byStatus: Record<string, number>
    byCause: Record<string, number>
  }>
}

describe('rehearse load', () => {
  it('sends the asked-for number of requests and reports them as JSON', async () => {
    const r = await runCli(['load', url, '--rate', '100/s', '--duration', '2s', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as Result
    expect(result.arrivals).toBe(200)
    expect(result.targets[0]).toMatchObject({ requests: 200, responses: 200, errors: 0 })
  })

  it('runs a scenario file and names a bad template by file, line and path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-load-'))
    try {
      writeFileSync(
        join(dir, 'scenario.yaml'),
        'traffic:\n  scenario:\n    - { weight: 3, request: "GET /x?page=${rand.int(1,3)}" }\n    - { weight: 1, request: GET /missing }\n  phases:\n    - { duration: 1s, rate: 60/s }\n',
      )
      const ok = await runCli(['load', url, '--scenario', 'scenario.yaml', '--json', '-C', dir])
      expect(ok.code, ok.stderr).toBe(0)
      const result = JSON.parse(ok.stdout) as Result
      expect(result.targets[0]!.byStatus['404']).toBeGreaterThan(0)
      expect(result.targets[0]!.byStatus['200']).toBeGreaterThan(result.targets[0]!.byStatus['404']!)

      writeFileSync(
        join(dir, 'bad.yaml'),
        'traffic:\n  scenario:\n    - { request: "GET /x?page=${rand.nope(1)}" }\n  phases:\n    - { duration: 1s, rate: fast }\n',
      )
      const bad = await runCli(['load', url, '--scenario', 'bad.yaml', '-C', dir])
      expect(bad.code).toBe(2)
      expect(bad.stderr).toMatch(/error\[\w+\]/)
      expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+ at traffic\.phases\.0\.rate/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rejects an invalid rate or duration with exit 2', async () => {
    for (const args of [
      ['--rate', 'fast'],
      ['--duration', 'forever'],
      ['--rate', '0/s'],
    ]) {
      const r = await runCli(['load', url, ...args])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('error[CLI_USAGE]')
    }
  })

  it('counts refused connections by cause, keeps going and ends on time', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const r = await runCli(['load', `http://127.0.0.1:${port}`, '--rate', '50/s', '--duration', '1s', '--json'], {
      timeoutMs: 30_000,
    })
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as Result
    expect(result.targets[0]!.byCause['connect-refused']).toBe(50)
  })
})
