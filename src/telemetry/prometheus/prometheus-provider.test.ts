/**
 * The Prometheus provider against a REAL Prometheus (Debian's `prometheus` package), started here
 * on a free port with basic auth, scraping a small server of this test that exposes
 * `GeneratorMetrics` — so the exposition text is also parsed by Prometheus itself. Skipped with a
 * message when the binary is absent outside CI; with CI set, a missing binary fails the test.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRehearseError } from '../../core/errors.ts'
import type { Sample } from '../../core/types.ts'
import type { Series } from '../metric-provider.ts'
import { GeneratorMetrics } from './generator-metrics.ts'
import { createPrometheusProvider } from './prometheus-provider.ts'

function findPrometheus(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']
  for (const dir of dirs) {
    try {
      accessSync(join(dir, 'prometheus'), constants.X_OK)
      return join(dir, 'prometheus')
    } catch {}
  }
  return undefined
}

const PROMETHEUS = findPrometheus()
const SKIP = !PROMETHEUS && !process.env['CI']
if (SKIP) {
  console.warn(
    'prometheus-provider.test.ts: skipped — no `prometheus` binary (apt-get install prometheus) and CI is not set',
  )
}

// bcrypt of "rehearse-test" (cost 4), for Prometheus' web config
const USER = 'rehearse'
const PASSWORD = 'rehearse-test'
const HASH = '$2b$04$EBCxZpaXIAIPKGjwnLydu.ASUsXM.f/UnPoNhRw0TCv3DG/NnPiIW'
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`

async function freePort(): Promise<number> {
  const server = createTcpServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const sample = (target: string, status: number): Sample => ({
  at: 0,
  target,
  route: 'GET /',
  status,
  latencyUs: 2000,
  bytes: 1,
})
const signal = () => new AbortController().signal
const byTarget = (series: Series[]) => Object.fromEntries(series.map((s) => [s.target, s.points.at(-1)?.[1]]))

describe.skipIf(SKIP)('createPrometheusProvider (real Prometheus)', () => {
  let dir: string
  let exporter: Server
  let prometheus: ChildProcess | undefined
  let promUrl: string
  let stderr = ''

  beforeAll(async () => {
    if (!PROMETHEUS) throw new Error('CI is set but the `prometheus` binary is missing: apt-get install prometheus')
    const metrics = new GeneratorMetrics()
    for (let i = 0; i < 25; i++) metrics.sink.record(sample('baseline', 200))
    for (let i = 0; i < 5; i++) metrics.sink.record(sample('baseline', 503))
    for (let i = 0; i < 20; i++) metrics.sink.record(sample('candidate', 200))
    exporter = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      metrics.text().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text))
    })
    await new Promise<void>((resolve) => exporter.listen(0, '127.0.0.1', resolve))
    const exporterPort = (exporter.address() as AddressInfo).port

    dir = mkdtempSync(join(tmpdir(), 'rehearse-prom-'))
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: rehearse\n    static_configs: [{ targets: ['127.0.0.1:${exporterPort}'] }]\n`,
    )
    writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  ${USER}: ${HASH}\n`)
    const port = await freePort()
    promUrl = `http://127.0.0.1:${port}`
    prometheus = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--web.config.file=${join(dir, 'web.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    prometheus.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000)
    })

    // Ready once a query sees both targets' scraped counters (bounded: 45 s).
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH, timeoutMs: 2000 })
    const deadline = Date.now() + 45_000
    for (;;) {
      if (prometheus.exitCode !== null) throw new Error(`prometheus exited (${prometheus.exitCode}): ${stderr}`)
      try {
        const series = await provider.query({ metric: 'sum by (target) (rehearse_load_requests_total)' }, signal())
        if (series.length === 2) break
      } catch {}
      if (Date.now() > deadline) throw new Error(`prometheus did not scrape the test's exporter in time: ${stderr}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((resolve) => prometheus!.once('exit', resolve))
      prometheus.kill('SIGTERM')
      const timer = setTimeout(() => prometheus!.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    await new Promise((resolve) => exporter?.close(resolve))
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('answers an instant query, one series per value of the target label', async () => {
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH })
    const series = await provider.query(
      { metric: 'requests', expr: 'sum by (target) (rehearse_load_requests_total)' },
      signal(),
    )
    expect(byTarget(series)).toEqual({ baseline: 30, candidate: 20 })
    expect(series.every((s) => s.metric === 'requests' && s.points.length === 1)).toBe(true)
    // only the targets asked for
    const one = await provider.query(
      { metric: 'sum by (target) (rehearse_load_requests_total)', targets: ['candidate'] },
      signal(),
    )
    expect(byTarget(one)).toEqual({ candidate: 20 })
  })

  it('asks once per target when the expression holds $target', async () => {
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH })
    const series = await provider.query(
      {
        metric: 'errors',
        expr: 'sum(rehearse_load_requests_total{target="$target",status_class="5xx"}) or vector(0)',
        targets: ['baseline', 'candidate'],
      },
      signal(),
    )
    expect(byTarget(series)).toEqual({ baseline: 5, candidate: 0 })
  })

  it('answers a range query with points inside the window', async () => {
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH, routeLabel: 'status_class' })
    const endMs = Date.now()
    const startMs = endMs - 5000
    const series = await provider.query(
      {
        metric: 'requests',
        expr: 'sum by (target, status_class) (rehearse_load_requests_total)',
        startMs,
        endMs,
        stepMs: 1000,
      },
      signal(),
    )
    const baseline2xx = series.find((s) => s.target === 'baseline' && s.route === '2xx')
    expect(baseline2xx).toBeDefined()
    expect(baseline2xx!.points.length).toBeGreaterThan(0)
    for (const [t, v] of baseline2xx!.points) {
      expect(t).toBeGreaterThanOrEqual(startMs - 1000)
      expect(t).toBeLessThanOrEqual(endMs + 1000)
      expect(v).toBe(25)
    }
  })

  it('maps missing credentials to TELEMETRY_PROMETHEUS_AUTH', async () => {
    const provider = createPrometheusProvider({ url: promUrl })
    await expect(provider.query({ metric: 'up' }, signal())).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TELEMETRY_PROMETHEUS_AUTH' && e.exitCode === 2,
    )
  })

  it('maps a bad expression to TELEMETRY_PROMETHEUS_QUERY with Prometheus’ reason', async () => {
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH })
    await expect(provider.query({ metric: 'sum(rate(x[5m]' }, signal())).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TELEMETRY_PROMETHEUS_QUERY' && /parse error/.test(e.message),
    )
  })

  it('maps a server that is not Prometheus to TELEMETRY_PROMETHEUS_RESPONSE', async () => {
    const { port } = exporter.address() as AddressInfo
    const provider = createPrometheusProvider({ url: `http://127.0.0.1:${port}` })
    await expect(provider.query({ metric: 'up' }, signal())).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TELEMETRY_PROMETHEUS_RESPONSE' && e.exitCode === 3,
    )
  })

  it('rejects with the signal’s reason when aborted', async () => {
    const provider = createPrometheusProvider({ url: promUrl, authorization: AUTH })
    const controller = new AbortController()
    controller.abort()
    await expect(provider.query({ metric: 'up' }, controller.signal)).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'INTERRUPTED',
    )
  })
})

describe('createPrometheusProvider (no server needed)', () => {
  it('rejects a URL that is not http(s)', () => {
    expect(() => createPrometheusProvider({ url: 'ftp://x' })).toThrow(
      expect.objectContaining({ code: 'TELEMETRY_PROMETHEUS_URL' }),
    )
  })

  it('maps a refused connection to TELEMETRY_PROMETHEUS_UNREACHABLE', async () => {
    const port = await freePort() // nothing listens there any more
    const provider = createPrometheusProvider({ url: `http://127.0.0.1:${port}` })
    await expect(provider.query({ metric: 'up' }, signal())).rejects.toSatisfy(
      (e) => isRehearseError(e) && e.code === 'TELEMETRY_PROMETHEUS_UNREACHABLE' && /ECONNREFUSED/.test(e.message),
    )
  })

  it('maps a server that never answers to TELEMETRY_PROMETHEUS_TIMEOUT', async () => {
    // A TCP listener that accepts and stays silent: the provider's own timeout must fire.
    const sockets: Socket[] = []
    const silent = createTcpServer((socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = silent.address() as AddressInfo
      const provider = createPrometheusProvider({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 })
      await expect(provider.query({ metric: 'up' }, signal())).rejects.toSatisfy(
        (e) => isRehearseError(e) && e.code === 'TELEMETRY_PROMETHEUS_TIMEOUT',
      )
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })
})
