/**
 * @module traffic/proxy/record-interceptor
 * Recording: each sampled request and the response the client got become one exchange of a
 * capture file, through a `CaptureRecorder` (redaction at capture, sampling, a maximum body size).
 * The sampler decides from the headers before anything is buffered; bodies are teed, never held
 * back, and only their first `maxBodyBytes` are kept. The exchange is handed to the recorder after
 * the client has its response, and the recorder never waits on the disk (it drops and counts
 * when the file is behind), so recording adds no wait to any request.
 */

import { performance } from 'node:perf_hooks'
import type { CapturedBody, CapturedExchange, CapturedHeaders } from '../capture/capture.ts'
import type { CaptureRecorder } from '../capture/capture-recorder.ts'
import { BodyCopy, type BodyTap, tapBody } from './body-tap.ts'
import { ForwardingHandler } from './forwarding-handler.ts'
import type { ProxyController, ProxyHandler, ProxyInterceptor, ProxyRequest, ResponseHeaders } from './proxy.ts'

const timeOrigin = performance.timeOrigin

class RecordingHandler extends ForwardingHandler {
  readonly #request: ProxyRequest
  readonly #recorder: CaptureRecorder
  readonly #id: string
  readonly #headers: CapturedHeaders
  readonly #tap: BodyTap | undefined
  readonly #limit: number
  #status = 0
  #responseHeaders: ResponseHeaders | undefined
  #body: BodyCopy | undefined
  #done = false

  constructor(
    request: ProxyRequest,
    next: ProxyHandler,
    recorder: CaptureRecorder,
    id: string,
    headers: CapturedHeaders,
    tap: BodyTap | undefined,
    limit: number,
  ) {
    super(next)
    this.#request = request
    this.#recorder = recorder
    this.#id = id
    this.#headers = headers
    this.#tap = tap
    this.#limit = limit
  }

  override onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    this.#status = statusCode
    this.#responseHeaders = headers
    this.next.onResponseStart(controller, statusCode, headers, statusMessage)
  }

  override onResponseData(controller: ProxyController, chunk: Buffer): void {
    // One more byte than the limit, so that the recorder sees the body was cut.
    this.#body ??= new BodyCopy(this.#limit + 1)
    this.#body.add(chunk)
    this.next.onResponseData(controller, chunk)
  }

  override onResponseEnd(controller: ProxyController, trailers: ResponseHeaders): void {
    this.next.onResponseEnd(controller, trailers)
    this.#record(true)
  }

  override onResponseError(controller: ProxyController, error: Error): void {
    this.next.onResponseError(controller, error)
    this.#record(false)
  }

  #record(ended: boolean): void {
    if (this.#done) return
    this.#done = true
    const request = this.#request
    const contentType = first(this.#headers['content-type'])
    const requestBody = this.#tap ? this.#encode(this.#tap.copy, contentType, this.#tap.complete) : undefined
    const startedAtMs = timeOrigin + request.startedAt
    const exchange: CapturedExchange = {
      v: 1,
      id: this.#id,
      at: new Date(startedAtMs).toISOString(),
      request: {
        method: request.method,
        url: request.path,
        headers: this.#headers,
        ...(requestBody ? { body: requestBody } : {}),
      },
      timing: { startedAtMs, durationMs: performance.now() - request.startedAt },
    }
    if (this.#status > 0) {
      const headers = capturedHeaders(this.#responseHeaders)
      const body = this.#body ? this.#encode(this.#body, first(headers['content-type']), ended) : undefined
      exchange.response = { status: this.#status, headers, ...(body ? { body } : {}) }
    }
    this.#recorder.record(exchange)
  }

  #encode(copy: BodyCopy, contentType: string | undefined, complete: boolean): CapturedBody | undefined {
    if (copy.total === 0) return undefined
    const body = this.#recorder.encodeBody(copy.bytes(), contentType)
    body.size = copy.total
    // A body that broke off (client or upstream gone) is as cut as one past the limit.
    if (!complete) body.truncated = true
    return body
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** A flat `[name, value, …]` list as capture headers: lower-case names, repeated ones as arrays. */
export function headersOfList(list: readonly string[]): CapturedHeaders {
  const out: CapturedHeaders = {}
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!.toLowerCase()
    // The proxy's own addition: a client address is personal data, and replay does not need it.
    if (name === 'x-forwarded-for') continue
    const value = list[i + 1]!
    const seen = out[name]
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value]
  }
  return out
}

function capturedHeaders(headers: ResponseHeaders | undefined): CapturedHeaders {
  const out: CapturedHeaders = {}
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name.toLowerCase()] = value
  }
  return out
}

export type RecordInterceptorOptions = {
  /** Body bytes kept per request and per response (the recorder's `maxBodyBytes`). */
  maxBodyBytes: number
}

/** The recording interceptor: every request the recorder samples becomes one exchange. */
export function createRecordInterceptor(
  recorder: CaptureRecorder,
  options: RecordInterceptorOptions,
): ProxyInterceptor {
  const limit = options.maxBodyBytes
  let sequence = 0
  return (dispatch) => (request, handler) => {
    const headers = headersOfList(request.headers)
    if (!recorder.sample(headers)) return dispatch(request, handler)
    let tap: BodyTap | undefined
    if (request.body !== null) {
      tap = tapBody(request.body, limit + 1)
      request.body = tap
    }
    const id = `proxy-${++sequence}`
    return dispatch(request, new RecordingHandler(request, handler, recorder, id, headers, tap, limit))
  }
}
