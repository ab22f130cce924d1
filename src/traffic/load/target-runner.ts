/**
 * @module traffic/load/target-runner
 * One target of a load run: its undici Pool (keep-alive, no pipelining), the requests in flight,
 * their timeouts, and the tallies of its result. Every outcome becomes one `Sample` whose latency
 * counts from the request's *intended* start (coordinated-omission corrected) and whose service
 * time counts from the moment undici wrote it to a socket.
 */
import type { Dispatcher } from 'undici'
import type { ErrorCause, Sample, SampleSink } from '../../core/types.ts'
import { hasLatency, isErrorSample } from '../../telemetry/aggregate-cell.ts'
import { createLatencyHistogram, type LatencyHistogram, recordLatency } from '../../telemetry/latency-histogram.ts'
import type { ExpandedRequest } from '../template/request-template.ts'
import { errorCauseOf } from './error-cause.ts'
import type { LatencyStats, LoadPlan, LoadTarget, TargetProgress, TargetResult } from './load-plan.ts'
import { TargetPool } from './target-pool.ts'

const EXPIRED = Object.assign(new Error('request timed out (rehearse load generator)'), { code: 'UND_ERR_ABORTED' })

/** undici's handler for one request to one target; its fields are the request's timeline. */
class RequestHandler implements Dispatcher.DispatchHandler {
  readonly runner: TargetRunner
  readonly route: string
  /** performance.now() of the intended start, of the dispatch to the pool, and of the write. */
  readonly intended: number
  readonly dispatched: number
  sent = 0
  readonly atEpoch: number
  controller: Dispatcher.DispatchController | undefined
  status = 0
  bytes = 0
  /** The outcome has been recorded (a timeout may record it before undici lets go). */
  recorded = false

  constructor(runner: TargetRunner, route: string, intended: number, atEpoch: number, dispatched: number) {
    this.runner = runner
    this.route = route
    this.intended = intended
    this.atEpoch = atEpoch
    this.dispatched = dispatched
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.recorded) controller.abort(EXPIRED)
    else this.sent = performance.now()
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length
  }

  onResponseEnd(): void {
    this.runner.settle(this, undefined)
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.runner.settle(this, error)
  }
}

function stats(h: LatencyHistogram): LatencyStats | undefined {
  if (h.totalCount === 0) return undefined
  const ms = (p: number) => h.getValueAtPercentile(p) / 1000
  return { mean: h.mean / 1000, p50: ms(50), p90: ms(90), p99: ms(99), p999: ms(99.9), max: h.maxValue / 1000 }
}

export class TargetRunner {
  readonly name: string
  readonly url: string
  readonly #pool: TargetPool
  readonly #sink: SampleSink
  readonly #timeoutMs: number
  readonly #maxInFlight: number
  readonly #onSettled: () => void
  /** Requests whose outcome is not recorded yet, oldest first (for the timeout sweep). */
  readonly #active = new Set<RequestHandler>()
  /** Requests undici still holds (recorded or not). */
  inFlight = 0
  requests = 0
  sent = 0
  completed = 0
  responses = 0
  errors = 0
  dropped = 0
  late = 0
  unsent = 0
  bytes = 0
  readonly #byStatus = new Map<number, number>()
  readonly #byCause = new Map<ErrorCause, number>()
  readonly #latency = createLatencyHistogram()
  readonly #service = createLatencyHistogram()

  constructor(target: LoadTarget, plan: LoadPlan, sink: SampleSink, onSettled: () => void) {
    this.name = target.name
    this.url = target.url
    this.#sink = sink
    this.#timeoutMs = plan.timeoutMs
    this.#maxInFlight = plan.maxInFlight
    this.#onSettled = onSettled
    this.#pool = new TargetPool(target.url, { connections: plan.connections, timeoutMs: plan.timeoutMs })
  }

  /** Requests not yet recorded. */
  get pending(): number {
    return this.#active.size
  }

  /** Sends one arrival's request, or counts it as dropped when the in-flight cap is reached. */
  send(request: ExpandedRequest, route: string, intended: number, atEpoch: number, late: boolean): void {
    this.requests++
    if (late) this.late++
    if (this.inFlight >= this.#maxInFlight) {
      this.dropped++
      this.#record(route, atEpoch, 0, 0, undefined, 0, 'dropped')
      return
    }
    const now = performance.now()
    const handler = new RequestHandler(this, route, intended, atEpoch, now)
    this.#active.add(handler)
    this.inFlight++
    this.sent++
    this.#pool.dispatch(request, handler)
  }

