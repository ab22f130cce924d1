/**
 * @module traffic/proxy/error-response-interceptor
 * Upstream failures as responses: when the upstream fails before it answered (refused, reset, timed
 * out), the client gets a 502 (504 for a timeout) and the request's `cause` says why. Failures after
 * the response started, faults and clients that left pass through as errors: the writer then cuts
 * the connection, which is the only honest answer left.
 */

import { ForwardingHandler } from './forwarding-handler.ts'
import type { ProxyController, ProxyHandler, ProxyInterceptor, ProxyRequest, ResponseHeaders } from './proxy.ts'
import { ClientClosedError, classifyCause, FaultError, statusForCause } from './proxy-errors.ts'

/** A stand-in controller for a response the proxy makes up after the upstream's has failed. */
const DETACHED: ProxyController = {
  abort() {},
  pause() {},
  resume() {},
  aborted: false,
  paused: false,
  reason: null,
}

class ErrorResponseHandler extends ForwardingHandler {
  readonly #request: ProxyRequest
  #started = false

  constructor(request: ProxyRequest, next: ProxyHandler) {
    super(next)
    this.#request = request
  }

  override onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.#started = true
    this.next.onResponseStart(controller, statusCode, headers, statusMessage)
  }

  override onResponseData(controller: ProxyController, chunk: Buffer): void {
    this.next.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void {
    this.next.onResponseEnd(controller, trailers)
  }

  override onResponseError(controller: ProxyController | null, error: Error): void {
    const request = this.#request
    const passThrough = this.#started || error instanceof FaultError || error instanceof ClientClosedError
    // A request body that broke means the client went away mid-upload, whatever undici calls it.
    if (request.body?.errored) request.cause ??= 'socket-closed'
    request.cause ??= classifyCause(error)
    if (passThrough || request.cause === 'socket-closed') {
      this.next.onResponseError(controller ?? DETACHED, error)
      return
    }
    const status = statusForCause(request.cause)
    const body = Buffer.from(`rehearse proxy: upstream ${request.target || '(none)'} failed: ${request.cause}\n`)
    const headers = {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(body.length),
      'x-rehearse-cause': request.cause,
    }
    this.next.onResponseStart(DETACHED, status, headers, undefined)
    this.next.onResponseData(DETACHED, body)
    this.next.onResponseEnd(DETACHED, {})
  }
}

/** The interceptor that answers upstream failures with 502/504. */
export function createErrorResponseInterceptor(): ProxyInterceptor {
  return (dispatch) => (request, handler) => dispatch(request, new ErrorResponseHandler(request, handler))
}
