/**
 * @module traffic/load/target-pool
 * What every target of a load run and of a replay has alike: the check of the target list (unique
 * names, a base URL of the accepted form) and the connection pool to one target — keep-alive, no
 * pipelining, the run's timeouts — with the base path its requests are sent under.
 */
import { type Dispatcher, Pool } from 'undici'

/** A named target: `url` is a base URL whose path prefixes every request. */
export type NamedTarget = { name: string; url: string }

/** Which base URLs a caller takes, and how its error names them. */
export type TargetUrlRule = {
  /** The accepted form, as the error message puts it (`http://host:port`). */
  form: string
  hint: string
  accepts(url: URL): boolean
}

/** Throws `invalid(message, hint)` when two targets share a name or a target's URL breaks `rule`. */
export function checkTargets(
  targets: readonly NamedTarget[],
  rule: TargetUrlRule,
  invalid: (message: string, hint: string) => Error,
): void {
  const names = new Set<string>()
  for (const t of targets) {
    if (names.has(t.name)) throw invalid(`Two targets are named "${t.name}".`, 'Give each target its own name.')
    names.add(t.name)
    const url = URL.parse(t.url)
    if (!url || !rule.accepts(url)) throw invalid(`Target "${t.name}" has URL "${t.url}", not ${rule.form}.`, rule.hint)
  }
}

/** One request as a target pool sends it: flat headers, the path below the target's base path, no body when null or undefined. */
export type TargetRequest = {
  method: string
  path: string
  headers: string[]
  body: string | Buffer | null | undefined
}

/** The undici Pool to one target, sending every request under its base path with the run's timeouts. */
export class TargetPool {
  readonly #pool: Pool
  readonly #prefix: string
  readonly #timeoutMs: number

  constructor(targetUrl: string, options: { connections: number; timeoutMs: number }) {
    const url = new URL(targetUrl)
    this.#prefix = url.pathname.replace(/\/+$/, '')
    this.#timeoutMs = options.timeoutMs
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: Math.min(options.timeoutMs, 10_000) },
    })
  }

  /** Hands one request to the pool; its outcome reaches `handler`. */
  dispatch(request: TargetRequest, handler: Dispatcher.DispatchHandler): void {
    this.#pool.dispatch(
      {
        method: request.method,
        path: this.#prefix + request.path,
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      },
      handler,
    )
  }

  /** Closes every connection; requests still queued or in flight fail. */
  async destroy(): Promise<void> {
    await this.#pool.destroy()
  }
}
