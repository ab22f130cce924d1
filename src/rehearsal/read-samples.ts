/**
 * @module rehearsal/read-samples
 * Samples for `rehearse judge` from files people already have: one number per line (a header
 * line and `#` comments allowed), a CSV column picked by name, a JSON array of numbers (or of
 * objects, with a column), or `{ "events": E, "trials": N }` counts for a rate. A value that is
 * not a number is an error naming the file and the line, never a silent skip.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { type ErrorLocation, RehearseError } from '../core/errors.ts'

export type Samples = { kind: 'values'; values: number[] } | { kind: 'counts'; events: number; trials: number }

export type ReadSamplesOptions = {
  /** Directory relative paths resolve against. */
  cwd: string
  /** The column to read (CSV header name, or key of JSON objects). */
  column?: string | undefined
}

/** Reads one sample file. FILE_NOT_FOUND, JUDGE_FORMAT, JUDGE_BAD_VALUE, JUDGE_NO_COLUMN, JUDGE_EMPTY. */
export function readSamples(file: string, options: ReadSamplesOptions): Samples {
  let text: string
  try {
    text = readFileSync(resolve(options.cwd, file), 'utf8').replace(/^\uFEFF/, '')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new RehearseError('FILE_NOT_FOUND', `Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code}.`, {
      location: { file },
      hint: 'Check the path (relative to the current directory, or to -C).',
    })
  }
  const looksJson = /\.json$/i.test(file) || /^\s*[[{]/.test(text)
  const samples = looksJson ? fromJson(text, file, options.column) : fromText(text, file, options.column)
  if (samples.kind === 'values' && samples.values.length === 0) {
    throw new RehearseError(
      'JUDGE_EMPTY',
      `${file} holds no values${options.column ? ` in column ${options.column}` : ''}.`,
      {
        location: { file },
        hint: 'Give one number per line, or pick the column that holds them with --column.',
      },
    )
  }
  return samples
}

/** 0/1 values (one per request: failed or not) as counts, for `--kind rate`. */
export function valuesToCounts(values: readonly number[], file: string): { events: number; trials: number } {
  const bad = values.findIndex((v) => v !== 0 && v !== 1)
  if (bad >= 0) {
    throw new RehearseError(
      'JUDGE_FORMAT',
      `${file}: a rate takes one 0 or 1 per request (1 = failed), or { "events": E, "trials": N }; value ${bad + 1} is ${values[bad]}.`,
      {
        location: { file },
        hint: 'Write 1 for each failed request and 0 for each good one, or give the counts as JSON.',
      },
    )
  }
  return { events: values.filter((v) => v === 1).length, trials: values.length }
}

function badValue(file: string, value: string, location: ErrorLocation, what = 'is not a number'): never {
  throw new RehearseError(
    'JUDGE_BAD_VALUE',
    `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} ${what}.`,
    {
      location: { file, ...location },
      hint: 'Fix or remove that value; empty lines and lines starting with # are skipped.',
    },
  )
}

function number(cell: string): number | undefined {
  const text = cell.trim()
  if (text === '') return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

function fromText(text: string, file: string, column: string | undefined): Samples {
  const lines = text.split(/\r?\n/)
  const values: number[] = []
  let index = 0 // the column to read
  let header = false
  let delimiter: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (!line.trim() || line.trimStart().startsWith('#')) continue
    delimiter ??= line.includes('\t') ? '\t' : ','
    const cells = splitCsv(line, delimiter)
    if (!header && values.length === 0) {
      header = true
      const numeric = cells.every((c) => number(c) !== undefined)
      if (column !== undefined) {
        if (numeric) throw noColumn(file, column, [], i + 1)
        index = cells.findIndex((c) => c.trim() === column)
        if (index < 0)
          throw noColumn(
            file,
            column,
            cells.map((c) => c.trim()),
            i + 1,
          )
        continue
      }
      if (cells.length > 1) {
        throw new RehearseError('JUDGE_FORMAT', `${file} has ${cells.length} columns; which one holds the samples?`, {
          location: { file, line: i + 1 },
          hint: numeric
            ? 'Give the file a header row and pick the column with --column NAME, or keep one number per line.'
            : `Pick one with --column (${cells.map((c) => c.trim()).join(', ')}).`,
        })
      }
      if (!numeric) continue // a one-column header such as "latency_ms"
    }
    const cell = cells[index]
    if (cell === undefined) badValue(file, line, { line: i + 1 }, `has no column ${index + 1}`)
    const value = number(cell)
    if (value === undefined) badValue(file, cell.trim(), { line: i + 1 }, cell.trim() ? 'is not a number' : 'is empty')
    values.push(value)
  }
  return { kind: 'values', values }
}

/** Splits one CSV line; double quotes may wrap a cell (and "" is a quote inside one). */
function splitCsv(line: string, delimiter: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (ch === '"') quoted = false
      else cell += ch
    } else if (ch === '"') quoted = true
    else if (ch === delimiter) {
      cells.push(cell)
      cell = ''
    } else cell += ch
  }
  cells.push(cell)
  return cells
}

