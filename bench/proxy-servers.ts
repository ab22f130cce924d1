/**
 * One proxy of the benchmark, in its own process: `node bench/proxy-servers.ts KIND UPSTREAM_URL`
 * with KIND one of rehearse | fastify | http-proxy | bare. Prints `{"url": …, "pid": …}` once it listens;
 * stops on SIGTERM.
 *
 * - rehearse: `startProxy` with measurement on (samples into an HDR histogram per target, as the
 *   telemetry sink does) and no fault rule.
 * - fastify: fastify 5 with @fastify/http-proxy (undici pool upstream, its default).
 * - http-proxy: node-http-proxy on a node:http server, with a keep-alive agent (without one it
 *   opens a connection per request and would lose for that reason alone).
 * - bare: not a proxy anyone should use — node:http and one undici Pool with nothing but the
 *   copying of status, headers and body (no hop-by-hop handling, no measurement, no error
 *   answers). The floor of the node:http + undici architecture, to see what Rehearse's
 *   interceptors cost on top of it.
 */
import { Agent, createServer } from 'node:http'
import fastifyHttpProxy from '@fastify/http-proxy'
import fastify from 'fastify'
import * as hdr from 'hdr-histogram-js'
import httpProxy from 'http-proxy'
import { type Dispatcher, Pool } from 'undici'
import type { Sample, SampleSink } from '../src/core/types.ts'
import { startProxy } from '../src/traffic/proxy/start-proxy.ts'

const [kind, upstream] = process.argv.slice(2)
if (!kind || !upstream)
  throw new Error('usage: node bench/proxy-servers.ts rehearse|fastify|http-proxy|bare UPSTREAM_URL')

/** What a real sink does per sample: one histogram record and a few counters per target. */
class HistogramSink implements SampleSink {
  readonly histograms = new Map<string, hdr.Histogram>()
  errors = 0
  record(sample: Sample): void {
    let histogram = this.histograms.get(sample.target)
    if (histogram === undefined) {
      histogram = hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 60_000_000,
        numberOfSignificantValueDigits: 3,
      })
      this.histograms.set(sample.target, histogram)
    }
    histogram.recordValue(Math.min(sample.latencyUs, 60_000_000))
    if (sample.status >= 500 || sample.cause !== undefined) this.errors++
  }
}

let url: string
let stop: () => Promise<unknown>
if (kind === 'rehearse') {
  const proxy = await startProxy({ targets: { baseline: upstream }, sink: new HistogramSink() })
  url = proxy.url
  stop = () => proxy.close()
} else if (kind === 'fastify') {
  const app = fastify({ logger: false })
  await app.register(fastifyHttpProxy, { upstream })
  url = await app.listen({ host: '127.0.0.1', port: 0 })
  stop = () => app.close()
} else if (kind === 'http-proxy') {
  const proxy = httpProxy.createProxyServer({
    target: upstream,
    agent: new Agent({ keepAlive: true, maxSockets: 256 }),
  })
  proxy.on('error', (_error, _req, res) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502)
    res.end()
  })
  const server = createServer((req, res) => proxy.web(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  stop = async () => {
    server.close()
    server.closeAllConnections()
    proxy.close()
  }
} else if (kind === 'bare') {
  const pool = new Pool(upstream, { connections: 256 })
  const server = createServer({ keepAlive: true }, (req, res) => {
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_controller, status, headers) {
        res.writeHead(status, headers as Record<string, string>)
      },
      onResponseData(_controller, chunk) {
        res.write(chunk)
      },
      onResponseEnd() {
        res.end()
      },
      onResponseError() {
        res.destroy()
      },
    }
    pool.dispatch(
      { path: req.url ?? '/', method: 'GET', headers: { host: req.headers.host ?? '' }, body: null },
      handler,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  stop = async () => {
    server.close()
    server.closeAllConnections()
    await pool.close()
  }
} else {
  throw new Error(`unknown proxy kind ${kind}`)
}
console.log(JSON.stringify({ url, pid: process.pid }))
// With --expose-gc, SIGUSR2 collects garbage and prints the heap that is still in use: RSS alone
// cannot tell a leak from V8 keeping a larger heap around.
const gc = (globalThis as { gc?: () => void }).gc
if (gc) {
  process.on('SIGUSR2', () => {
    gc()
    const { heapUsed, heapTotal, external, rss } = process.memoryUsage()
    console.log(JSON.stringify({ heapUsed, heapTotal, external, rss }))
  })
}
process.on('SIGTERM', () => void stop().then(() => process.exit(0)))
