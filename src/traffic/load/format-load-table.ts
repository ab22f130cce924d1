/**
 * @module traffic/load/format-load-table
 * A load result as a plain-text table for the CLI: one row per target, then what went wrong and
 * whether the generator itself kept up.
 */
import type { LoadResult, TargetResult } from './load-plan.ts'

/** `0.65ms`, `12.3ms`, `250ms`, `1.52s`. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-'
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`
  if (ms >= 100) return `${Math.round(ms)}ms`
  if (ms >= 10) return `${ms.toFixed(1)}ms`
  return `${ms.toFixed(2)}ms`
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction > 0 && fraction < 0.001 ? 3 : 2)}%`
}

function row(t: TargetResult): string[] {
  const l = t.latencyMs
  return [
    t.name,
    String(t.requests),
    t.throughput.toFixed(1),
    formatMs(l?.p50),
    formatMs(l?.p90),
    formatMs(l?.p99),
    formatMs(l?.p999),
    `${t.errors} (${percent(t.errorRate)})`,
    String(t.late),
    String(t.dropped),
  ]
}

const HEADER = ['target', 'requests', 'resp/s', 'p50', 'p90', 'p99', 'p99.9', 'errors', 'late', 'dropped']

/** The result as aligned text lines (no colour; the CLI adds it on a TTY). */
export function formatLoadTable(result: LoadResult): string {
  const rows = [HEADER, ...result.targets.map(row)]
  const widths = HEADER.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
  const lines = rows.map((r) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
  )
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '))

  for (const t of result.targets) {
    const causes = Object.entries(t.byCause).map(([cause, n]) => `${cause} ${n}`)
    const statuses = Object.entries(t.byStatus)
      .filter(([status]) => Number(status) >= 400)
      .map(([status, n]) => `${status} ${n}`)
    if (causes.length || statuses.length) lines.push(`${t.name}: ${[...statuses, ...causes].join(', ')}`)
  }
  for (const t of result.targets) {
    const s = t.serviceTimeMs
    if (s && t.latencyMs && t.latencyMs.p99 > 2 * s.p99 && t.latencyMs.p99 - s.p99 > 5) {
      lines.push(
        `${t.name}: p99 ${formatMs(t.latencyMs.p99)} from the intended start, ${formatMs(s.p99)} from the send — requests waited to be sent`,
      )
    }
  }

  const sat = result.saturation
  const generator = `generator: ${result.arrivalRate.toFixed(1)} arrivals/s, CPU ${sat.cpuPercent.toFixed(0)}%, event-loop delay p99 ${formatMs(sat.eventLoopDelayP99Ms)}, late ${result.late}`
  lines.push(
    sat.saturated
      ? `${generator} — SATURATED (${sat.reasons.join('; ')}): the numbers may describe the generator, not the service`
      : `${generator} — ok`,
  )
  return lines.join('\n')
}
