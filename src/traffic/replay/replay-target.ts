/**
 * @module traffic/replay/replay-target
 * One target of a replay: its undici Pool (keep-alive, no pipelining), the requests in flight and
 * the tallies of its result. Every request becomes one `Sample` (latency from the request's
 * intended start, service time from its write) and, when answers are compared, one
 * `ObservedResponse` with a bounded copy of the body.
 */
import type { Dispatcher } from 'undici'
import type { ErrorCause, SampleSink } from '../../core/types.ts'
import { createLatencyHistogram, recordLatency } from '../../telemetry/latency-histogram.ts'
import { errorCauseOf } from '../load/error-cause.ts'
import { TargetPool } from '../load/target-pool.ts'
import { BodyCopy } from '../proxy/body-tap.ts'
import { type ObservedResponse, observeResponse } from './observed-response.ts'
import type { PreparedRequest } from './prepare-request.ts'
import type { ReplayTarget, ReplayTargetResult } from './replay.ts'

/** Called once per request with the target's answer (undefined when the request was dropped). */
export type Settled = (target: string, observed: ObservedResponse | undefined) => void

class ReplayRequestHandler implements Dispatcher.DispatchHandler {
  readonly runner: ReplayTargetRunner
  readonly route: string
  readonly start: number
  readonly atEpoch: number
  readonly done: Settled
  sentAt = 0
  status = 0
  headers: Record<string, string | string[] | undefined> = {}
  body: BodyCopy | undefined
  bytes = 0
  settled = false

  constructor(runner: ReplayTargetRunner, route: string, start: number, atEpoch: number, done: Settled) {
    this.runner = runner
    this.route = route
    this.start = start
    this.atEpoch = atEpoch
    this.done = done
  }

  onRequestStart(): void {
    this.sentAt = performance.now()
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.status = statusCode
    this.headers = headers
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length
    if (this.runner.observe) {
      this.body ??= new BodyCopy(this.runner.maxResponseBytes)
      this.body.add(chunk)
    }
  }

  onResponseEnd(): void {
    this.runner.settle(this, undefined)
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.runner.settle(this, errorCauseOf(error))
  }
}

export class ReplayTargetRunner {
  readonly name: string
  readonly url: string
  readonly observe: boolean
  readonly maxResponseBytes: number
  readonly #pool: TargetPool
  readonly #sink: SampleSink
  readonly #maxInFlight: number
  inFlight = 0
  sent = 0
  responses = 0
  errors = 0
  dropped = 0
  readonly #byStatus = new Map<number, number>()
  readonly #latency = createLatencyHistogram()

  constructor(
    target: ReplayTarget,
    options: {
      sink: SampleSink
      connections: number
      timeoutMs: number
      maxInFlight: number
      observe: boolean
      maxResponseBytes: number
    },
  ) {
    this.name = target.name
    this.url = target.url
    this.#sink = options.sink
    this.#maxInFlight = options.maxInFlight
    this.observe = options.observe
    this.maxResponseBytes = options.maxResponseBytes
    this.#pool = new TargetPool(target.url, { connections: options.connections, timeoutMs: options.timeoutMs })
  }

  /** True when a request would be dropped now (the in-flight limit is reached). */
  get full(): boolean {
    return this.inFlight >= this.#maxInFlight
  }

  /** Sends one request; `start` is the performance.now() its latency counts from. */
  send(request: PreparedRequest, route: string, start: number, atEpoch: number, done: Settled): void {
    if (this.full) {
      this.dropped++
      this.#sample(route, atEpoch, 0, 0, undefined, 0, 'dropped')
      done(this.name, undefined)
      return
    }
    this.inFlight++
    this.sent++
    this.#pool.dispatch(request, new ReplayRequestHandler(this, route, start, atEpoch, done))
  }

  settle(handler: ReplayRequestHandler, cause: ErrorCause | undefined): void {
    if (handler.settled) return
    handler.settled = true
    this.inFlight--
    const end = performance.now()
    const status = cause === undefined ? handler.status : 0
    const latencyUs = (end - Math.min(handler.start, handler.sentAt || handler.start)) * 1000
    const serviceUs = handler.sentAt > 0 && cause === undefined ? (end - handler.sentAt) * 1000 : undefined
    this.#sample(handler.route, handler.atEpoch, status, latencyUs, serviceUs, handler.bytes, cause)
    const observed = this.observe
      ? observeResponse(status, handler.headers, handler.body, {
          cause,
          ms: latencyUs / 1000,
          maxBytes: this.maxResponseBytes,
        })
      : { status, headers: {}, ...(cause ? { cause } : {}) }
    handler.done(this.name, observed)
  }

  #sample(
    route: string,
    at: number,
    status: number,
    latencyUs: number,
    serviceTimeUs: number | undefined,
    bytes: number,
    cause: ErrorCause | undefined,
  ): void {
    if (status > 0) {
      this.responses++
      this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1)
      recordLatency(this.#latency, latencyUs)
    }
    if (status >= 500 || status === 0) this.errors++
    this.#sink.record({ at, target: this.name, route, status, latencyUs, serviceTimeUs, bytes, cause })
  }

  /** Fails every request in flight and closes every connection. */
  async destroy(): Promise<void> {
    await this.#pool.destroy()
  }

  result(): ReplayTargetResult {
    const h = this.#latency
    const ms = (p: number) => h.getValueAtPercentile(p) / 1000
    return {
      name: this.name,
      url: this.url,
      sent: this.sent,
      responses: this.responses,
      errors: this.errors,
      dropped: this.dropped,
      byStatus: Object.fromEntries([...this.#byStatus].sort((a, b) => a[0] - b[0])),
      ...(h.totalCount > 0 ? { latencyMs: { p50: ms(50), p90: ms(90), p99: ms(99), max: h.maxValue / 1000 } } : {}),
    }
  }
}
