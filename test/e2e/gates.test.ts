/**
 * The gates a person and other systems take part in, and the actions after the verdict, run
 * through the CLI as a user would: tiny projects without traffic, so each run takes a second.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { serve, tempProject } from './project.ts'
import { runCli } from './run-cli.ts'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function project(spec: string, files: Record<string, string> = {}): string {
  const p = tempProject(spec)
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(p.dir, name, '..'), { recursive: true })
    writeFileSync(join(p.dir, name), text, { mode: 0o755 })
  }
  cleanups.push(async () => {
    await runCli(['down', '-C', p.dir])
    p.cleanup()
  })
  return p.dir
}

/** One service, two versions, one smoke check: the quickest rehearsal there is. */
const spec = (extra: string) => `name: gated
services:
  api:
    command: ${serve}
    env: { NAME: api }
    health: { http: /healthz, interval: 50ms }
versions:
  baseline: { services: { api: { env: { FLAVOUR: v1 } } } }
  candidate: { services: { api: { env: { FLAVOUR: v2 } } } }
smoke:
  - GET /healthz -> 200
${extra}`

const actions = `promote: { command: 'echo "$REHEARSE_VERDICT $REHEARSE_PROJECT $REHEARSE_REHEARSAL_ID" > promoted.txt' }
rollback: { command: 'echo "$REHEARSE_VERDICT $REHEARSE_REHEARSAL_ID" > rolled-back.txt' }
`

type Event = { type: string; data: Record<string, unknown> }

async function lastRehearsal(dir: string): Promise<{ id: string; verdict: string; exitCode: number; summary: string }> {
  const history = await runCli(['history', '--json', '-C', dir])
  return JSON.parse(history.stdout)[0]
}

async function events(dir: string, id: string): Promise<Event[]> {
  const show = await runCli(['show', id, '--json', '-C', dir])
  return (JSON.parse(show.stdout) as { events: Event[] }).events
}

describe('approval gate', () => {
  it('holds until a person approves; approving promotes and runs the promote action', async () => {
    const dir = project(spec(`gates: [smoke, approval]\n${actions}`))
    const run = await runCli(['run', '-C', dir])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('PENDING approval')
    const { id, verdict } = await lastRehearsal(dir)
    expect(verdict).toBe('hold')
    expect(run.stdout).toContain(
      `HOLD  approval gate is pending — waiting for a person to decide: run \`rehearse approve ${id}\``,
    )
    expect(existsSync(join(dir, 'promoted.txt'))).toBe(false)

    const approve = await runCli(['approve', id.slice(0, 10), '--by', 'alice', '--comment', 'p99 is fine', '-C', dir])
    expect(approve.stderr).toBe('')
    expect(approve.code).toBe(0)
    expect(approve.stdout).toContain(`approved ${id} as alice (p99 is fine): the verdict is now promote (was hold)`)
    expect(approve.stdout).toMatch(/PASS {4}approval\n {8}approved by alice at \S+: p99 is fine/)
    expect(approve.stdout).toContain('PROMOTE  all 2 gates passed (smoke, approval); promote action done')
    expect(readFileSync(join(dir, 'promoted.txt'), 'utf8')).toBe(`promote gated ${id}\n`)
    expect(existsSync(join(dir, 'rolled-back.txt'))).toBe(false)

    expect(await lastRehearsal(dir)).toMatchObject({ id, verdict: 'promote', exitCode: 0 })
    const log = await events(dir, id)
    const types = log.map((e) => e.type)
    expect(types.slice(types.indexOf('approval.recorded'))).toEqual([
      'approval.recorded',
      'gate.evaluated',
      'gate.evaluated',
      'verdict',
      'action.started',
      'action.finished',
    ])
    expect(log.find((e) => e.type === 'approval.recorded')?.data).toMatchObject({
      decision: 'approve',
      by: 'alice',
      comment: 'p99 is fine',
    })
    expect(log.findLast((e) => e.type === 'action.finished')?.data).toMatchObject({
      action: 'promote',
      ok: true,
      exitCode: 0,
    })
  })

  it('rejecting a held rehearsal rolls it back and runs the rollback action', async () => {
    const dir = project(spec(`gates: [smoke, approval]\n${actions}`))
    expect((await runCli(['run', '-C', dir])).code).toBe(1)
    const { id } = await lastRehearsal(dir)
    const reject = await runCli([
      'reject',
      id,
      '--by',
      'bob',
      '--comment',
      'not during the freeze',
      '--json',
      '-C',
      dir,
    ])
    expect(reject.code).toBe(1)
    const outcome = JSON.parse(reject.stdout)
    expect(outcome).toMatchObject({
      id,
      previousVerdict: 'hold',
      verdict: 'rollback',
      exitCode: 1,
      reevaluated: true,
      approval: { decision: 'reject', by: 'bob', comment: 'not during the freeze' },
      action: { action: 'rollback', ok: true },
    })
    expect(outcome.gates.find((g: { kind: string }) => g.kind === 'approval')).toMatchObject({
      status: 'fail',
      reasons: [expect.stringMatching(/^rejected by bob at .*: not during the freeze$/)],
    })
    expect(readFileSync(join(dir, 'rolled-back.txt'), 'utf8')).toBe(`rollback ${id}\n`)
    expect(existsSync(join(dir, 'promoted.txt'))).toBe(false)
    expect(await lastRehearsal(dir)).toMatchObject({ verdict: 'rollback', exitCode: 1 })
  })

  it('refuses to decide on a rehearsal that failed before its gates, recording nothing', async () => {
    const dir = project(
      spec('gates: [smoke, approval]')
        .replace('FLAVOUR: v2', 'FLAVOUR: v2, NEVER_HEALTHY: "1"')
        .replace('interval: 50ms', 'interval: 50ms, timeout: 1s'),
    )
    expect((await runCli(['run', '-C', dir])).code).toBe(3)
    const { id } = await lastRehearsal(dir)
    const approve = await runCli(['approve', id, '-C', dir])
    expect(approve.code).toBe(2)
    expect(approve.stderr).toContain('error[GATE_APPROVAL_CLOSED]')
    expect((await events(dir, id)).some((e) => e.type === 'approval.recorded')).toBe(false)
  })
})

