/**
 * @module rehearsal/report/report-format
 * Small HTML pieces the report's sections share: times, durations, status badges, tables. Every
 * value is escaped here or by the caller; nothing returns raw data.
 */
import { escapeHtml } from './html-escape.ts'

/** Tone of a badge: the colour a status is shown in. */
export type Tone = 'good' | 'warn' | 'bad' | 'neutral' | 'info'

const TONES: Record<string, Tone> = {
  pass: 'good',
  passed: 'good',
  promote: 'good',
  ok: 'good',
  warn: 'warn',
  hold: 'warn',
  marginal: 'warn',
  inconclusive: 'warn',
  unfinished: 'warn',
  interrupted: 'warn',
  fail: 'bad',
  failed: 'bad',
  high: 'bad',
  low: 'bad',
  rollback: 'bad',
  crashed: 'bad',
  running: 'info',
}

export function toneOf(status: string): Tone {
  return TONES[status] ?? 'neutral'
}

/** A coloured label; the text says the status too, so colour is never the only signal. */
export function badge(status: string, tone: Tone = toneOf(status)): string {
  return `<span class="badge ${tone}">${escapeHtml(status)}</span>`
}

/** Epoch ms or ISO text → "2025-03-01 14:02:03 UTC" (UTC so every reader sees the same time). */
export function formatTime(value: number | string | null): string {
  if (value === null) return '—'
  const ms = typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) return escapeHtml(String(value))
  return `${new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} UTC`
}

/** 850 → "850 ms", 12_300 → "12.3 s", 192_000 → "3 min 12 s". */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—'
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1).replace(/\.?0+$/, '')} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`
}

/** A number with at most `digits` decimals and no trailing zeros; "—" for null. */
export function formatNumber(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const fixed = value.toFixed(digits)
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
}

/** A `<table>` from a header row and body rows of ready-made (already escaped) cell HTML. */
export function table(head: string[], rows: string[][], className = ''): string {
  const th = head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')
  const body = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')
  return `<div class="table-wrap"><table${className ? ` class="${escapeHtml(className)}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`
}

/** A report section with an anchor, a heading and its content, or a note when it has none. */
export function section(id: string, title: string, content: string, emptyNote?: string): string {
  const body = content || `<p class="empty">${escapeHtml(emptyNote ?? 'Nothing recorded.')}</p>`
  return `<section id="${escapeHtml(id)}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`
}

/** Escaped reasons as a list (one reason as a plain paragraph-less line). */
export function reasonList(reasons: string[]): string {
  if (reasons.length === 0) return '<span class="muted">no reason given</span>'
  if (reasons.length === 1) return escapeHtml(reasons[0])
  return `<ul class="reasons">${reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
}
