/**
 * @module telemetry/prometheus/prometheus-provider
 * A `MetricProvider` over a Prometheus server's HTTP API: instant queries (`/api/v1/query`) and
 * range queries (`/api/v1/query_range`) of PromQL. Failures become `TELEMETRY_PROMETHEUS_*` errors
 * that say whether the server, the credentials or the query is at fault.
 */
import { request } from 'undici'
import { abortError, RehearseError } from '../../core/errors.ts'
import type { MetricProvider, MetricQuery, Series, SeriesPoint } from '../metric-provider.ts'

export type PrometheusProviderOptions = {
  /** Base URL of the server, e.g. `http://127.0.0.1:9090` (a path prefix is kept). */
  url: string
  /** Value of the `Authorization` header (`Bearer …`, `Basic …`), when the server wants one. */
  authorization?: string
  /** More request headers (a tenant header of a multi-tenant Prometheus, say). */
  headers?: Record<string, string>
  /** Time allowed for one query, ms (default 10 000). */
  timeoutMs?: number
  /** Label whose value names the target of a result series (default `target`). */
  targetLabel?: string
  /** Label whose value names the route of a result series (none by default). */
  routeLabel?: string
}

type PromResult = { metric?: Record<string, string>; value?: [number, string]; values?: Array<[number, string]> }
type PromBody = {
  status?: string
  errorType?: string
  error?: string
  data?: { resultType?: string; result?: PromResult[] | [number, string] }
}

/** A provider that answers queries with PromQL (`query.expr`, or `query.metric` as the expression). */
export function createPrometheusProvider(options: PrometheusProviderOptions): MetricProvider {
  let base: URL
  try {
    base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`)
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(base.protocol)
  } catch (cause) {
    throw new RehearseError(
      'TELEMETRY_PROMETHEUS_URL',
      `"${options.url}" is not an http(s) URL of a Prometheus server.`,
      {
        hint: 'Write the base URL, such as http://prometheus:9090.',
        cause,
      },
    )
  }
  const timeoutMs = options.timeoutMs ?? 10_000
  const targetLabel = options.targetLabel ?? 'target'
  const headers: Record<string, string> = {
    ...options.headers,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    ...(options.authorization ? { authorization: options.authorization } : {}),
  }

  async function call(expr: string, query: MetricQuery, signal: AbortSignal): Promise<PromBody['data']> {
    const form = new URLSearchParams({ query: expr })
    let path = 'api/v1/query'
    if (query.startMs !== undefined) {
      const end = query.endMs ?? Date.now()
      const step = query.stepMs ?? Math.max(1000, (end - query.startMs) / 250)
      path = 'api/v1/query_range'
      form.set('start', String(query.startMs / 1000))
      form.set('end', String(end / 1000))
      form.set('step', String(step / 1000))
    } else if (query.endMs !== undefined) {
      form.set('time', String(query.endMs / 1000))
    }
    const url = new URL(path, base)
    const timeout = AbortSignal.timeout(timeoutMs)
    let status: number
    let text: string
    try {
      const res = await request(url, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: AbortSignal.any([signal, timeout]),
      })
      status = res.statusCode
      text = await res.body.text()
    } catch (cause) {
      if (signal.aborted) throw abortError(signal)
      if (timeout.aborted) {
        throw new RehearseError(
          'TELEMETRY_PROMETHEUS_TIMEOUT',
          `Prometheus at ${base.origin} did not answer within ${timeoutMs} ms.`,
          {
            hint: 'Check that the server is up and not overloaded, or narrow the query (a shorter range, a larger step).',
            details: { url: url.href, query: expr },
            cause,
          },
        )
      }
      const code = (cause as { code?: string }).code
      throw new RehearseError(
        'TELEMETRY_PROMETHEUS_UNREACHABLE',
        `Could not reach Prometheus at ${base.origin}${code ? ` (${code})` : ''}.`,
        {
          hint: 'Check the URL and that the server is running and reachable from here.',
          details: { url: url.href },
          cause,
        },
      )
    }
    return parseBody(status, text, expr, base.origin)
  }

  return {
    name: 'prometheus',
    async query(query: MetricQuery, signal: AbortSignal): Promise<Series[]> {
      const expr = query.expr ?? query.metric
      // With `$target` in the expression, ask once per target and name the results after it.
      if (expr.includes('$target') && query.targets?.length) {
        const out: Series[] = []
        for (const target of query.targets) {
          const data = await call(expr.replaceAll('$target', target), query, signal)
          out.push(...toSeries(data, query, () => target, options.routeLabel))
        }
        return out
      }
      const data = await call(expr, query, signal)
      const fallback = query.targets?.length === 1 ? query.targets[0]! : 'all'
      const series = toSeries(data, query, (labels) => labels[targetLabel] ?? fallback, options.routeLabel)
      return query.targets ? series.filter((s) => query.targets!.includes(s.target)) : series
    },
  }
}

function parseBody(status: number, text: string, expr: string, origin: string): PromBody['data'] {
  let body: PromBody | undefined
  try {
    body = JSON.parse(text) as PromBody
  } catch {
    body = undefined
  }
  if (status === 401 || status === 403) {
    throw new RehearseError(
      'TELEMETRY_PROMETHEUS_AUTH',
      `Prometheus at ${origin} refused the credentials (HTTP ${status}).`,
      {
        hint: 'Set the authorization header the server expects (a bearer token or basic credentials).',
        details: { status },
      },
    )
  }
  if (body?.status === 'error' && (status === 400 || status === 422)) {
    throw new RehearseError(
      'TELEMETRY_PROMETHEUS_QUERY',
      `Prometheus rejected the query: ${body.error ?? body.errorType}.`,
      {
        hint: 'Fix the PromQL expression; try it in the Prometheus UI first.',
        details: { query: expr, errorType: body.errorType, status },
      },
    )
  }
  if (status !== 200 || body?.status !== 'success' || !body.data) {
    const why = body?.error ?? (body ? `status ${body.status}` : 'a body that is not JSON')
    throw new RehearseError(
      'TELEMETRY_PROMETHEUS_RESPONSE',
      `Prometheus at ${origin} answered HTTP ${status} with ${why}.`,
      {
        hint: 'Check that the URL points at Prometheus (or a compatible API) and that the server is healthy.',
        details: { status, query: expr, body: text.slice(0, 300) },
      },
    )
  }
  return body.data
}

function toPoint(pair: [number, string]): SeriesPoint | undefined {
  const value = Number(pair[1])
  return Number.isFinite(value) ? [Math.round(pair[0] * 1000), value] : undefined
}

function toSeries(
  data: PromBody['data'],
  query: MetricQuery,
  targetOf: (labels: Record<string, string>) => string,
  routeLabel: string | undefined,
): Series[] {
  if (!data?.result) return []
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    const point = toPoint(data.result as [number, string])
    return [{ metric: query.metric, target: targetOf({}), points: point ? [point] : [] }]
  }
  return (data.result as PromResult[]).map((r) => {
    const labels = r.metric ?? {}
    const pairs = r.values ?? (r.value ? [r.value] : [])
    const points = pairs.map(toPoint).filter((p): p is SeriesPoint => p !== undefined)
    const route = routeLabel ? labels[routeLabel] : undefined
    return { metric: query.metric, target: targetOf(labels), ...(route !== undefined ? { route } : {}), points }
  })
}