describe('gates that read reports and run checks', () => {
  const failingSarif = JSON.stringify({
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'CodeQL', rules: [{ id: 'js/sql-injection', properties: { 'security-severity': '8.8' } }] },
        },
        results: [
          {
            ruleId: 'js/sql-injection',
            message: { text: 'Query built from user input.' },
            locations: [{ physicalLocation: { artifactLocation: { uri: 'src/db.js' }, region: { startLine: 42 } } }],
          },
        ],
      },
    ],
  })
  const junit =
    '<testsuite name="unit"><testcase classname="cart" name="adds"/><testcase classname="cart" name="totals"/></testsuite>'

  it('passes a candidate whose tests, scans and checks are clean', async () => {
    const dir = project(
      spec(`gates:
  - smoke
  - { tests: reports/junit/*.xml }
  - { security: reports/*.sarif, failOn: high }
  - { command: ./check.sh, timeout: 30s }
`),
      {
        'reports/junit/unit.xml': junit,
        'reports/clean.sarif': JSON.stringify({
          version: '2.1.0',
          runs: [{ tool: { driver: { name: 'CodeQL' } }, results: [] }],
        }),
        'check.sh': '#!/bin/sh\necho "checked $REHEARSE_PROJECT"\n',
      },
    )
    const run = await runCli(['run', '-C', dir])
    expect(run.stdout).toContain('PASS    tests\n        2 tests in reports/junit/unit.xml: 2 passed, 0 failed')
    expect(run.stdout).toContain('PASS    security')
    expect(run.stdout).toMatch(/PASS {4}command\n {8}`\.\/check\.sh` exited with code 0 after .*\n {8}\| checked gated/)
    expect(run.code).toBe(0)
  })

  it('rolls back on a high finding, and exits 3 when the rollback action fails', async () => {
    const dir = project(
      spec(`gates:
  - smoke
  - { tests: reports/junit/*.xml }
  - { security: reports/*.sarif }
rollback: { command: 'echo "paging on-call"; echo "pager API refused" >&2; exit 5' }
`),
      { 'reports/junit/unit.xml': junit, 'reports/codeql.sarif': failingSarif },
    )
    const run = await runCli(['run', '-C', dir])
    expect(run.code).toBe(3)
    expect(run.stderr).toContain('error[ACTION_FAILED]: The rollback action failed:')
    expect(run.stderr).toContain('| pager API refused')
    const record = await lastRehearsal(dir)
    expect(record).toMatchObject({ verdict: 'rollback', exitCode: 3 })
    const gates = (await events(dir, record.id)).filter((e) => e.type === 'gate.evaluated').map((e) => e.data)
    expect(gates.find((g) => g['kind'] === 'security')).toMatchObject({
      status: 'fail',
      reasons: expect.arrayContaining([
        'high: js/sql-injection (CodeQL, security-severity 8.8) × 1 at src/db.js:42 — Query built from user input.',
      ]),
    })
  })

  it('rejects a misspelt gate option at its line before anything starts', async () => {
    const dir = project(spec('gates:\n  - smoke\n  - { security: reports/*.sarif, failon: high }\n'))
    const run = await runCli(['run', '-C', dir])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('error[SPEC_UNKNOWN_KEY]: Unknown key "failon" in gates.1.')
    expect(run.stderr).toMatch(/rehearse\.yaml:14:\d+ at gates\.1\.failon/)
    expect(run.stderr).toContain('hint: Did you mean "failOn"?')
  })
})

