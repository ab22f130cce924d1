/**
 * @module traffic/proxy/start-proxy
 * The proxy of Rehearse's data plane: an HTTP/1.1 reverse proxy on 127.0.0.1 that routes each
 * request to a named upstream target (baseline, candidate, …), measures it into a `SampleSink`,
 * injects faults, and streams bodies both ways. The data path is a dispatcher with composable
 * interceptors on undici Pools (one per target); the control API (fault rules, `/metrics`) listens
 * on a port of its own.
 */
import { createServer, type Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { RehearseError, throwIfAborted } from '../../core/errors.ts'
import { silentLogger } from '../../core/logger.ts'
import { seededUniform as seededRandom } from '../../core/seeded-random.ts'
import { DEFAULT_MAX_BODY_BYTES } from '../capture/capture-format.ts'
import { type CaptureRecorder, createCaptureRecorder } from '../capture/capture-recorder.ts'
import { createControlApi } from './control-api.ts'
import { createErrorResponseInterceptor } from './error-response-interceptor.ts'
import { createFaultInterceptor } from './fault-interceptor.ts'
import { FaultSet } from './fault-set.ts'
import { createMeasurementInterceptor } from './measurement-interceptor.ts'
import { createMirror, type Mirror } from './mirror-interceptor.ts'
import type { ProxyHandle, ProxyInterceptor, ProxyOptions } from './proxy.ts'
import { ProxyCounters } from './proxy-counters.ts'
import { createProxyMetrics } from './proxy-metrics.ts'
import { createRecordInterceptor } from './record-interceptor.ts'
import { createRequestListener } from './request-listener.ts'
import { createRouteKeyer } from './route-key.ts'
import { createRoutingInterceptor } from './routing-interceptor.ts'
import { TargetPools } from './target-pools.ts'

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

function listen(server: Server, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new RehearseError(
          'TRAFFIC_PROXY_LISTEN_FAILED',
          `The ${what} could not listen on ${host}:${port}: ${error.code ?? error.message}.`,
          {
            hint:
              error.code === 'EADDRINUSE'
                ? 'Another process holds the port: use port 0 or free it (ss -ltnp).'
                : 'Listen on 127.0.0.1.',
            cause: error,
          },
        ),
      )
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address()
      resolve(typeof address === 'object' && address !== null ? address.port : port)
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    // Keep-alive and in-flight connections would hold close() open: the proxy is going away.
    server.closeAllConnections()
  })
}

