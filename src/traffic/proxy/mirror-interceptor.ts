/**
 * @module traffic/proxy/mirror-interceptor
 * Shadowing: a copy of each sampled request goes to every shadow target while the primary answers
 * the client, which never sees a shadow's answer. A mirrored write must not reach anything real:
 * unsafe methods are mirrored only on routes declared safe or to targets marked as sandboxes.
 * Each target's queue is bounded (copies past it are dropped and counted), bodies are copied up to
 * a limit (larger ones are not mirrored), and shadows have their own connection pools and
 * timeouts, so a slow or dead shadow costs the primary neither time nor unbounded memory.
 * Shadows' answers become samples labelled with their target, and — with `onResponses` — land
 * next to the primary's for the response diff.
 */

import { performance } from 'node:perf_hooks'
import { type Dispatcher, Pool } from 'undici'
import { RehearseError } from '../../core/errors.ts'
import type { UniformRandom as Random } from '../../core/seeded-random.ts'
import type { ErrorCause, SampleSink } from '../../core/types.ts'
import { errorCauseOf } from '../load/error-cause.ts'
import { type ObservedResponse, observeResponse } from '../replay/observed-response.ts'
import { BodyCopy, type BodyTap, tapBody } from './body-tap.ts'
import { ForwardingHandler } from './forwarding-handler.ts'
import { compilePattern } from './pattern.ts'
import type {
  MirrorObservation,
  MirrorOptions,
  MirrorStats,
  MirrorTargetStats,
  ProxyController,
  ProxyHandler,
  ProxyInterceptor,
  ProxyRequest,
  ResponseHeaders,
} from './proxy.ts'
import { fnv1a, headerValue } from './routing-interceptor.ts'

/** Methods that do not change anything by definition (RFC 9110 §9.2.1); every other one is unsafe. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const MiB = 1024 * 1024
const timeOrigin = performance.timeOrigin

type Shadow = { name: string; sandbox: boolean; pool: Pool; stats: MirrorTargetStats }

export type Mirror = {
  interceptor: ProxyInterceptor
  stats(): MirrorStats
  /** Fails the copies in flight and closes every shadow connection. */
  close(): Promise<void>
}

function invalid(message: string, path: string): RehearseError {
  return new RehearseError('SHADOW_INVALID_OPTIONS', message, {
    hint: 'Shadow targets are named http origins ({ shadow: "http://127.0.0.1:8082" } or { url, sandbox: true }); rate is 0 to 1; safeRoutes are route patterns such as "POST /search".',
    location: { path },
  })
}

function originOf(name: string, url: string): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(url)
  } catch {
    parsed = undefined
  }
  if (parsed?.protocol !== 'http:' || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search)
    throw invalid(`Shadow target ${name} (${JSON.stringify(url)}) is not an http origin.`, `mirror.targets.${name}`)
  return parsed.origin
}

/** Sends one copy to one shadow and gathers what comes back. */
class ShadowHandler implements Dispatcher.DispatchHandler {
  readonly #mirrored: MirroredRequest
  readonly #shadow: Shadow
  readonly #sentAt = performance.now()
  #status = 0
  #headers: ResponseHeaders = {}
  #body: BodyCopy | undefined
  #bytes = 0
  #done = false

  constructor(mirrored: MirroredRequest, shadow: Shadow) {
    this.#mirrored = mirrored
    this.#shadow = shadow
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders): void {
    this.#status = statusCode
    this.#headers = headers
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#bytes += chunk.length
    if (this.#mirrored.observe) {
      this.#body ??= new BodyCopy(this.#mirrored.mirror.maxResponseBytes)
      this.#body.add(chunk)
    }
  }

  onResponseEnd(): void {
    this.#finish(undefined)
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#finish(errorCauseOf(error))
  }

  #finish(cause: ErrorCause | undefined): void {
    if (this.#done) return
    this.#done = true
    const stats = this.#shadow.stats
    stats.pending--
    if (cause === undefined) stats.completed++
    else stats.errors++
    const now = performance.now()
    const request = this.#mirrored.request
    const status = cause === undefined ? this.#status : 0
    this.#mirrored.mirror.sample({
      at: timeOrigin + this.#sentAt,
      target: this.#shadow.name,
      route: request.route,
      status,
      latencyUs: Math.round((now - this.#sentAt) * 1000),
      bytes: this.#bytes,
      cause,
    })
    const observed = this.#mirrored.observe
      ? observeResponse(status, this.#headers, this.#body, {
          cause,
          ms: now - this.#sentAt,
          maxBytes: this.#mirrored.mirror.maxResponseBytes,
        })
      : undefined
    this.#mirrored.shadowDone(this.#shadow.name, observed)
  }
}

