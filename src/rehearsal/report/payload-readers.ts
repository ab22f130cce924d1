/**
 * @module rehearsal/report/payload-readers
 * Small, forgiving readers for event payloads. The log may come from an older or newer Rehearse,
 * or from a run that died half way, so a field of the wrong type reads as absent rather than
 * breaking the report.
 */

export type Json = Record<string, unknown>

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function objectOr(value: unknown): Json {
  return isObject(value) ? value : {}
}

export function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** A finite number, or null (the store turns ±Infinity into null). */
export function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

export function bool(value: unknown): boolean {
  return value === true
}

export function texts(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export function numbers(value: unknown): number[] | null {
  if (!Array.isArray(value)) return null
  return value.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (value as number[]) : null
}

/** An interval whose missing bounds were ±Infinity before they went through JSON. */
export function intervalOf(value: unknown): { lower: number; upper: number; level: number } | null {
  if (!isObject(value)) return null
  const level = finite(value['level'])
  if (level === null) return null
  return {
    lower: finite(value['lower']) ?? Number.NEGATIVE_INFINITY,
    upper: finite(value['upper']) ?? Number.POSITIVE_INFINITY,
    level,
  }
}

/** ANSI colour codes make service logs unreadable outside a terminal. */
export function stripAnsi(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what is being removed
  return line.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
}
