import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { GateContext } from './gate.ts'
import { parseJunit } from './junit.ts'
import { testsGate, testsGateSchema } from './tests-gate.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-junit-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ctx: GateContext = { rehearsalId: 'r_test', project: 'p', dir, evidence: {} }
const signal = new AbortController().signal
const options = (value: Record<string, unknown>) => testsGateSchema.parse(value)

function write(name: string, text: string): void {
  const file = join(dir, name)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, text)
}

/** As Maven Surefire writes it: a failure with a message, an error with only text, a skip. */
const surefire = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.shop.CartTest" tests="5" failures="1" errors="1" skipped="1" time="0.42">
  <properties><property name="java.version" value="21"/></properties>
  <testcase classname="com.shop.CartTest" name="addsItem" time="0.01"/>
  <testcase classname="com.shop.CartTest" name="totals" time="0.02">
    <failure message="expected: &lt;10&gt; but was: &lt;12&gt;" type="org.opentest4j.AssertionFailedError">stack…</failure>
  </testcase>
  <testcase classname="com.shop.CartTest" name="checkout" time="0.03">
    <error type="java.lang.NullPointerException"><![CDATA[java.lang.NullPointerException: price is null
	at com.shop.Cart.total(Cart.java:42)]]></error>
  </testcase>
  <testcase classname="com.shop.CartTest" name="legacy"><skipped message="disabled"/></testcase>
  <testcase classname="com.shop.CartTest" name="flaky" time="0.5">
    <flakyFailure message="timeout" type="java.util.concurrent.TimeoutException"/>
  </testcase>
</testsuite>`

/** As Vitest/Jest write it: <testsuites> with file and line attributes. */
const vitest = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="2" failures="0" errors="0" time="0.1">
  <testsuite name="src/cart.test.ts" tests="2" failures="0" errors="0" skipped="0">
    <testcase classname="src/cart.test.ts" name="cart &gt; adds" file="src/cart.test.ts" line="4" time="0.001"/>
    <testcase classname="src/cart.test.ts" name="cart &gt; removes" time="0.001"/>
  </testsuite>
</testsuites>`

describe('parseJunit', () => {
  it('reads each test case with its status and the first line of its message', () => {
    const { cases } = parseJunit(surefire)
    expect(cases.map((c) => [c.name, c.status])).toEqual([
      ['addsItem', 'passed'],
      ['totals', 'failed'],
      ['checkout', 'error'],
      ['legacy', 'skipped'],
      ['flaky', 'passed'],
    ])
    expect(cases[1]!.message).toBe('expected: <10> but was: <12>')
    expect(cases[2]!.message).toBe('java.lang.NullPointerException: price is null')
    expect(cases[4]!.flaky).toBe(true)
    expect(parseJunit(vitest).cases[0]).toMatchObject({ name: 'cart > adds', file: 'src/cart.test.ts', line: 4 })
  })

  it('counts suites that list only totals', () => {
    const { cases, uncounted } = parseJunit(
      '<testsuites><testsuite name="go" tests="7" failures="2" skipped="1"/></testsuites>',
    )
    expect(cases).toEqual([])
    expect(uncounted).toEqual({ tests: 7, failures: 2, errors: 0, skipped: 1 })
  })

  it('rejects malformed XML with its line, and XML that is not JUnit', () => {
    expect(() => parseJunit('<testsuite>\n  <testcase name="a">\n</testsuite>')).toThrow(/malformed XML at line 3/)
    expect(() => parseJunit('<html><body/></html>')).toThrow(/root element is <html>/)
    expect(() => parseJunit('')).toThrow(/empty document/)
  })
})

describe('tests gate', () => {
  it('fails on failures and errors, naming each test, and notes skipped and flaky ones', async () => {
    write('junit/cart.xml', surefire)
    write('junit/web/vitest.xml', vitest)
    const result = await testsGate.evaluate(ctx, options({ tests: 'junit/**/*.xml' }), signal)
    expect(result.status).toBe('fail')
    expect(result.reasons).toEqual([
      '7 tests in junit/cart.xml, junit/web/vitest.xml: 4 passed, 2 failed, 1 skipped, 1 passed only on a rerun (flaky)',
      'failed: com.shop.CartTest › totals — expected: <10> but was: <12>',
      'error: com.shop.CartTest › checkout — java.lang.NullPointerException: price is null',
    ])
    expect(result.details).toMatchObject({ total: 7, passed: 4, failed: 2, skipped: 1 })
  })

  it('passes when every test passed', async () => {
    write('green/vitest.xml', vitest)
    const result = await testsGate.evaluate(ctx, options({ tests: ['green/*.xml'] }), signal)
    expect(result).toMatchObject({ status: 'pass', reasons: ['2 tests in green/vitest.xml: 2 passed, 0 failed'] })
  })

  it('fails when no report matches, a report is malformed, or there are fewer tests than minTests', async () => {
    expect((await testsGate.evaluate(ctx, options({ tests: 'none/*.xml' }), signal)).reasons[0]).toMatch(
      /^no JUnit report matches none\/\*\.xml/,
    )
    write('bad/x.xml', '<testsuite><testcase name="a"></testsuite>')
    const bad = await testsGate.evaluate(ctx, options({ tests: 'bad/*.xml' }), signal)
    expect(bad.status).toBe('fail')
    expect(bad.reasons[1]).toMatch(/^bad\/x\.xml is not a readable JUnit report: malformed XML at line 1/)
    write('empty/x.xml', '<testsuites/>')
    const empty = await testsGate.evaluate(ctx, options({ tests: 'empty/*.xml' }), signal)
    expect(empty.status).toBe('fail')
    expect(empty.reasons[0]).toMatch(/hold no test case/)
    const few = await testsGate.evaluate(ctx, options({ tests: 'green/*.xml', minTests: 3 }), signal)
    expect(few).toMatchObject({
      status: 'fail',
      reasons: ['2 tests in green/vitest.xml: 2 passed, 0 failed; fewer than the 3 tests required (minTests)'],
    })
  })
})
