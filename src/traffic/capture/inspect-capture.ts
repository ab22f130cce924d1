/**
 * @module traffic/capture/inspect-capture
 * `rehearse capture inspect`: one streaming pass over a capture that summarises its routes and
 * methods, status mix, sizes, the request rate over time, and the redactions applied (counted from
 * the tokens in the file, so it works for any capture, however it was made).
 */
import { formatDuration } from '../../core/units.ts'
import {
  type CapturedBody,
  type CapturedExchange,
  REDACTION_RULES,
  type RedactionRule,
  type RedactionSummary,
} from './capture.ts'
import { readCapture } from './capture-reader.ts'
import { routeKey } from './route-key.ts'

export type SizeStats = { total: number; mean: number; max: number }

export type RouteSummary = {
  route: string
  count: number
  /** By status class: `2xx`, `3xx`, `4xx`, `5xx`, `none` (no response recorded). */
  statuses: Record<string, number>
  requestBytes: SizeStats
  responseBytes: SizeStats
  meanDurationMs?: number
}

export type CaptureSummary = {
  path: string
  exchanges: number
  /** Distinct sessions (counted up to 100 000). */
  sessions: number
  firstAt?: string
  lastAt?: string
  spanMs: number
  /** Exchanges per second over the seconds (buckets) the capture covers. */
  meanRatePerSecond: number
  /** The busiest one-second window (or bucket, for very long captures). */
  peakRatePerSecond: number
  /** Requests per bucket, at most 60 buckets over the capture's span. */
  rateOverTime: { bucketMs: number; points: { at: string; count: number }[] }
  routes: RouteSummary[]
  /** Exchanges of routes beyond the first 1 000 distinct ones, folded together. */
  otherRoutes: number
  methods: Record<string, number>
  statusMix: Record<string, number>
  sizes: { request: SizeStats; response: SizeStats }
  bodies: { truncated: number; omitted: number }
  redactions: RedactionSummary
}

const MAX_ROUTES = 1000
const MAX_SESSIONS = 100_000
const MAX_BUCKETS = 100_000
const TOKEN = /redacted:([a-z-]+):[0-9a-f]{16}/g

type SizeAcc = { total: number; count: number; max: number }
type RouteAcc = {
  route: string
  count: number
  statuses: Record<string, number>
  requestBytes: SizeAcc
  responseBytes: SizeAcc
  durationSum: number
  durationCount: number
}

/** Summarises a capture file in one pass with bounded memory. */
export async function inspectCapture(path: string, options: { signal?: AbortSignal } = {}): Promise<CaptureSummary> {
  const routes = new Map<string, RouteAcc>()
  const sessions = new Set<string>()
  const methods: Record<string, number> = {}
  const statusMix: Record<string, number> = {}
  const redactions: RedactionSummary = {}
  const request = sizes()
  const response = sizes()
  const bodies = { truncated: 0, omitted: 0 }
  let bucketMs = 1000
  let buckets = new Map<number, number>()
  let exchanges = 0
  let otherRoutes = 0
  let first = Number.POSITIVE_INFINITY
  let last = Number.NEGATIVE_INFINITY

  for await (const { exchange } of readCapture(path, options)) {
    exchanges++
    const start = exchange.timing.startedAtMs
    first = Math.min(first, start)
    last = Math.max(last, start)
    const bucket = Math.floor(start / bucketMs)
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1)
    // Very long captures: coarsen the buckets rather than grow without bound.
    while (buckets.size > MAX_BUCKETS) {
      bucketMs *= 2
      const coarser = new Map<number, number>()
      for (const [b, n] of buckets) coarser.set(Math.floor(b / 2), (coarser.get(Math.floor(b / 2)) ?? 0) + n)
      buckets = coarser
    }
    if (exchange.session !== undefined && sessions.size < MAX_SESSIONS) sessions.add(exchange.session)
    const method = exchange.request.method
    methods[method] = (methods[method] ?? 0) + 1
    const status = exchange.response ? `${Math.floor(exchange.response.status / 100)}xx` : 'none'
    statusMix[status] = (statusMix[status] ?? 0) + 1
    const reqBytes = bodySize(exchange.request.body)
    const resBytes = bodySize(exchange.response?.body)
    add(request, reqBytes)
    add(response, resBytes)
    for (const body of [exchange.request.body, exchange.response?.body]) {
      if (body?.truncated) bodies.truncated++
      if (body?.omitted) bodies.omitted++
    }
    countTokens(exchange, redactions)

    const key = routeKey(method, exchange.request.url)
    let route = routes.get(key)
    if (!route && routes.size >= MAX_ROUTES) {
      otherRoutes++
      continue
    }
    if (!route) {
      route = {
        route: key,
        count: 0,
        statuses: {},
        requestBytes: sizes(),
        responseBytes: sizes(),
        durationSum: 0,
        durationCount: 0,
      }
      routes.set(key, route)
    }
    route.count++
    route.statuses[status] = (route.statuses[status] ?? 0) + 1
    add(route.requestBytes, reqBytes)
    add(route.responseBytes, resBytes)
    if (exchange.timing.durationMs !== undefined) {
      route.durationSum += exchange.timing.durationMs
      route.durationCount++
    }
  }

  const spanMs = exchanges ? last - first : 0
  return {
    path,
    exchanges,
    sessions: sessions.size,
    ...(exchanges ? { firstAt: new Date(first).toISOString(), lastAt: new Date(last).toISOString() } : {}),
    spanMs,
    // Over the whole buckets the capture covers, so that the mean never exceeds the peak.
    meanRatePerSecond: exchanges
      ? exchanges / (((Math.floor(last / bucketMs) - Math.floor(first / bucketMs) + 1) * bucketMs) / 1000)
      : 0,
    peakRatePerSecond: Math.max(0, ...buckets.values()) / (bucketMs / 1000),
    rateOverTime: rebucket(buckets, bucketMs, first, last),
    routes: [...routes.values()]
      .sort((a, b) => b.count - a.count || a.route.localeCompare(b.route))
      .map(({ durationSum, durationCount, ...r }) => ({
        ...r,
        requestBytes: finish(r.requestBytes),
        responseBytes: finish(r.responseBytes),
        ...(durationCount ? { meanDurationMs: durationSum / durationCount } : {}),
      })),
    otherRoutes,
    methods,
    statusMix,
    sizes: { request: finish(request), response: finish(response) },
    bodies,
    redactions,
  }
}

