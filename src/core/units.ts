/**
 * @module core/units
 * Parsing of the units people write in rehearse.yaml and on the command line: durations (`250ms`,
 * `10s`, `2m`, `1h30m`), rates (`200/s`, `1200/m`), percentages (`99.9%`, `10%`) and sizes (`1KiB`).
 * Each parser returns `undefined` for text it does not understand; callers turn that into a
 * `RehearseError` with the location they know.
 */

const DURATION_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `"1m30s"` → 90000 (milliseconds). A bare number is milliseconds. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined
  const s = text.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s)
  const re = /(\d+(?:\.\d+)?)(us|ms|s|m|h)/gy
  let total = 0
  let matched = 0
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS_MS[m[2]!] ?? Number.NaN)
    matched = re.lastIndex
  }
  return matched === s.length && matched > 0 && Number.isFinite(total) ? total : undefined
}

/** Milliseconds as a short human string: `850ms`, `12.3s`, `4m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  const m = Math.floor(ms / 60_000)
  const s = Math.round((ms % 60_000) / 1000)
  return `${m}m${String(s).padStart(2, '0')}s`
}

const RATE_UNITS_PER_S: Record<string, number> = { s: 1, sec: 1, m: 1 / 60, min: 1 / 60, h: 1 / 3600 }

/** `"200/s"` → 200, `"60/m"` → 1 (per second). A bare number is per second. */
export function parseRate(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h))?\s*$/.exec(text)
  if (!m) return undefined
  return Number(m[1]) * (RATE_UNITS_PER_S[m[2] ?? 's'] ?? Number.NaN)
}

/** `"99.9%"` → 0.999; a bare number in [0, 1] is taken as a fraction. */
export function parsePercent(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 && text <= 1 ? text : undefined
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*%\s*$/.exec(text)
  if (m) return Number(m[1]) / 100
  const n = Number(text)
  return text.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/** `"64KiB"` → 65536 bytes. A bare number is bytes. */
export function parseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text)
  if (!m) return undefined
  return Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? Number.NaN))
}
