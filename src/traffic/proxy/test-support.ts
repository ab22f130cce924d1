/**
 * @module traffic/proxy/test-support
 * What the proxy's tests share: a real upstream `node:http` server on 127.0.0.1 and a sample sink
 * that keeps what it receives. Not used by the proxy itself.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Sample, SampleSink } from '../../core/types.ts'

export type TestUpstream = {
  url: string
  server: Server
  /** TCP connections the upstream has accepted (keep-alive reuse shows here). */
  readonly connections: number
  /** Requests it has received. */
  readonly requests: number
  close(): Promise<void>
}

/** Answers `200 <name>` with `x-upstream: <name>` unless a handler is given. */
export async function startUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestUpstream> {
  let connections = 0
  let requests = 0
  const sockets = new Set<Socket>()
  const server = createServer({ keepAlive: true }, (req, res) => {
    requests++
    if (handler) return handler(req, res)
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': name })
      res.end(name)
    })
  })
  server.on('connection', (socket) => {
    connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    get connections() {
      return connections
    },
    get requests() {
      return requests
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      }),
  }
}

/** A sink that keeps every sample and lets a test wait for a count. */
export class CollectingSink implements SampleSink {
  readonly samples: Sample[] = []
  #waiters: { count: number; resolve: () => void }[] = []

  record(sample: Sample): void {
    this.samples.push(sample)
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.samples.length < waiter.count) return true
      waiter.resolve()
      return false
    })
  }

  /** Resolves once `count` samples have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<Sample[]> {
    if (this.samples.length >= count) return Promise.resolve(this.samples)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`waited for ${count} samples, got ${this.samples.length}`)),
        timeoutMs,
      )
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve(this.samples)
        },
      })
    })
  }

  clear(): void {
    this.samples.length = 0
  }
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; resolves with the results in order. */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  const worker = async () => {
    while (next < count) {
      const i = next++
      results[i] = await task(i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return results
}

/** Whether `observed` successes out of `n` lie within three standard deviations of `n * p`. */
export function withinThreeSigma(observed: number, n: number, p: number): boolean {
  return Math.abs(observed - n * p) <= 3 * Math.sqrt(n * p * (1 - p))
}

/** What a plain HTTP client saw: the response (if any), the body bytes, and the error that ended it (if any). */
export type Exchange = { status: number; headers: Record<string, unknown>; body: Buffer; error?: string; ms: number }

/**
 * One request on a fresh connection with node:http, resolving (never rejecting) with what came back,
 * so that tests can look at resets, truncated bodies and hangs.
 */
export function exchange(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; signal?: AbortSignal } = {},
): Promise<Exchange> {
  const started = performance.now()
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let status = 0
    let headers: Record<string, unknown> = {}
    let settled = false
    const done = (error?: string) => {
      if (settled) return
      settled = true
      const result: Exchange = { status, headers, body: Buffer.concat(chunks), ms: performance.now() - started }
      if (error !== undefined) result.error = error
      resolve(result)
    }
    const req = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    req.on('response', (res) => {
      status = res.statusCode ?? 0
      headers = res.headers
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => done(res.complete ? undefined : 'incomplete'))
      res.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
      res.on('aborted', () => done('aborted'))
    })
    req.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
    req.end(options.body)
  })
}
