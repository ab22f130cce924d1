/**
 * @module traffic/proxy/measurement-interceptor
 * Measurement: every request becomes one `Sample` in the sink — target, route key, status, response
 * bytes, cause, latency from the request's arrival to the end of its response, as the client saw it
 * (faults included), and service time from its handover to the upstream pool (injected delays
 * excluded; absent when it never went upstream). It sits outermost so that nothing escapes it. Nothing is awaited and
 * nothing is logged here.
 */

import { performance } from 'node:perf_hooks'
import type { SampleSink } from '../../core/types.ts'
import { ForwardingHandler } from './forwarding-handler.ts'
import type { ProxyController, ProxyHandler, ProxyInterceptor, ProxyRequest, ResponseHeaders } from './proxy.ts'
import type { ProxyCounters } from './proxy-counters.ts'
import { classifyCause } from './proxy-errors.ts'

const timeOrigin = performance.timeOrigin

class MeasuringHandler extends ForwardingHandler {
  readonly #request: ProxyRequest
  readonly #sink: SampleSink
  readonly #counters: ProxyCounters
  readonly #onSinkError: (error: unknown) => void
  #status = 0
  #bytes = 0
  #recorded = false

  constructor(
    request: ProxyRequest,
    next: ProxyHandler,
    sink: SampleSink,
    counters: ProxyCounters,
    onSinkError: (error: unknown) => void,
  ) {
    super(next)
    this.#request = request
    this.#sink = sink
    this.#counters = counters
    this.#onSinkError = onSinkError
  }

  override onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.#status = statusCode
    this.next.onResponseStart(controller, statusCode, headers, statusMessage)
  }

  override onResponseData(controller: ProxyController, chunk: Buffer): void {
    this.#bytes += chunk.length
    this.next.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void {
    this.next.onResponseEnd(controller, trailers)
    this.#record()
  }

  override onResponseError(controller: ProxyController, error: Error): void {
    this.#request.cause ??= classifyCause(error)
    this.next.onResponseError(controller, error)
    this.#record()
  }

  #record(): void {
    if (this.#recorded) return
    this.#recorded = true
    const request = this.#request
    const now = performance.now()
    this.#counters.inFlight--
    this.#counters.count(request.target, this.#status, this.#bytes, request.cause)
    try {
      this.#sink.record({
        at: timeOrigin + request.startedAt,
        target: request.target,
        route: request.route,
        status: this.#status,
        latencyUs: Math.round((now - request.startedAt) * 1000),
        serviceTimeUs: request.upstreamAt > 0 ? Math.round((now - request.upstreamAt) * 1000) : undefined,
        bytes: this.#bytes,
        cause: request.cause,
      })
    } catch (error) {
      // A sink that throws is a bug in the sink; it must not take the data path down with it.
      this.#onSinkError(error)
    }
  }
}

/**
 * The measurement interceptor: one sample per request into `sink`, counters for `/metrics`.
 * `onSinkError` hears of a sink that threw (the sample is lost, the request is not).
 */
export function createMeasurementInterceptor(
  sink: SampleSink,
  counters: ProxyCounters,
  onSinkError: (error: unknown) => void = () => {},
): ProxyInterceptor {
  return (dispatch) => (request, handler) => {
    counters.inFlight++
    return dispatch(request, new MeasuringHandler(request, handler, sink, counters, onSinkError))
  }
}