  /** undici is done with a request (response, error, or the abort of an expired one). */
  settle(handler: RequestHandler, error: Error | undefined): void {
    this.inFlight--
    if (!handler.recorded) {
      handler.recorded = true
      this.#active.delete(handler)
      const end = performance.now()
      // An arrival sent a hair early (the timer batches within 1 ms) counts from its real send.
      const start = handler.sent > 0 ? Math.min(handler.intended, handler.sent) : handler.intended
      const latencyUs = (end - start) * 1000
      const serviceUs = handler.sent > 0 ? (end - handler.sent) * 1000 : undefined
      if (error)
        this.#record(handler.route, handler.atEpoch, 0, latencyUs, undefined, handler.bytes, errorCauseOf(error))
      else this.#record(handler.route, handler.atEpoch, handler.status, latencyUs, serviceUs, handler.bytes, undefined)
    }
    this.#onSettled()
  }

  /** Records requests older than the timeout as `timeout` and aborts them. */
  sweep(now: number): void {
    for (const handler of this.#active) {
      if (now - handler.dispatched < this.#timeoutMs) break // oldest first: the rest are younger
      this.#expire(handler, now)
    }
  }

  /**
   * Records every unfinished request as `timeout` and aborts it (the end of the drain); with
   * `record` false (an interrupted run) they are aborted without a sample.
   */
  expireAll(now: number, record = true): void {
    for (const handler of this.#active) this.#expire(handler, now, record)
  }

  #expire(handler: RequestHandler, now: number, record = true): void {
    handler.recorded = true
    this.#active.delete(handler)
    if (record) {
      this.#record(
        handler.route,
        handler.atEpoch,
        0,
        (now - handler.intended) * 1000,
        undefined,
        handler.bytes,
        'timeout',
      )
    }
    handler.controller?.abort(EXPIRED) // queued ones are aborted when they reach a socket, or by destroy()
  }

  #record(
    route: string,
    at: number,
    status: number,
    latencyUs: number,
    serviceTimeUs: number | undefined,
    bytes: number,
    cause: ErrorCause | undefined,
  ): void {
    const sample: Sample = { at, target: this.name, route, status, latencyUs, serviceTimeUs, bytes, cause }
    this.completed++
    this.bytes += bytes
    if (status > 0) {
      this.responses++
      this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1)
      if (serviceTimeUs !== undefined) recordLatency(this.#service, serviceTimeUs)
    }
    if (cause !== undefined) this.#byCause.set(cause, (this.#byCause.get(cause) ?? 0) + 1)
    if (isErrorSample(sample)) this.errors++
    if (hasLatency(sample)) recordLatency(this.#latency, latencyUs)
    this.#sink.record(sample)
  }

  /** Counts arrivals never fired for this target (the hard deadline came first). */
  skip(count: number): void {
    this.requests += count
    this.unsent += count
  }

  /** Closes every connection; requests still queued fail (they are already recorded). */
  async destroy(): Promise<void> {
    await this.#pool.destroy()
  }

  progress(): TargetProgress {
    return {
      name: this.name,
      sent: this.sent,
      completed: this.completed,
      errors: this.errors,
      dropped: this.dropped,
      inFlight: this.inFlight,
    }
  }

  result(durationMs: number): TargetResult {
    const latencyMs = stats(this.#latency)
    const serviceTimeMs = stats(this.#service)
    return {
      name: this.name,
      url: this.url,
      requests: this.requests,
      sent: this.sent,
      responses: this.responses,
      throughput: durationMs > 0 ? (this.responses * 1000) / durationMs : 0,
      ...(latencyMs ? { latencyMs } : {}),
      ...(serviceTimeMs ? { serviceTimeMs } : {}),
      errors: this.errors,
      errorRate: this.requests > 0 ? this.errors / this.requests : 0,
      byStatus: Object.fromEntries([...this.#byStatus].sort((a, b) => a[0] - b[0])),
      byCause: Object.fromEntries(this.#byCause),
      late: this.late,
      dropped: this.dropped,
      bytes: this.bytes,
    }
  }
}
