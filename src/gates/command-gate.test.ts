import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { commandGate, commandSchema } from './command-gate.ts'
import type { GateContext } from './gate.ts'
import { runCommand } from './run-command.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-command-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const ctx: GateContext = { rehearsalId: 'r_cmd', project: 'shop', dir, evidence: {} }
const options = (value: Record<string, unknown>) => commandSchema.parse(value)
const never = new AbortController().signal

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Polls until `check` holds (bounded); processes take a moment to be reaped. */
async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return check()
}

describe('command gate', () => {
  it('passes on exit code 0, in the spec directory, with the rehearsal in its environment', async () => {
    writeFileSync(
      join(dir, 'check.sh'),
      '#!/bin/sh\necho "checking $REHEARSE_PROJECT $REHEARSE_REHEARSAL_ID in $(pwd) as $WHO"\n',
      {
        mode: 0o755,
      },
    )
    const result = await commandGate.evaluate(ctx, options({ command: './check.sh', env: { WHO: 'ci' } }), never)
    expect(result.status).toBe('pass')
    expect(result.reasons[0]).toMatch(/^`\.\/check\.sh` exited with code 0 after \d+ ms$/)
    expect(result.reasons[1]).toBe(`| checking shop r_cmd in ${dir} as ci`)
  })

  it('fails on any other exit code, quoting the last lines of stdout and stderr', async () => {
    const command =
      'for i in $(seq 1 30); do echo "line $i"; done; echo "db migration 42 is not reversible" >&2; exit 3'
    const result = await commandGate.evaluate(ctx, options({ command }), never)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toMatch(/exited with code 3 after/)
    expect(result.reasons.slice(1)).toHaveLength(10)
    expect(result.reasons.at(-1)).toBe('| db migration 42 is not reversible')
    expect(result.reasons[1]).toBe('| line 22')
    expect(result.details).toMatchObject({ exitCode: 3, timedOut: false })
  })

  it('fails a command that does not exist, with the shell saying so', async () => {
    const result = await commandGate.evaluate(ctx, options({ command: './no-such-check' }), never)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toMatch(/exited with code 127/)
    expect(result.reasons.join('\n')).toMatch(/no-such-check/)
  })

  it('stops a command that overruns its timeout, with everything it started', async () => {
    const pidFile = join(dir, 'child.pid')
    // The shell starts a child that would outlive it; the whole process group must go.
    const command = `sleep 60 & echo $! > ${pidFile}; echo started; wait`
    const result = await commandGate.evaluate(ctx, options({ command, timeout: '3s' }), never)
    expect(result.status).toBe('fail')
    expect(result.reasons[0]).toMatch(/did not finish within 3\.0 s and was stopped/)
    expect(result.reasons).toContain('| started')
    const child = Number(readFileSync(pidFile, 'utf8'))
    expect(await eventually(() => !alive(child))).toBe(true)
  })

  it('stops the command when the rehearsal is interrupted', async () => {
    const controller = new AbortController()
    const pidFile = join(dir, 'shell.pid')
    const command = `echo go; echo $$ > ${pidFile}; sleep 60`
    const run = runCommand({ command, cwd: dir, timeoutMs: 60_000, signal: controller.signal })
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))).toBe(true)
    controller.abort()
    const result = await run
    expect(result).toMatchObject({ interrupted: true, timedOut: false, exitCode: null, signal: 'SIGTERM' })
    expect(result.lastLines).toEqual(['go'])
    expect(await eventually(() => !alive(Number(readFileSync(pidFile, 'utf8'))))).toBe(true)
  })
})
