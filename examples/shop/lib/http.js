// @ts-check
/**
 * @module shop/lib/http
 * The little HTTP toolkit every shop service shares, on node:http alone: JSON in and out, a
 * method+path router, a keep-alive JSON client, and the process lifecycle a staging driver
 * expects (listen on PORT/HOST, one "listening on …" line, one line per error, clean SIGTERM).
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'

/** Largest request body a service accepts; bigger bodies get 413. */
const MAX_BODY_BYTES = 64 * 1024

/** An error that becomes an HTTP answer: `status`, a stable `code` and a sentence for the client. */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * Writes a JSON response with the noise real APIs carry: a per-request id (UUID) and the time the
 * response was served. They differ on every call, which is exactly what a response diff must
 * learn to ignore.
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {Record<string, unknown>} body
 */
export function sendJson(res, status, body) {
  const requestId = randomUUID()
  const payload = JSON.stringify({ ...body, requestId, servedAt: new Date().toISOString() })
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'x-request-id': requestId,
  })
  res.end(payload)
}

/**
 * Reads and parses a JSON request body (at most 64 KiB; an empty body reads as `{}`).
 * @param {http.IncomingMessage} req
 * @returns {Promise<Record<string, unknown>>}
 */
export async function readJson(req) {
  /** @type {Buffer[]} */
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'body_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return {}
  let parsed
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, 'bad_json', 'request body is not valid JSON')
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'bad_json', 'request body must be a JSON object')
  }
  return parsed
}

/**
 * @typedef {object} RouteContext
 * @property {http.IncomingMessage} req
 * @property {http.ServerResponse} res
 * @property {Record<string, string>} params  path parameters (`/products/:id` → `{ id }`)
 * @property {URLSearchParams} query
 */

/** @typedef {(ctx: RouteContext) => Promise<void> | void} RouteHandler */

/**
 * A method+path router: patterns are literal segments and `:name` parameters.
 * @param {Array<[method: string, pattern: string, handler: RouteHandler]>} routes
 * @returns {(req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>}
 */
export function router(routes) {
  const compiled = routes.map(([method, pattern, handler]) => ({ method, parts: pattern.split('/'), handler }))
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const parts = url.pathname.split('/')
    let pathMatched = false
    for (const route of compiled) {
      const params = matchPath(route.parts, parts)
      if (params === undefined) continue
      pathMatched = true
      if (route.method !== req.method) continue
      await route.handler({ req, res, params, query: url.searchParams })
      return
    }
    if (pathMatched) throw new HttpError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
    throw new HttpError(404, 'not_found', `no route for ${req.method} ${url.pathname}`)
  }
}

/**
 * @param {string[]} pattern
 * @param {string[]} path
 * @returns {Record<string, string> | undefined}
 */
function matchPath(pattern, path) {
  if (pattern.length !== path.length) return undefined
  /** @type {Record<string, string>} */
  const params = {}
  for (let i = 0; i < pattern.length; i++) {
    const want = /** @type {string} */ (pattern[i])
    const got = /** @type {string} */ (path[i])
    if (want.startsWith(':')) {
      if (got === '') return undefined
      params[want.slice(1)] = decodeURIComponent(got)
    } else if (want !== got) return undefined
  }
  return params
}

/**
 * Starts a service the way a staging driver expects: listens on `PORT` (0 picks a free port) and
 * `HOST` (default 127.0.0.1), prints one `listening on http://host:port` line, turns thrown
 * errors into JSON answers (logging one line for each server-side failure, never one per request),
 * and on SIGTERM/SIGINT stops accepting, lets in-flight requests finish, then exits 0.
 * @param {object} options
 * @param {string} options.name
 * @param {number} options.defaultPort  used when PORT is not set
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>} options.handle
 * @returns {http.Server}
 */
export function serve({ name, defaultPort, handle }) {
  const host = process.env['HOST'] || '127.0.0.1'
  const port =
    process.env['PORT'] === undefined || process.env['PORT'] === '' ? defaultPort : Number(process.env['PORT'])
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name}: PORT must be an integer between 0 and 65535, got ${JSON.stringify(process.env['PORT'])}`)
    process.exit(2)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      const status = error instanceof HttpError ? error.status : 500
      const code = error instanceof HttpError ? error.code : 'internal'
      if (status >= 500) console.error(`${name}: ${req.method} ${req.url} failed: ${error?.message ?? error}`)
      if (res.headersSent) res.destroy()
      else
        sendJson(res, status, { error: code, message: error instanceof HttpError ? error.message : 'internal error' })
    })
  })
  // A load generator's keep-alive connections must not outlive its idle timeout on our side.
  server.keepAliveTimeout = 5_000

  server.on('error', (error) => {
    console.error(`${name}: cannot listen on ${host}:${port}: ${error.message}`)
    process.exit(3)
  })

  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close(() => process.exit(0))
    server.closeIdleConnections()
    // In-flight requests get a moment to finish; a connection that lingers past it is cut.
    setTimeout(() => {
      server.closeAllConnections()
      process.exit(0)
    }, 3_000).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  server.listen(port, host, () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address())
    const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address
    console.log(`${name} listening on http://${shown}:${address.port}`)
  })
  return server
}

/** Keep-alive connections to upstream services, as a real service's HTTP client would keep. */
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 128 })

/**
 * POSTs a JSON body and reads the JSON answer.
 * @param {string} url
 * @param {unknown} body
 * @param {{ timeoutMs: number }} options
 * @returns {Promise<{ status: number, body: Record<string, unknown> }>}
 */
export function postJson(url, body, { timeoutMs }) {
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent: upstreamAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        /** @type {Buffer[]} */
        const chunks = []
        res.on('data', (chunk) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) })
          } catch {
            reject(new Error(`${url} answered ${res.statusCode} with a body that is not JSON`))
          }
        })
      },
    )
    req.on('timeout', () => req.destroy(new Error(`${url} did not answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}