function urlOf(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Starts the proxy and its control API; resolves once both listen.
 * @throws RehearseError TRAFFIC_PROXY_INVALID_OPTIONS, TRAFFIC_FAULT_INVALID (bad options or
 * rules: nothing was started), TRAFFIC_PROXY_LISTEN_FAILED, INTERRUPTED.
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyHandle> {
  throwIfAborted(options.signal)
  const targetNames = Object.keys(options.targets)
  if (targetNames.length === 0) {
    throw new RehearseError('TRAFFIC_PROXY_INVALID_OPTIONS', 'The proxy needs at least one target.', {
      hint: 'Pass targets such as { baseline: "http://127.0.0.1:8081" }.',
      location: { path: 'targets' },
    })
  }
  for (const name of targetNames) {
    if (!TARGET_NAME.test(name)) {
      throw new RehearseError('TRAFFIC_PROXY_INVALID_OPTIONS', `Target name ${JSON.stringify(name)} is not usable.`, {
        hint: 'Target names are letters, digits, ".", "_" and "-".',
        location: { path: `targets.${name}` },
      })
    }
  }
  const logger = (options.logger ?? silentLogger).child({ component: 'proxy' })

  // Everything that can reject the options runs before anything listens.
  const faults = new FaultSet(targetNames, logger)
  faults.set(options.faults ?? [], 'faults')
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed)
  const routing = createRoutingInterceptor(targetNames, options.routing, random)
  const routeKey = createRouteKeyer(options.routes)
  const mirror: Mirror | undefined = options.mirror
    ? createMirror(options.mirror, {
        sink: options.sink,
        primaryTargets: targetNames,
        random,
        onError: (error) => logger.error({ err: error }, 'the mirror failed to report a shadow answer'),
      })
    : undefined
  const pools = new TargetPools(options.targets, options.upstream)
  let recorder: CaptureRecorder | undefined
  if (options.record) {
    const { path, ...recordOptions } = options.record
    try {
      recorder = await createCaptureRecorder(path, { ...recordOptions, signal: recordOptions.signal ?? options.signal })
    } catch (error) {
      await Promise.all([pools.destroy(), mirror?.close()])
      throw error
    }
  }

  const counters = new ProxyCounters(targetNames)
  let sinkErrors = 0
  const onSinkError = (error: unknown) => {
    // Logged for the first failure and then every 1000th, never once per request.
    if (sinkErrors++ % 1000 === 0)
      logger.error({ err: error, failures: sinkErrors }, 'the sample sink threw; samples are lost')
  }
  // Outermost first. Measurement sees what the client saw (faults and 502s included); routing
  // runs before faults so that rules can be aimed at one target. Recording and mirroring sit just
  // inside measurement: the capture holds the answer the client got, and a shadow gets the request
  // as the client sent it, whatever faults the primary suffers.
  const maxBodyBytes = options.record?.maxBodyBytes ?? options.record?.redaction?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const chain: ProxyInterceptor[] = [
    createMeasurementInterceptor(options.sink, counters, onSinkError),
    ...(recorder ? [createRecordInterceptor(recorder, { maxBodyBytes })] : []),
    ...(mirror ? [mirror.interceptor] : []),
    createErrorResponseInterceptor(),
    routing,
    createFaultInterceptor(faults, random),
  ]
  const dispatch = pools.composeChain(chain)

  const server = createServer({
    keepAlive: true,
    noDelay: true,
    // Bodies stream for as long as they take (a 1 GiB upload included); only the headers are timed.
    requestTimeout: 0,
    headersTimeout: 60_000,
  })
  server.on('request', createRequestListener(dispatch, routeKey))

  const registry = createProxyMetrics(counters, faults, () => pools.stats())
  const api = createControlApi({ faults, targets: options.targets, metrics: () => registry.metrics() })
  const control = createAdaptorServer({ fetch: api.fetch, overrideGlobalObjects: false }) as Server

  const host = options.listen?.host ?? '127.0.0.1'
  const controlHost = options.control?.host ?? '127.0.0.1'
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      options.signal?.removeEventListener('abort', onAbort)
      await Promise.all([closeServer(server), closeServer(control)])
      await Promise.all([pools.destroy(), mirror?.close()])
      // Last, so that every exchange that finished is in the capture before it moves into place.
      let recorded: Awaited<ReturnType<CaptureRecorder['close']>> | undefined
      if (recorder && (discardCapture || options.signal?.aborted)) await recorder.abort()
      else if (recorder) recorded = await recorder.close()
      logger.info({ ...(recorded ? { recorded: recorded.recorded, dropped: recorded.dropped } : {}) }, 'proxy closed')
    })()
    return closing
  }
  const onAbort = () => void close().catch(() => {})
  // A proxy that never listened leaves no capture behind, not even an empty one.
  let discardCapture = false

  let port: number
  let controlPort: number
  try {
    port = await listen(server, host, options.listen?.port ?? 0, 'proxy')
    controlPort = await listen(control, controlHost, options.control?.port ?? 0, 'proxy control API')
  } catch (error) {
    discardCapture = true
    await close()
    throw error
  }
  options.signal?.addEventListener('abort', onAbort, { once: true })
  if (options.signal?.aborted) {
    // Aborted while starting: nothing may be left listening, and the caller gets no handle.
    await close()
    throwIfAborted(options.signal)
  }

  const handle: ProxyHandle = {
    url: urlOf(host, port),
    controlUrl: urlOf(controlHost, controlPort),
    targets: targetNames,
    addFault: (rule) => faults.add(rule),
    removeFault: (name) => faults.remove(name),
    listFaults: () => faults.list(),
    setFaults: (rules) => faults.set(rules),
    resetFaults: () => faults.reset(),
    metrics: () => registry.metrics(),
    recording: () => recorder?.stats(),
    mirroring: () => mirror?.stats(),
    close,
  }
  logger.info({ url: handle.url, controlUrl: handle.controlUrl, targets: options.targets }, 'proxy listening')
  return handle
}
