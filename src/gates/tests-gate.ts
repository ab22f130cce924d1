/**
 * @module gates/tests-gate
 * The tests gate: the candidate's test results, from JUnit XML reports. A failure or an error
 * fails the gate, skipped tests are noted, and a report that is missing, malformed, or holds
 * fewer test cases than `minTests` fails it too: no tests is no evidence.
 *
 *     gates: [{ tests: reports/junit/*.xml }]
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import type { GateResult } from '../core/types.ts'
import type { Gate, GateContext } from './gate.ts'
import { parseJunit, type TestCaseResult } from './junit.ts'
import { globsField, matchFiles, shownPath } from './match-files.ts'

export const testsGateSchema = z.strictObject({
  /** JUnit XML files: a glob or a list of globs, relative to the spec's directory. */
  tests: globsField(),
  /** Fewest test cases the reports must hold. Default 1. */
  minTests: z.number().int().min(0).default(1),
})
export type TestsGateOptions = z.output<typeof testsGateSchema>

const MAX_LISTED = 10

export const testsGate: Gate<TestsGateOptions> = {
  kind: 'tests',
  async evaluate(ctx: GateContext, options: TestsGateOptions): Promise<GateResult> {
    const files = await matchFiles(options.tests, ctx.dir)
    if (files.length === 0) {
      return {
        status: 'fail',
        reasons: [`no JUnit report matches ${options.tests.join(', ')} (relative to ${ctx.dir}): did the tests run?`],
      }
    }
    const cases: TestCaseResult[] = []
    const totals = { tests: 0, failures: 0, errors: 0, skipped: 0 }
    const unreadable: string[] = []
    for (const file of files) {
      try {
        const report = parseJunit(await readFile(file, 'utf8'))
        cases.push(...report.cases)
        for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += report.uncounted[key]
      } catch (error) {
        unreadable.push(`${shownPath(file, ctx.dir)} is not a readable JUnit report: ${(error as Error).message}`)
      }
    }
    return judgeTests(cases, totals, options, { files: files.map((f) => shownPath(f, ctx.dir)), unreadable })
  },
}

/** The gate's decision from test cases (pure). `totals` are suites known only by their counts. */
export function judgeTests(
  cases: TestCaseResult[],
  totals: { tests: number; failures: number; errors: number; skipped: number },
  options: Pick<TestsGateOptions, 'minTests'>,
  source: { files: string[]; unreadable: string[] },
): GateResult {
  const failed = cases.filter((c) => c.status === 'failed' || c.status === 'error')
  const skipped = cases.filter((c) => c.status === 'skipped').length + totals.skipped
  const flaky = cases.filter((c) => c.flaky && c.status === 'passed').length
  const total = cases.length + totals.tests
  const failedCount = failed.length + totals.failures + totals.errors
  const passed = total - failedCount - skipped
  const counts = { total, passed, failed: failedCount, skipped, flaky }
  const details = { files: source.files, ...counts }
  const notes = [
    ...(skipped ? [`${skipped} skipped`] : []),
    ...(flaky ? [`${flaky} passed only on a rerun (flaky)`] : []),
  ]
  const summary = `${total} tests in ${source.files.join(', ')}: ${passed} passed, ${failedCount} failed${notes.length ? `, ${notes.join(', ')}` : ''}`

  if (failedCount || source.unreadable.length) {
    const listed = failed.slice(0, MAX_LISTED).map(describeCase)
    if (failedCount > listed.length) listed.push(`… and ${failedCount - listed.length} more`)
    return { status: 'fail', reasons: [summary, ...source.unreadable, ...listed], details }
  }
  if (total < options.minTests) {
    return {
      status: 'fail',
      reasons: [
        total === 0
          ? `the reports hold no test case (${source.files.join(', ')}): no tests ran, so nothing shows the candidate works`
          : `${summary}; fewer than the ${options.minTests} tests required (minTests)`,
      ],
      details,
    }
  }
  return { status: 'pass', reasons: [summary], details }
}

function describeCase(c: TestCaseResult): string {
  const name = [c.classname, c.name].filter(Boolean).join(' › ')
  const where = c.file ? ` (${c.file}${c.line ? `:${c.line}` : ''})` : ''
  const what = c.status === 'error' ? 'error' : 'failed'
  return `${what}: ${name}${where}${c.message ? ` — ${c.message}` : ''}`
}
