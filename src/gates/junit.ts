/**
 * @module gates/junit
 * Test results from JUnit XML, the report format every test runner can write (Surefire, pytest,
 * Jest, Vitest, go-junit-report…): `<testsuites>` or a lone `<testsuite>`, with `<testcase>`s
 * that hold a `<failure>`, an `<error>` or a `<skipped>` when they did not simply pass. Parsed
 * with `sax` in strict mode, so a truncated or malformed report is an error with its line.
 */
import sax from 'sax'

export type TestCaseStatus = 'passed' | 'failed' | 'error' | 'skipped'

export type TestCaseResult = {
  suite: string
  classname: string
  name: string
  status: TestCaseStatus
  /** The failure's or error's message (its `message` attribute, else the first line of its text). */
  message?: string
  /** Where the test is, when the runner says (`file`/`line` attributes). */
  file?: string
  line?: number
  /** Surefire's reruns: it failed at first and passed on a rerun. */
  flaky?: boolean
}

export type JunitReport = {
  cases: TestCaseResult[]
  /**
   * Counts from `<testsuite>` attributes of suites that list no test case (some runners write
   * only totals); added to the cases by the gate.
   */
  uncounted: { tests: number; failures: number; errors: number; skipped: number }
}

/** Thrown for XML that is malformed or not JUnit; the message gives the line. */
export class JunitFormatError extends Error {
  override readonly name = 'JunitFormatError'
}

/** Reads one JUnit XML document. Throws JunitFormatError for anything else. */
export function parseJunit(xml: string): JunitReport {
  const parser = sax.parser(true, { trim: false, position: true })
  const cases: TestCaseResult[] = []
  const uncounted = { tests: 0, failures: 0, errors: 0, skipped: 0 }
  const suites: Array<{ name: string; attributes: Record<string, string>; cases: number }> = []
  let current: TestCaseResult | undefined
  let problemText: string | undefined
  let root: string | undefined
  let failure: JunitFormatError | undefined

  parser.onerror = (error) => {
    // sax counts lines from 0. Only the first error is reported; resume() lets write() finish.
    failure ??= new JunitFormatError(
      `malformed XML at line ${parser.line + 1}, column ${parser.column}: ${error.message.split('\n')[0]}`,
    )
    parser.resume()
  }
  parser.onopentag = (node) => {
    const tag = node as sax.Tag
    const attrs = tag.attributes
    root ??= tag.name
    switch (tag.name) {
      case 'testsuite':
        suites.push({ name: attrs['name'] ?? '', attributes: attrs, cases: 0 })
        break
      case 'testcase': {
        const line = Number(attrs['line'])
        current = {
          suite: suites.at(-1)?.name ?? '',
          classname: attrs['classname'] ?? attrs['class'] ?? '',
          name: attrs['name'] ?? '(unnamed)',
          status: 'passed',
          ...(attrs['file'] ? { file: attrs['file'] } : {}),
          ...(Number.isInteger(line) && line > 0 ? { line } : {}),
        }
        const suite = suites.at(-1)
        if (suite) suite.cases++
        break
      }
      case 'failure':
      case 'error':
        if (current && current.status !== 'failed') {
          current.status = tag.name === 'failure' ? 'failed' : 'error'
          if (attrs['message']) current.message = oneLine(attrs['message'])
          problemText = ''
        }
        break
      case 'skipped':
        if (current && current.status === 'passed') {
          current.status = 'skipped'
          if (attrs['message']) current.message = oneLine(attrs['message'])
        }
        break
      case 'flakyFailure':
      case 'flakyError':
        if (current) current.flaky = true
        break
    }
  }
  const onText = (text: string) => {
    if (problemText !== undefined && problemText.length < 2_000) problemText += text
  }
  parser.ontext = onText
  parser.oncdata = onText
  parser.onclosetag = (name) => {
    if ((name === 'failure' || name === 'error') && problemText !== undefined) {
      if (current && !current.message && problemText.trim()) current.message = oneLine(problemText)
      problemText = undefined
    } else if (name === 'testcase' && current) {
      cases.push(current)
      current = undefined
    } else if (name === 'testsuite') {
      const suite = suites.pop()
      if (suite && suite.cases === 0) {
        for (const key of ['tests', 'failures', 'errors', 'skipped'] as const) {
          const n = Number(suite.attributes[key] ?? 0)
          if (Number.isInteger(n) && n > 0) uncounted[key] += n
        }
      }
    }
  }

  parser.write(xml).close()
  if (failure) throw failure
  if (root !== 'testsuites' && root !== 'testsuite') {
    throw new JunitFormatError(
      root ? `not a JUnit report: the root element is <${root}>, not <testsuites> or <testsuite>` : 'empty document',
    )
  }
  return { cases, uncounted }
}

function oneLine(text: string): string {
  const line = text.trim().split('\n')[0]!.trim()
  return line.length > 300 ? `${line.slice(0, 300)}…` : line
}
