/**
 * @module traffic/proxy/response-writer
 * The last handler of the chain: writes the upstream's (or a fault's) response to the client's
 * `ServerResponse`, streaming, with backpressure both ways, and turns the client going away into
 * an abort that travels upstream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ProxyController, ProxyHandler, ProxyRequest, ResponseHeaders } from './proxy.ts'
import { ClientClosedError, classifyCause, FaultError, statusForCause } from './proxy-errors.ts'

/** Response headers that belong to one connection and are not forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
])

const kWriter = Symbol('rehearse.responseWriter')
type TaggedResponse = ServerResponse & { [kWriter]?: ResponseWriter }

// Module-level listeners reach their writer through the response: no closure per request.
function onResponseClose(this: TaggedResponse): void {
  this[kWriter]?.clientClosed()
}
function onResponseDrain(this: TaggedResponse): void {
  this[kWriter]?.controller?.resume()
}

export class ResponseWriter implements ProxyHandler {
  readonly request: ProxyRequest
  readonly req: IncomingMessage
  readonly res: TaggedResponse
  controller: ProxyController | null = null
  /** The response is over for us: ended, failed, or the client left. */
  done = false

  constructor(request: ProxyRequest, req: IncomingMessage, res: ServerResponse) {
    this.request = request
    this.req = req
    this.res = res
    this.res[kWriter] = this
    res.once('close', onResponseClose)
  }

  onRequestStart(controller: ProxyController): void {
    this.controller = controller
    // The client left while the request waited for an upstream connection: do not send it at all.
    if (this.done) controller.abort(new ClientClosedError())
  }

  onResponseStart(
    controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    if (this.done) return
    this.controller = controller
    const out = responseHeaders(headers)
    if (statusMessage) this.res.writeHead(statusCode, statusMessage, out)
    else this.res.writeHead(statusCode, out)
  }

  onResponseData(controller: ProxyController, chunk: Buffer): void {
    if (this.done) return
    if (!this.res.write(chunk)) {
      // The client reads slower than the upstream sends: stop reading upstream until it drains.
      controller.pause()
      this.res.once('drain', onResponseDrain)
    }
  }

  onResponseEnd(): void {
    if (this.done) return
    this.done = true
    this.res.end()
  }

  onResponseError(_controller: ProxyController | null, error: Error): void {
    if (this.done) return
    this.done = true
    const socket = this.req.socket
    if (error instanceof FaultError) {
      if (error.connection === 'reset') {
        socket.resetAndDestroy()
      } else {
        // What was written reaches the client, then the connection ends mid-response.
        if (this.res.headersSent) this.res.flushHeaders()
        socket.destroySoon()
      }
      return
    }
    if (this.res.headersSent) {
      // Too late for a status: cutting the connection is the only way to say the body is incomplete.
      socket.destroy()
      return
    }
    // Only reached when no interceptor answered for the failure (the chain always has one).
    const cause = this.request.cause ?? classifyCause(error)
    const body = `rehearse proxy: upstream ${this.request.target} failed (${cause})\n`
    this.res.writeHead(statusForCause(cause), {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    this.res.end(body)
  }

  /** The response's `close`: after a normal end nothing happens; before it, the request is aborted upstream. */
  clientClosed(): void {
    this.res[kWriter] = undefined
    if (this.done) return
    this.done = true
    this.request.cause ??= 'socket-closed'
    this.controller?.abort(new ClientClosedError())
  }
}

/** Flat `[name, value, …]` of the headers that go to the client. */
function responseHeaders(headers: ResponseHeaders): (string | string[])[] {
  const out: (string | string[])[] = []
  let connectionTokens: string[] | undefined
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    if (HOP_BY_HOP.has(name)) {
      if (name === 'connection') connectionTokens = connectionOptions(value)
      continue
    }
    out.push(name, value)
  }
  if (connectionTokens === undefined) return out
  // Headers the upstream named in `Connection` are hop-by-hop as well.
  const drop = new Set(connectionTokens)
  const kept: (string | string[])[] = []
  for (let i = 0; i < out.length; i += 2) {
    if (!drop.has(out[i] as string)) kept.push(out[i]!, out[i + 1]!)
  }
  return kept
}

/** The header names listed in a `Connection` header (`keep-alive` and `close` are not names). */
export function connectionOptions(value: string | string[]): string[] | undefined {
  // Nearly every response says just `keep-alive` (or `close`): no split for those.
  if (typeof value === 'string' && value.length <= 10) {
    const lower = value.toLowerCase()
    if (lower === 'keep-alive' || lower === 'close') return undefined
  }
  const tokens: string[] = []
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const token = part.trim().toLowerCase()
    if (token && token !== 'keep-alive' && token !== 'close') tokens.push(token)
  }
  return tokens.length > 0 ? tokens : undefined
}
