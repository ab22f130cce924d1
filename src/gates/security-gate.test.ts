import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { GateContext } from './gate.ts'
import { readSarif, severityOfScore } from './sarif.ts'
import { securityGate, securityGateSchema } from './security-gate.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-security-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ctx: GateContext = { rehearsalId: 'r_test', project: 'p', dir, evidence: {} }
const signal = new AbortController().signal

type Result = Record<string, unknown>
const at = (uri: string, line: number) => [
  { physicalLocation: { artifactLocation: { uri }, region: { startLine: line } } },
]

/** A SARIF 2.1.0 log of one run, as CodeQL or Semgrep write it. */
function sarif(tool: string, rules: Result[], results: Result[], extensions?: Result[]): string {
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: tool, rules }, ...(extensions ? { extensions } : {}) }, results }],
  })
}

function write(name: string, text: string): string {
  const file = join(dir, name)
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, text)
  return name
}

const codeql = sarif(
  'CodeQL',
  [
    { id: 'js/sql-injection', properties: { 'security-severity': '8.8' } },
    { id: 'js/xss', properties: { 'security-severity': '6.1' } },
    { id: 'js/hardcoded-key', properties: { 'security-severity': '9.8' } },
    { id: 'js/unused-var', defaultConfiguration: { level: 'note' } },
  ],
  [
    {
      ruleId: 'js/sql-injection',
      ruleIndex: 0,
      message: { text: 'Query built from [user input](1).' },
      locations: at('src/db.js', 42),
    },
    {
      ruleId: 'js/sql-injection',
      ruleIndex: 0,
      message: { text: 'Query built from user input.' },
      locations: at('src/api.js', 10),
    },
    { ruleId: 'js/xss', message: { text: 'Reflected XSS.' }, locations: at('src/view.js', 7) },
    { ruleId: 'js/unused-var', message: { text: 'Unused variable x.' }, locations: at('src/util.js', 3) },
    // Suppressed (accepted) and fixed results are not findings, as on GitHub.
    {
      ruleId: 'js/hardcoded-key',
      message: { text: 'Key in source.' },
      locations: at('test/fixture.js', 1),
      suppressions: [{ kind: 'inSource', status: 'accepted' }],
    },
    {
      ruleId: 'js/hardcoded-key',
      message: { text: 'Key in source.' },
      locations: at('old.js', 1),
      baselineState: 'absent',
    },
  ],
)

describe('readSarif', () => {
  it('maps security-severity scores like GitHub: ≥9 critical, ≥7 high, ≥4 medium, >0 low, 0 none', () => {
    expect([10, 9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(severityOfScore)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
      'none',
    ])
  })

  it('resolves levels: the result, else the rule default, else warning; non-fail kinds have none', () => {
    const findings = readSarif(
      sarif(
        'ESLint',
        [{ id: 'no-eval', defaultConfiguration: { level: 'error' } }, { id: 'eqeqeq' }],
        [
          { ruleId: 'no-eval', message: { text: 'eval is evil' } },
          { ruleId: 'eqeqeq', message: { text: 'use ===' } },
          { ruleId: 'eqeqeq', level: 'note', message: { text: 'use ===' } },
          { ruleId: 'eqeqeq', kind: 'pass', level: 'error', message: { text: 'fine' } },
        ],
      ),
    )
    expect(findings.map((f) => f.level)).toEqual(['error', 'warning', 'note', 'none'])
    expect(findings.every((f) => f.severity === undefined)).toBe(true)
  })

  it('finds rules of extensions by toolComponent index, and security-severity on the result itself', () => {
    const findings = readSarif(
      sarif(
        'CodeQL',
        [],
        [
          { rule: { id: 'py/path-injection', index: 0, toolComponent: { index: 0 } }, message: { text: 'path' } },
          { ruleId: 'custom', properties: { 'security-severity': 9.1 }, message: { text: 'x' } },
        ],
        [
          {
            name: 'codeql/python-queries',
            rules: [{ id: 'py/path-injection', properties: { 'security-severity': '7.5' } }],
          },
        ],
      ),
    )
    expect(findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['py/path-injection', 'high'],
      ['custom', 'critical'],
    ])
  })

  it('rejects what is not SARIF 2.1.0', () => {
    expect(() => readSarif('{ not json')).toThrow(/not JSON/)
    expect(() => readSarif(JSON.stringify({ version: '2.0.0', runs: [] }))).toThrow(/not SARIF 2.1.0/)
    expect(() => readSarif(JSON.stringify({ version: '2.1.0' }))).toThrow(/no runs array/)
  })
})

