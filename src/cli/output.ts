/**
 * @module cli/output
 * How the CLI speaks: human text (colour only on a TTY) or `--json`, errors as
 * `error[CODE]: message` with the place and a hint, never a stack trace for an expected failure.
 */
import { formatLocation, isRehearseError, RehearseError } from '../core/errors.ts'

export type Output = {
  json: boolean
  color: boolean
  tty: boolean
  out: (text: string) => void
  err: (text: string) => void
}

export function createOutput(options: { json?: boolean; color?: boolean } = {}): Output {
  const tty = Boolean(process.stdout.isTTY)
  const color = options.color ?? (tty && !process.env['NO_COLOR'] && process.env['TERM'] !== 'dumb')
  return {
    json: Boolean(options.json),
    color,
    tty,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  }
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const
export type Colour = keyof typeof CODES

/** Wraps text in an ANSI colour when the output has colour. */
export function paint(output: Pick<Output, 'color'>, colour: Colour, text: string): string {
  return output.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text
}

/** Any thrown value as a RehearseError (unexpected ones become INTERNAL, keeping the original). */
export function toRehearseError(error: unknown): RehearseError {
  if (isRehearseError(error)) return error
  const message = error instanceof Error ? error.message : String(error)
  return new RehearseError('INTERNAL', `Unexpected error: ${message}`, {
    cause: error,
    hint: 'This is a bug in Rehearse. Run again with REHEARSE_DEBUG=1 for the stack trace and report it.',
  })
}

/** Prints an error the way users read it; returns the exit code it maps to. */
export function printError(output: Output, thrown: unknown): number {
  const error = toRehearseError(thrown)
  if (output.json) {
    output.out(JSON.stringify({ error: error.toJSON() }, null, 2))
    return error.exitCode
  }
  const problems = (error.details?.['problems'] as Array<ReturnType<RehearseError['toJSON']>> | undefined) ?? [
    error.toJSON(),
  ]
  for (const problem of problems) {
    const where = formatLocation(problem['location'] as RehearseError['location'])
    output.err(`${paint(output, 'red', `error[${String(problem['code'])}]`)}: ${String(problem['message'])}`)
    if (where) output.err(`  ${paint(output, 'gray', '-->')} ${where}`)
    if (problem['hint']) output.err(`  ${paint(output, 'cyan', 'hint:')} ${String(problem['hint'])}`)
  }
  const lastLines = error.details?.['lastLines']
  if (Array.isArray(lastLines) && lastLines.length) {
    output.err(paint(output, 'gray', '  last log lines:'))
    for (const line of lastLines.slice(-20)) output.err(paint(output, 'gray', `  | ${String(line)}`))
  }
  if (process.env['REHEARSE_DEBUG'] && error.code === 'INTERNAL') {
    const cause = error.cause instanceof Error ? error.cause.stack : String(error.cause)
    output.err(cause ?? '')
  }
  return error.exitCode
}

/** A fixed-width text table (first row is the header). */
export function table(rows: string[][], output?: Pick<Output, 'color'>): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))
    })
  }
  return rows
    .map((row, r) => {
      const line = row
        .map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell)))
        .join('  ')
        .trimEnd()
      return r === 0 && output ? paint(output, 'bold', line) : line
    })
    .join('\n')
}

function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  return text.replace(/\u001b\[[0-9;]*m/g, '').length
}