/** murmur3's finaliser: spreads FNV's poorly mixed high bits, so that similar keys sample independently. */
function mix32(hash: number): number {
  let h = hash
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/** The mirror's state for one request: the copies, and the join of every answer for `onResponses`. */
class MirroredRequest {
  readonly request: ProxyRequest
  readonly mirror: MirrorRuntime
  readonly shadows: Shadow[]
  readonly observe: boolean
  readonly #answers: Record<string, ObservedResponse> = {}
  #primary: ObservedResponse | undefined
  #outstanding: number
  #sent = false
  #cancelled = false

  constructor(request: ProxyRequest, mirror: MirrorRuntime, shadows: Shadow[]) {
    this.request = request
    this.mirror = mirror
    this.shadows = shadows
    this.observe = mirror.onResponses !== undefined
    this.#outstanding = shadows.length
  }

  /** Sends the copies (once the client's whole body is known, for a request with a body). */
  send(body: Buffer | null): void {
    if (this.#sent || this.#cancelled) return
    this.#sent = true
    const { method, path, headers } = this.request
    const timeout = this.mirror.timeoutMs
    for (const shadow of this.shadows) {
      shadow.stats.mirrored++
      shadow.pool.dispatch(
        { method, path, headers, body, headersTimeout: timeout, bodyTimeout: timeout },
        new ShadowHandler(this, shadow),
      )
    }
  }

  /** The client's body broke off or never came: no copy is sent, the reserved slots are freed. */
  cancel(reason: 'cancelled' | 'tooLarge'): void {
    if (this.#sent || this.#cancelled) return
    this.#cancelled = true
    for (const shadow of this.shadows) {
      shadow.stats.pending--
      shadow.stats[reason]++
    }
  }

  primaryDone(observed: ObservedResponse | undefined): void {
    // Without its whole body the request cannot be copied faithfully.
    if (!this.#sent) this.cancel('cancelled')
    this.#primary = observed
    this.#maybeObserve()
  }

  shadowDone(name: string, observed: ObservedResponse | undefined): void {
    this.#outstanding--
    if (observed) this.#answers[name] = observed
    this.#maybeObserve()
  }

  #maybeObserve(): void {
    if (!this.observe || !this.#sent || this.#outstanding > 0 || this.#primary === undefined) return
    const { method, path, route } = this.request
    const observation: MirrorObservation = {
      method,
      path,
      route,
      primary: this.#primary,
      shadows: this.#answers,
    }
    this.mirror.observed(observation)
  }
}

/** Passes the primary's answer to the client untouched, keeping a copy when answers are compared. */
class PrimaryHandler extends ForwardingHandler {
  readonly #mirrored: MirroredRequest
  #status = 0
  #headers: ResponseHeaders = {}
  #body: BodyCopy | undefined
  #done = false

  constructor(next: ProxyHandler, mirrored: MirroredRequest) {
    super(next)
    this.#mirrored = mirrored
  }

  override onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.#status = statusCode
    this.#headers = headers
    this.next.onResponseStart(controller, statusCode, headers, statusMessage)
  }

  override onResponseData(controller: ProxyController, chunk: Buffer): void {
    if (this.#mirrored.observe) {
      this.#body ??= new BodyCopy(this.#mirrored.mirror.maxResponseBytes)
      this.#body.add(chunk)
    }
    this.next.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void {
    this.next.onResponseEnd(controller, trailers)
    this.#finish(undefined)
  }

  override onResponseError(controller: ProxyController, error: Error): void {
    this.next.onResponseError(controller, error)
    this.#finish(errorCauseOf(error))
  }

  #finish(cause: ErrorCause | undefined): void {
    if (this.#done) return
    this.#done = true
    const mirror = this.#mirrored.mirror
    const request = this.#mirrored.request
    const observed = this.#mirrored.observe
      ? observeResponse(cause === undefined ? this.#status : 0, this.#headers, this.#body, {
          cause,
          ms: performance.now() - request.startedAt,
          maxBytes: mirror.maxResponseBytes,
        })
      : undefined
    this.#mirrored.primaryDone(observed)
  }
}

/** What the per-request objects share. */
type MirrorRuntime = {
  maxResponseBytes: number
  timeoutMs: number
  onResponses: MirrorOptions['onResponses']
  sample: SampleSink['record']
  observed(observation: MirrorObservation): void
}

/**
 * The mirror for these options; `primaryTargets` are the proxy's own target names (a shadow may
 * not reuse one: their samples would mix). Throws SHADOW_INVALID_OPTIONS before opening anything.
 */
export function createMirror(
  options: MirrorOptions,
  deps: {
    sink: SampleSink
    primaryTargets: readonly string[]
    random?: Random
    onError?: (error: unknown) => void
  },
): Mirror {
  const rate = options.rate ?? 1
  if (!(rate >= 0 && rate <= 1)) throw invalid(`mirror.rate must be between 0 and 1, got ${rate}.`, 'mirror.rate')
  const entries = Object.entries(options.targets)
  if (entries.length === 0) throw invalid('The mirror needs at least one shadow target.', 'mirror.targets')
  const limits: Array<[string, number | undefined]> = [
    ['maxQueue', options.maxQueue],
    ['maxBodyBytes', options.maxBodyBytes],
    ['maxResponseBytes', options.maxResponseBytes],
    ['timeoutMs', options.timeoutMs],
    ['connections', options.connections],
  ]
  for (const [key, value] of limits) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      throw invalid(`mirror.${key} must be a positive integer, got ${value}.`, `mirror.${key}`)
  }
  const safeRoutes = (options.safeRoutes ?? []).map((pattern, i) => {
    try {
      return { regexp: compilePattern(pattern, { segmented: true }), pathOnly: pattern.startsWith('/') }
    } catch (error) {
      throw invalid(`mirror.safeRoutes[${i}] is not a valid pattern: ${(error as Error).message}`, `mirror.safeRoutes`)
    }
  })
  const resolved = entries.map(([name, target]) => {
    if (deps.primaryTargets.includes(name))
      throw invalid(`Shadow target ${name} has the name of one of the proxy's targets.`, `mirror.targets.${name}`)
    const spec = typeof target === 'string' ? { url: target } : target
    return { name, origin: originOf(name, spec.url), sandbox: spec.sandbox === true }
  })

  const maxQueue = options.maxQueue ?? 256
  const maxBodyBytes = options.maxBodyBytes ?? MiB
  const timeoutMs = options.timeoutMs ?? 10_000
  const random = deps.random ?? Math.random
  const sticky = options.stickyHeader?.toLowerCase()
  const onError = deps.onError ?? (() => {})
  let sampledOut = 0

  const shadows: Shadow[] = resolved.map(({ name, origin, sandbox }) => ({
    name,
    sandbox,
    pool: new Pool(origin, {
      connections: options.connections ?? 64,
      pipelining: 1,
      connectTimeout: Math.min(timeoutMs, 10_000),
      keepAliveTimeout: 4_000,
    }),
    stats: {
      mirrored: 0,
      completed: 0,
      errors: 0,
      dropped: 0,
      skippedUnsafe: 0,
      tooLarge: 0,
      cancelled: 0,
      pending: 0,
    },
  }))

  const runtime: MirrorRuntime = {
    maxResponseBytes: options.maxResponseBytes ?? MiB,
    timeoutMs,
    onResponses: options.onResponses,
    sample(sample) {
      try {
        deps.sink.record(sample)
      } catch (error) {
        onError(error)
      }
    },
    observed(observation) {
      try {
        options.onResponses?.(observation)
      } catch (error) {
        onError(error)
      }
    },
  }

  const sampled = (headers: readonly string[]): boolean => {
    if (rate >= 1) return true
    if (rate <= 0) return false
    const key = sticky === undefined ? undefined : headerValue(headers, sticky)
    const point = key === undefined ? random() : mix32(fnv1a(key)) / 0x1_0000_0000
    return point < rate
  }

  const routeDeclaredSafe = (request: ProxyRequest): boolean => {
    for (const route of safeRoutes) {
      const key = route.pathOnly ? request.route.slice(request.route.indexOf(' ') + 1) : request.route
      if (route.regexp.test(key)) return true
    }
    return false
  }

  const interceptor: ProxyInterceptor = (dispatch) => (request, handler) => {
    if (!sampled(request.headers)) {
      sampledOut++
      return dispatch(request, handler)
    }
    const unsafe = !SAFE_METHODS.has(request.method)
    const allowedAnywhere = !unsafe || routeDeclaredSafe(request)
    let chosen: Shadow[] | undefined
    for (const shadow of shadows) {
      if (!allowedAnywhere && !shadow.sandbox) {
        shadow.stats.skippedUnsafe++
        continue
      }
      if (shadow.stats.pending >= maxQueue) {
        shadow.stats.dropped++
        continue
      }
      // The slot is taken now, so that copies waiting for their body count against the bound too.
      shadow.stats.pending++
      if (chosen === undefined) chosen = [shadow]
      else chosen.push(shadow)
    }
    if (chosen === undefined) return dispatch(request, handler)
    const mirrored = new MirroredRequest(request, runtime, chosen)
    if (request.body === null) {
      mirrored.send(null)
    } else {
      request.body = tapBody(request.body, maxBodyBytes + 1, (tap: BodyTap) => {
        if (tap.copy.total > maxBodyBytes) mirrored.cancel('tooLarge')
        else mirrored.send(tap.copy.bytes())
      })
    }
    return dispatch(request, new PrimaryHandler(handler, mirrored))
  }

  return {
    interceptor,
    stats: () => ({
      sampledOut,
      targets: Object.fromEntries(shadows.map((s) => [s.name, { ...s.stats }])),
    }),
    async close() {
      await Promise.all(shadows.map((s) => s.pool.destroy().catch(() => {})))
    },
  }
}