describe('security gate', () => {
  const options = (value: Record<string, unknown>) => securityGateSchema.parse(value)

  it('fails at or above high by default, naming each rule with its locations and count', async () => {
    write('reports/codeql.sarif', codeql)
    const result = await securityGate.evaluate(ctx, options({ security: 'reports/*.sarif' }), signal)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toBe(
      '2 findings at or above the threshold (security severity high, other findings error): 2 high, in reports/codeql.sarif',
    )
    expect(result.reasons).toContain(
      'high: js/sql-injection (CodeQL, security-severity 8.8) × 2 at src/db.js:42, src/api.js:10 — Query built from user input.',
    )
    expect(result.reasons).toContain('2 findings below the threshold, not counted (1 medium, 1 note)')
    expect(result.details).toMatchObject({ failing: 2, counts: { high: 2, medium: 1, note: 1 } })
  })

  it('passes when every finding is below failOn, and fails on medium when asked', async () => {
    write(
      'only-medium/x.sarif',
      sarif(
        'Semgrep',
        [{ id: 'r1', properties: { 'security-severity': '5.0' } }],
        [{ ruleId: 'r1', message: { text: 'weak hash' }, locations: at('a.py', 3) }],
      ),
    )
    const high = await securityGate.evaluate(ctx, options({ security: 'only-medium/*.sarif' }), signal)
    expect(high.status).toBe('pass')
    expect(high.reasons[0]).toMatch(
      /^no finding at or above the threshold \(security severity high, .*only-medium\/x\.sarif; Semgrep\)$/,
    )
    const medium = await securityGate.evaluate(
      ctx,
      options({ security: 'only-medium/*.sarif', failOn: 'medium' }),
      signal,
    )
    expect(medium.status).toBe('fail')
    expect(medium.reasons).toContain('medium: r1 (Semgrep, security-severity 5) × 1 at a.py:3 — weak hash')
  })

  it('judges findings without security-severity by level (failOnLevel), reading every file the globs match', async () => {
    write(
      'lint/a.sarif',
      sarif('ESLint', [], [{ ruleId: 'no-eval', level: 'error', message: { text: 'eval' }, locations: at('x.js', 1) }]),
    )
    write(
      'lint/nested/b.sarif',
      sarif('ESLint', [], [{ ruleId: 'eqeqeq', level: 'warning', message: { text: '===' } }]),
    )
    const errors = await securityGate.evaluate(ctx, options({ security: ['lint/**/*.sarif'] }), signal)
    expect(errors.status).toBe('fail')
    expect(errors.reasons[0]).toContain('lint/a.sarif, lint/nested/b.sarif')
    expect(errors.reasons).toContain('error: no-eval (ESLint) × 1 at x.js:1 — eval')
    const none = await securityGate.evaluate(ctx, options({ security: 'lint/**/*.sarif', failOnLevel: 'none' }), signal)
    expect(none.status).toBe('pass')
  })

  it('fails when no report matches (the scan did not run) or a report is unreadable', async () => {
    const missing = await securityGate.evaluate(ctx, options({ security: 'nowhere/*.sarif' }), signal)
    expect(missing.status).toBe('fail')
    expect(missing.reasons[0]).toMatch(/^no SARIF report matches nowhere\/\*\.sarif/)
    write('broken/x.sarif', '{"version": "2.1.0", "runs": [')
    const broken = await securityGate.evaluate(ctx, options({ security: 'broken/*.sarif' }), signal)
    expect(broken.status).toBe('fail')
    expect(broken.reasons[0]).toMatch(/^broken\/x\.sarif is not a readable SARIF 2\.1\.0 log: not JSON/)
  })
})
