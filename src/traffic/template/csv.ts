/**
 * @module traffic/template/csv
 * A small RFC 4180 CSV parser (quoted fields, `""` escapes, commas and newlines inside quotes,
 * CRLF or LF, a leading BOM) for the value files of `${pick(file.csv)}`. Written here rather than
 * taken from a package: it is forty lines, and the files are read once, before the run.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { RehearseError } from '../../core/errors.ts'

/** A CSV syntax error with the 1-based line where it was found. */
export class CsvSyntaxError extends Error {
  readonly line: number
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`)
    this.line = line
  }
}

/** Parses CSV text into records of fields. Blank lines are skipped. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = []
  let record: string[] = []
  let field = ''
  let quoted = false // inside a quoted field
  let wasQuoted = false // the current field was quoted (only a separator may follow)
  let line = 1
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const endRecord = () => {
    record.push(field)
    if (record.length > 1 || record[0] !== '' || wasQuoted) records.push(record)
    record = []
    field = ''
    wasQuoted = false
  }
  for (; i < text.length; i++) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else {
        if (ch === '\n') line++
        field += ch
      }
    } else if (ch === ',') {
      record.push(field)
      field = ''
      wasQuoted = false
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
    } else if (wasQuoted) {
      throw new CsvSyntaxError('unexpected text after a closing quote', line)
    } else if (ch === '"') {
      if (field !== '')
        throw new CsvSyntaxError('a quote inside an unquoted field (quote the whole field and double the quote)', line)
      quoted = true
      wasQuoted = true
    } else field += ch
  }
  if (quoted) throw new CsvSyntaxError('a quoted field is not closed', line)
  if (field !== '' || record.length > 0 || wasQuoted) endRecord()
  return records
}

/**
 * The values of one column of a CSV file whose first row names the columns (the first column when
 * `column` is absent). Relative paths are relative to `baseDir`. Errors are TRAFFIC_TEMPLATE_FILE.
 */
export function readCsvColumn(file: string, column: string | undefined, baseDir: string): string[] {
  const path = isAbsolute(file) ? file : resolve(baseDir, file)
  const fail = (message: string, hint: string, cause?: unknown) =>
    new RehearseError('TRAFFIC_TEMPLATE_FILE', message, { hint, location: { file }, details: { path }, cause })
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw fail(`Cannot read ${file}.`, "Check the path; it is relative to the spec's directory.", cause)
  }
  let rows: string[][]
  try {
    rows = parseCsv(text)
  } catch (cause) {
    throw fail(
      `${file} is not valid CSV: ${(cause as Error).message}.`,
      'Quote fields that hold commas, quotes or newlines.',
      cause,
    )
  }
  const header = rows[0]
  if (!header || rows.length < 2) {
    throw fail(`${file} has no values.`, 'The first row names the columns; the values follow, one row each.')
  }
  const index = column === undefined ? 0 : header.indexOf(column)
  if (index < 0) {
    throw fail(`${file} has no column "${column}".`, `Its columns are: ${header.join(', ')}.`)
  }
  const values: string[] = []
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!
    if (row.length !== header.length) {
      throw fail(
        `${file}: row ${r + 1} has ${row.length} fields, the header has ${header.length}.`,
        'Give every row as many fields as the header (quote fields that hold commas).',
      )
    }
    values.push(row[index]!)
  }
  return values
}
