/**
 * @module traffic/proxy/request-listener
 * The edge of the proxy: turns each `node:http` request into a `ProxyRequest` (hop-by-hop headers
 * removed, `X-Forwarded-For` added, the body left as the stream it is) and dispatches it through
 * the interceptor chain with a `ResponseWriter` as the handler.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Dispatch, ProxyRequest } from './proxy.ts'
import { connectionOptions, ResponseWriter } from './response-writer.ts'
import type { RouteKeyer } from './route-key.ts'

/**
 * Request headers that are not forwarded: hop-by-hop ones (RFC 9110 §7.6.1), and `expect`, which
 * node:http has already answered with `100 Continue`.
 */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'expect',
])
// Only names of these lengths can be dropped or need a look (x-forwarded-for, content-length):
// checking the length first spares a toLowerCase() for most headers.
const LENGTHS_OF_INTEREST = new Set([...DROPPED, 'x-forwarded-for', 'content-length'].map((n) => n.length))

/** The `request` listener of the proxy's server. */
export function createRequestListener(dispatch: Dispatch, routeKey: RouteKeyer) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const request = toProxyRequest(req, routeKey)
    const writer = new ResponseWriter(request, req, res)
    try {
      dispatch(request, writer)
    } catch (error) {
      // Interceptors report failures through the handler; a throw here is a bug, but the client still gets an answer.
      writer.onResponseError(null, error as Error)
    }
  }
}

export function toProxyRequest(req: IncomingMessage, routeKey: RouteKeyer): ProxyRequest {
  const startedAt = performance.now()
  const method = req.method ?? 'GET'
  let path = req.url ?? '/'
  // Absolute-form (`GET http://host/path`, as sent to forward proxies) goes upstream in origin-form.
  if (path.charCodeAt(0) !== 47) path = originForm(path)
  const query = path.indexOf('?')
  const pathname = query === -1 ? path : path.slice(0, query)

  const raw = req.rawHeaders
  const headers: string[] = []
  let forwardedFor: string | undefined
  let hasBody = false
  let connectionTokens: string[] | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const value = raw[i + 1]!
    if (LENGTHS_OF_INTEREST.has(name.length)) {
      const lower = name.toLowerCase()
      if (DROPPED.has(lower)) {
        if (lower === 'transfer-encoding') hasBody = true
        else if (lower === 'connection') connectionTokens = connectionOptions(value)
        continue
      }
      if (lower === 'x-forwarded-for') {
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`
        continue
      }
      if (lower === 'content-length' && value !== '0') hasBody = true
    }
    headers.push(name, value)
  }
  const client = req.socket.remoteAddress ?? 'unknown'
  headers.push('x-forwarded-for', forwardedFor === undefined ? client : `${forwardedFor}, ${client}`)

  return {
    method,
    path,
    headers: connectionTokens === undefined ? headers : withoutNamed(headers, connectionTokens),
    body: hasBody ? req : null,
    target: '',
    route: routeKey(method, pathname),
    pathname,
    startedAt,
    upstreamAt: 0,
    cause: undefined,
  }
}

/** Removes the headers the client named in `Connection` (they are hop-by-hop too). */
function withoutNamed(headers: string[], names: string[]): string[] {
  const drop = new Set(names)
  const kept: string[] = []
  for (let i = 0; i < headers.length; i += 2) {
    if (!drop.has(headers[i]!.toLowerCase())) kept.push(headers[i]!, headers[i + 1]!)
  }
  return kept
}

function originForm(target: string): string {
  try {
    const url = new URL(target)
    return url.pathname + url.search
  } catch {
    return '/'
  }
}