describe('webhook gate', () => {
  const received: unknown[] = []
  let server: Server
  let url: string
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.setEncoding('utf8').on('data', (d: string) => {
        body += d
      })
      req.on('end', () => {
        received.push(JSON.parse(body))
        res.writeHead(200, { 'content-type': 'text/plain' }).end('go')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/release-check`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('asks another system with the verdict so far, and promotes on the expected answer', async () => {
    const dir = project(spec(`gates: [smoke, { webhook: "${url}", expect: { status: 200, body: go } }]\n`))
    const run = await runCli(['run', '-C', dir])
    expect(run.code).toBe(0)
    const { id } = await lastRehearsal(dir)
    expect(received.at(-1)).toEqual({
      rehearsalId: id,
      project: 'gated',
      verdictSoFar: 'promote',
      gates: [
        { kind: 'smoke', status: 'pass', critical: true, reasons: ['all 2 smoke requests answered as expected'] },
      ],
    })
  })
})

describe('rehearse judge and rehearse stats', () => {
  it('judges sample files offline: exit 0 on a pass, 1 on a regression, 2 on bad input', async () => {
    const dir = project(spec('gates: [smoke]\n'), {
      'base.csv': `latency_ms\n${Array.from({ length: 200 }, (_, i) => 100 + (i % 20)).join('\n')}\n`,
      'same.csv': `latency_ms\n${Array.from({ length: 200 }, (_, i) => 100 + ((i + 7) % 20)).join('\n')}\n`,
      'slow.csv': `latency_ms\n${Array.from({ length: 200 }, (_, i) => 150 + (i % 20)).join('\n')}\n`,
      'bad.csv': 'latency_ms\n100\n101\nfast\n',
    })
    const pass = await runCli(['judge', '--baseline', 'base.csv', '--candidate', 'same.csv', '-C', dir])
    expect(pass.code).toBe(0)
    expect(pass.stdout).toMatch(/^PASS {2}latency/)
    const fail = await runCli([
      'judge',
      '--baseline',
      'base.csv',
      '--candidate',
      'slow.csv',
      '--tolerance',
      '10%',
      '--json',
      '-C',
      dir,
    ])
    expect(fail.code).toBe(1)
    const json = JSON.parse(fail.stdout)
    expect(json).toMatchObject({ passed: false, verdict: 'fail', metric: { name: 'latency', outcome: 'high' } })
    expect(json.metric.sentence).toMatch(/^latency rose \d+% \(95% CI .*\), above the 10% tolerance/)
    const bad = await runCli(['judge', '--baseline', 'base.csv', '--candidate', 'bad.csv', '-C', dir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('error[JUDGE_BAD_VALUE]: "fast" is not a number.')
    expect(bad.stderr).toContain('--> bad.csv:4')
    const usage = await runCli([
      'judge',
      '--baseline',
      'base.csv',
      '--candidate',
      'same.csv',
      '--kind',
      'median',
      '-C',
      dir,
    ])
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('error[CLI_USAGE]: --kind must be one of latency, distribution, quantile, rate')
  })

  it('reports release metrics from the project’s history', async () => {
    const dir = project(spec(`gates: [smoke, approval]\n`))
    expect((await runCli(['run', '-C', dir])).code).toBe(1)
    const { id } = await lastRehearsal(dir)
    expect((await runCli(['approve', id, '--by', 'carol', '-C', dir])).code).toBe(0)
    expect((await runCli(['run', '-C', dir])).code).toBe(1)
    const stats = await runCli(['stats', '--project', 'gated', '--json', '-C', dir])
    expect(stats.code).toBe(0)
    expect(JSON.parse(stats.stdout)).toMatchObject({
      project: 'gated',
      counts: { rehearsals: 2, finished: 2, promoted: 1, held: 1 },
      deploymentSuccessRate: 0.5,
      postDeploy: { promotions: 1, judged: 0, failureRate: null },
    })
    const human = await runCli(['stats', '-C', dir])
    expect(human.stdout).toMatch(/deployment success rate +50\.0% +1 promoted of 2 finished/)
  })
})