function noColumn(file: string, column: string, columns: string[], line: number): RehearseError {
  return new RehearseError('JUDGE_NO_COLUMN', `${file} has no column named ${JSON.stringify(column)}.`, {
    location: { file, line },
    hint: columns.length ? `Its columns are: ${columns.join(', ')}.` : 'The file has no header row: drop --column.',
  })
}

function fromJson(text: string, file: string, column: string | undefined): Samples {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    const message = (error as Error).message
    throw new RehearseError('JUDGE_FORMAT', `${file} is not valid JSON: ${message.split('\n')[0]}`, {
      location: { file, ...jsonErrorLine(text, message) },
      hint: 'Give a JSON array of numbers, or { "events": E, "trials": N } for a rate.',
    })
  }
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const o = doc as Record<string, unknown>
    if (column !== undefined) {
      if (!Array.isArray(o[column])) throw noColumn(file, column, Object.keys(o), 1)
      return { kind: 'values', values: numbersOf(o[column], text, file) }
    }
    const { events, trials } = o
    if (
      Number.isInteger(events) &&
      Number.isInteger(trials) &&
      (events as number) >= 0 &&
      (trials as number) >= (events as number)
    ) {
      return { kind: 'counts', events: events as number, trials: trials as number }
    }
    throw new RehearseError(
      'JUDGE_FORMAT',
      `${file}: an object must be { "events": E, "trials": N } with whole numbers, 0 ≤ E ≤ N.`,
      {
        location: { file },
        hint: 'Give counts for a rate, a JSON array of numbers, or pick an array inside the object with --column.',
      },
    )
  }
  if (!Array.isArray(doc)) {
    throw new RehearseError(
      'JUDGE_FORMAT',
      `${file} is JSON but neither an array of numbers nor { "events", "trials" }.`,
      {
        location: { file },
        hint: 'Give a JSON array of numbers, or { "events": E, "trials": N } for a rate.',
      },
    )
  }
  if (column !== undefined) {
    const picked = doc.map((item, i) => {
      if (item === null || typeof item !== 'object' || !(column in item)) {
        const keys = item !== null && typeof item === 'object' ? Object.keys(item) : []
        throw noColumn(file, column, keys, arrayElementLine(text, i))
      }
      return (item as Record<string, unknown>)[column]
    })
    return { kind: 'values', values: numbersOf(picked, text, file) }
  }
  return { kind: 'values', values: numbersOf(doc, text, file) }
}

function numbersOf(items: unknown[], text: string, file: string): number[] {
  return items.map((item, i) => {
    if (typeof item === 'number' && Number.isFinite(item)) return item
    return badValue(file, JSON.stringify(item) ?? String(item), { line: arrayElementLine(text, i), path: `[${i}]` })
  })
}

/** The line of the `index`-th element of the document's first array (for messages). */
function arrayElementLine(text: string, index: number): number {
  let line = 1
  let depth = 0
  let inString = false
  let element = 0
  let started = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\n') line++
    if (inString) {
      if (ch === '\\') i++
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') inString = true
    if (ch === '[' || ch === '{') {
      depth++
      if (ch === '[' && !started) {
        started = true
        depth = 1
        continue
      }
    } else if (ch === ']' || ch === '}') depth--
    else if (ch === ',' && depth === 1 && started) element++
    if (started && element === index && depth >= 1 && !/[\s,[]/.test(ch)) return line
  }
  return line
}

function jsonErrorLine(text: string, message: string): { line?: number; column?: number } {
  const at = /\(line (\d+) column (\d+)\)/.exec(message)
  if (at) return { line: Number(at[1]), column: Number(at[2]) }
  const token = /Unexpected token '(.+?)'/.exec(message)?.[1]
  const position = token ? text.indexOf(token) : -1
  if (position < 0) return { line: text.split('\n').length }
  const before = text.slice(0, position).split('\n')
  return { line: before.length, column: before.at(-1)!.length + 1 }
}
