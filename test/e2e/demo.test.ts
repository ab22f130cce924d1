/**
 * The README's first command, as a user runs it: the demo shop's rehearsal must catch v2's real
 * regressions and say which route and metric, and an A/A rehearsal (v1 against v1) must promote.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT, runCli } from './run-cli.ts'

const SHOP = join(ROOT, 'examples/shop')

describe('the demo rehearsal', () => {
  afterAll(async () => {
    await runCli(['down', '-C', SHOP])
  })

  it('rolls v2 back, naming the regressed route and metric and why', { timeout: 240_000 }, async () => {
    // A fresh store, but never by deleting the records of an environment that still runs.
    await runCli(['down', '-C', SHOP])
    rmSync(join(SHOP, '.rehearse'), { recursive: true, force: true })
    const r = await runCli(['run', '-C', SHOP], { timeoutMs: 230_000 })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toContain('ROLLBACK')
    expect(r.stdout).toMatch(/FAIL\s+canary/)
    // v2's checkout race: a critical error-rate metric on the route, with its figures and test.
    expect(r.stdout).toMatch(/POST \/checkout errors rose from 0% \(0 of \d[\d,]*\) to [\d.]+% \(\d+ of \d[\d,]*\)/)
    expect(r.stdout).toContain("Fisher's exact test")
    expect(r.stderr).toContain('phase slow-payments')
    const history = JSON.parse((await runCli(['history', '--json', '-C', SHOP])).stdout) as Array<{
      verdict: string
      exitCode: number
    }>
    expect(history[0]).toMatchObject({ verdict: 'rollback', exitCode: 1 })

    // The event log alone is enough to judge it again, with the same verdict.
    const again = await runCli(['rejudge', /rehearsal (r_\w+) ·/.exec(r.stdout)![1]!, '-C', SHOP])
    expect(again.code, again.stderr).toBe(1)
    expect(again.stdout).toContain('ROLLBACK')
    expect(again.stdout).toMatch(/POST \/checkout errors rose/)
  })

  it('promotes v1 against itself (A/A)', { timeout: 240_000 }, async () => {
    const r = await runCli(['run', '-C', SHOP, '--file', 'rehearse.aa.yaml'], { timeoutMs: 230_000 })
    expect(r.stdout).toContain('PROMOTE')
    expect(r.code, r.stdout).toBe(0)
    const id = /rehearsal (r_\w+) ·/.exec(r.stdout)?.[1]
    const again = await runCli(['rejudge', id!, '-C', SHOP, '--file', 'rehearse.aa.yaml'])
    expect(again.stdout).toContain('PROMOTE')
    expect(again.code).toBe(0)
  })
})