function sizes(): SizeAcc {
  return { total: 0, count: 0, max: 0 }
}
function add(acc: SizeAcc, bytes: number): void {
  acc.total += bytes
  acc.count++
  acc.max = Math.max(acc.max, bytes)
}
function finish(acc: SizeAcc): SizeStats {
  return { total: acc.total, mean: acc.count ? acc.total / acc.count : 0, max: acc.max }
}
function bodySize(body: CapturedBody | undefined): number {
  return body?.size ?? 0
}

function countTokens(exchange: CapturedExchange, into: RedactionSummary): void {
  const texts: string[] = [exchange.request.url]
  for (const part of [exchange.request, exchange.response]) {
    if (!part) continue
    for (const value of Object.values(part.headers)) texts.push(...(Array.isArray(value) ? value : [value]))
    if (part.body?.encoding === 'utf8') texts.push(part.body.data)
    if (part.body?.omitted === 'binary') into['binary-body'] = (into['binary-body'] ?? 0) + 1
  }
  for (const text of texts) {
    if (!text.includes('redacted:')) continue
    for (const m of text.matchAll(TOKEN)) {
      const rule = m[1] as RedactionRule
      if ((REDACTION_RULES as readonly string[]).includes(rule)) into[rule] = (into[rule] ?? 0) + 1
    }
  }
}

function rebucket(
  buckets: Map<number, number>,
  bucketMs: number,
  first: number,
  last: number,
): CaptureSummary['rateOverTime'] {
  if (buckets.size === 0) return { bucketMs, points: [] }
  const span = last - first
  let size = bucketMs
  while (span / size > 60) size *= 2
  const counts = new Map<number, number>()
  for (const [b, n] of buckets) {
    const at = Math.floor((b * bucketMs) / size) * size
    counts.set(at, (counts.get(at) ?? 0) + n)
  }
  const points: { at: string; count: number }[] = []
  const from = Math.floor(first / size) * size
  for (let at = from; at <= last; at += size)
    points.push({ at: new Date(at).toISOString(), count: counts.get(at) ?? 0 })
  return { bucketMs: size, points }
}

/** The summary as plain text for the terminal. */
export function formatCaptureSummary(summary: CaptureSummary): string {
  const out: string[] = []
  const bytes = (n: number) =>
    n >= 1024 * 1024
      ? `${(n / 1024 / 1024).toFixed(1)} MiB`
      : n >= 1024
        ? `${(n / 1024).toFixed(1)} KiB`
        : `${Math.round(n)} B`
  out.push(`${summary.path}: ${summary.exchanges} exchanges, ${summary.sessions} sessions`)
  if (summary.firstAt) {
    out.push(`  from ${summary.firstAt} to ${summary.lastAt} (${formatDuration(summary.spanMs)})`)
    out.push(`  rate: mean ${summary.meanRatePerSecond.toFixed(1)}/s, peak ${summary.peakRatePerSecond.toFixed(1)}/s`)
  }
  const mix = (m: Record<string, number>) =>
    Object.entries(m)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
  out.push(`  methods: ${mix(summary.methods) || '-'}`)
  out.push(`  status: ${mix(summary.statusMix) || '-'}`)
  const { request, response } = summary.sizes
  out.push(
    `  bodies: requests ${bytes(request.total)} (max ${bytes(request.max)}), responses ${bytes(response.total)} (max ${bytes(response.max)}); ${summary.bodies.truncated} truncated, ${summary.bodies.omitted} omitted`,
  )
  out.push(`  redactions: ${mix(summary.redactions as Record<string, number>) || 'none'}`)
  if (summary.rateOverTime.points.length > 1) {
    const max = Math.max(...summary.rateOverTime.points.map((p) => p.count))
    const bars = '▁▂▃▄▅▆▇█'
    const spark = summary.rateOverTime.points
      .map((p) => bars[Math.min(7, Math.floor((p.count / max) * 7.999))])
      .join('')
    out.push(`  over time (${formatDuration(summary.rateOverTime.bucketMs)} buckets): ${spark}`)
  }
  out.push('')
  const width = Math.max(5, ...summary.routes.map((r) => r.route.length))
  out.push(
    `  ${'route'.padEnd(width)}  ${'count'.padStart(7)}  ${'mean resp'.padStart(10)}  ${'mean time'.padStart(9)}  status`,
  )
  for (const r of summary.routes) {
    const time = r.meanDurationMs === undefined ? '-' : formatDuration(r.meanDurationMs)
    out.push(
      `  ${r.route.padEnd(width)}  ${String(r.count).padStart(7)}  ${bytes(r.responseBytes.mean).padStart(10)}  ${time.padStart(9)}  ${mix(r.statuses)}`,
    )
  }
  if (summary.otherRoutes) out.push(`  (${summary.otherRoutes} exchanges on further routes)`)
  return out.join('\n')
}
