/**
 * @module analysis/explain-format
 * Number formatting for the judge's sentences: percentages with sensible precision, signed
 * interval bounds, p-values and counts. One place, so every sentence reads the same way.
 */
import type { Interval } from './types.ts'

/** 0.3812 → "38%", 0.0421 → "4.2%", 0.00352 → "0.35%" (magnitude only). */
export function percent(fraction: number): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? '∞' : '−∞'
  const v = Math.abs(fraction * 100)
  if (v === 0) return '0%'
  if (v >= 9.95) return `${Math.round(v)}%`
  if (v >= 0.995) return `${trim(v.toFixed(1))}%`
  if (v >= 0.0995) return `${trim(v.toFixed(2))}%`
  return `${trim(v.toPrecision(2))}%`
}

/**
 * A fraction near 1 with as many digits as it takes to tell it from its neighbours:
 * 0.99987 → "99.987%", 0.999 → "99.9%", 0.992 → "99.2%"; never "100%" unless it is 1.
 */
export function attainmentPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return String(fraction)
  if (fraction >= 1) return '100%'
  const gap = 1 - fraction
  let decimals = Math.max(0, Math.ceil(-Math.log10(gap)) - 1)
  let text = (fraction * 100).toFixed(decimals)
  while (Number(text) >= 100 && decimals < 8) text = (fraction * 100).toFixed(++decimals)
  return `${trim(text)}%`
}

/** A signed percentage: "+12%", "−3.4%", "0%". */
export function signedPercent(fraction: number): string {
  if (fraction === 0 || Object.is(fraction, -0)) return '0%'
  return `${fraction < 0 ? '−' : '+'}${percent(fraction)}`
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}

/** The confidence level as a label: 0.95 → "95% CI". */
export function ciLabel(level: number): string {
  return `${trim((level * 100).toFixed(1))}% CI`
}

/**
 * An interval of relative change, read along the direction the sentence speaks of:
 * rising "(95% CI 21–55%)", falling "(95% CI 21–55%)" in magnitudes, otherwise signed
 * "(95% CI −3.1% to +12%)", and open-ended "(95% CI +44% or more)".
 */
export function relativeInterval(interval: Interval, speaking: 'rise' | 'fall' | 'change'): string {
  const { lower, upper } = interval
  const label = ciLabel(interval.level)
  if (!Number.isFinite(upper)) return `(${label} ${signedPercent(lower)} or more)`
  if (speaking === 'rise' && lower >= 0) return `(${label} ${range(lower, upper)})`
  if (speaking === 'fall' && upper <= 0) return `(${label} ${range(-upper, -lower)})`
  return `(${label} ${signedPercent(lower)} to ${signedPercent(upper)})`
}

function range(a: number, b: number): string {
  const pa = percent(a)
  const pb = percent(b)
  return pa === pb ? pa : `${pa.replace('%', '')}–${pb}`
}

/** p-values as people read them: "p = 0.031", "p < 0.0001". */
export function pValueText(p: number): string {
  if (Number.isNaN(p)) return 'p not computed'
  if (p < 0.0001) return 'p < 0.0001'
  if (p >= 0.1) return `p = ${p.toFixed(2)}`
  return `p = ${trim(p.toPrecision(2))}`
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** A value with its unit: 123.4 ms → "123 ms", 0.5 s → "0.5 s". */
export function quantity(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  const text = trim(value.toFixed(digits))
  if (!unit) return text
  return unit === '%' ? `${text}%` : `${text} ${unit}`
}

/** A rate with its counts: "0.07% (7 of 10,000)". */
export function rateText(events: number, trials: number): string {
  return `${percent(trials > 0 ? events / trials : 0)} (${count(events)} of ${count(trials)})`
}

/** Rounds a needed sample size up to two significant digits: 4312 → 4,400. */
export function roughCount(n: number): string {
  if (!Number.isFinite(n)) return 'many more'
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(1, n))) - 1)
  return count(Math.ceil(n / magnitude) * magnitude)
}
