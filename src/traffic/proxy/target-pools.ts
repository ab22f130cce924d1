/**
 * @module traffic/proxy/target-pools
 * The innermost dispatcher of the proxy: one undici Pool (keep-alive connections) per named target,
 * chosen by the `target` routing put on the request. It is an undici `Dispatcher`, so the proxy's
 * interceptors compose onto it with undici's own `compose`.
 */
import { performance } from 'node:perf_hooks'
import { Dispatcher, Pool } from 'undici'
import { RehearseError } from '../../core/errors.ts'
import type { Dispatch, ProxyInterceptor, ProxyRequest, UpstreamOptions } from './proxy.ts'

/** The pool statistics the proxy exposes as metrics. */
export type PoolStats = { connected: number; free: number; pending: number; queued: number; running: number }

export class TargetPools extends Dispatcher {
  readonly #pools = new Map<string, Pool>()

  constructor(targets: Record<string, string>, options: UpstreamOptions = {}) {
    super()
    // Every URL is checked before the first pool exists: a bad one leaves nothing behind.
    const origins = Object.entries(targets).map(([name, url]) => [name, originOf(name, url)] as const)
    for (const [name, origin] of origins) {
      this.#pools.set(
        name,
        new Pool(origin, {
          connections: options.connections ?? 256,
          pipelining: 1,
          connectTimeout: options.connectTimeoutMs ?? 10_000,
          headersTimeout: options.headersTimeoutMs ?? 60_000,
          bodyTimeout: options.bodyTimeoutMs ?? 60_000,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
        }),
      )
    }
  }

  override dispatch(request: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const proxied = request as unknown as ProxyRequest
    proxied.upstreamAt = performance.now()
    const pool = this.#pools.get(proxied.target)
    if (pool === undefined) {
      // Routing only picks known targets; reaching here is a bug in an interceptor.
      handler.onResponseError?.(null as never, new Error(`no upstream target named ${proxied.target}`))
      return false
    }
    return pool.dispatch(request, handler)
  }

  /** The interceptors, outermost first, composed onto the pools. */
  composeChain(interceptors: readonly ProxyInterceptor[]): Dispatch {
    // undici applies the last interceptor outermost; ours read outermost first.
    const composed = this.compose([...interceptors].reverse() as unknown as Dispatcher.DispatcherComposeInterceptor[])
    return composed.dispatch.bind(composed) as unknown as Dispatch
  }

  stats(): Map<string, PoolStats> {
    const out = new Map<string, PoolStats>()
    for (const [name, pool] of this.#pools) {
      const { connected, free, pending, queued, running } = pool.stats
      out.set(name, { connected, free, pending, queued, running })
    }
    return out
  }

  override async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()))
  }

  /** Fails every request in flight and closes every upstream connection. */
  override async destroy(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.destroy()))
  }
}

/** `http://127.0.0.1:8081` from a target URL; anything but a plain http origin is refused. */
export function originOf(name: string, url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalidTarget(name, url, 'it is not a URL')
  }
  if (parsed.protocol !== 'http:') throw invalidTarget(name, url, 'only http:// upstreams are supported')
  if ((parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search || parsed.username) {
    throw invalidTarget(name, url, 'give the origin only (http://host:port), without a path, query or user')
  }
  return parsed.origin
}

function invalidTarget(name: string, url: string, why: string): RehearseError {
  return new RehearseError(
    'TRAFFIC_PROXY_INVALID_OPTIONS',
    `Target ${name} (${JSON.stringify(url)}) is not usable: ${why}.`,
    {
      hint: 'Targets are named http origins, such as { baseline: "http://127.0.0.1:8081" }.',
      location: { path: `targets.${name}` },
    },
  )
}
