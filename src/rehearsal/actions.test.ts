import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RehearseError } from '../core/errors.ts'
import type { Verdict } from '../core/types.ts'
import type { GateOutcome } from '../gates/gate.ts'
import { type ActionSpec, actionSchema, applyVerdictAction } from './actions.ts'

const dir = mkdtempSync(join(tmpdir(), 'rehearse-actions-'))
const hooks: Array<{ path: string; body: Record<string, unknown> }> = []
let server: Server
let base: string

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8').on('data', (d: string) => {
      text += d
    })
    req.on('end', () => {
      hooks.push({ path: req.url ?? '', body: JSON.parse(text) })
      res.writeHead(req.url === '/broken' ? 502 : 200).end(req.url === '/broken' ? 'deploy service down' : 'ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

const gates: GateOutcome[] = [{ kind: 'smoke', critical: true, status: 'pass', reasons: ['ok'] }]
const never = new AbortController().signal
const action = (value: unknown) => actionSchema.parse(value) as ActionSpec

/** Runs the action a verdict calls for, recording events the way the event log would receive them. */
async function conclude(
  verdict: Verdict | null,
  spec: { promote?: ActionSpec; rollback?: ActionSpec },
  error?: RehearseError,
) {
  const events: Array<{ type: string; data: unknown }> = []
  const outcome = await applyVerdictAction(
    { rehearsalId: 'r_act', project: 'shop', dir, spec, events: { emit: (type, data) => events.push({ type, data }) } },
    {
      verdict,
      exitCode: verdict === 'promote' ? 0 : 1,
      summary: `${verdict}: because`,
      gates,
      ...(error ? { error } : {}),
    },
    never,
  )
  return { outcome, events }
}

const write = (name: string) =>
  action({ command: `echo "$REHEARSE_VERDICT $REHEARSE_PROJECT $REHEARSE_REHEARSAL_ID" > ${name}` })

describe('promote and rollback actions', () => {
  it('runs promote only on a promote verdict, with the rehearsal in its environment, and records it', async () => {
    const spec = { promote: write('promoted.txt'), rollback: write('rolled-back.txt') }
    const { outcome, events } = await conclude('promote', spec)
    expect(readFileSync(join(dir, 'promoted.txt'), 'utf8')).toBe('promote shop r_act\n')
    expect(existsSync(join(dir, 'rolled-back.txt'))).toBe(false)
    expect(outcome).toMatchObject({ verdict: 'promote', exitCode: 0, summary: 'promote: because; promote action done' })
    expect(events.map((e) => e.type)).toEqual(['action.started', 'action.finished'])
    expect(events[1]!.data).toMatchObject({ action: 'promote', kind: 'command', ok: true, exitCode: 0 })
  })

  it('runs rollback only on a rollback verdict, and nothing on hold or on a failed run', async () => {
    const spec = { promote: write('p2.txt'), rollback: write('r2.txt') }
    const rolled = await conclude('rollback', spec)
    expect(readFileSync(join(dir, 'r2.txt'), 'utf8')).toBe('rollback shop r_act\n')
    expect(existsSync(join(dir, 'p2.txt'))).toBe(false)
    expect(rolled.outcome.exitCode).toBe(1)

    const held = await conclude('hold', { promote: write('p3.txt'), rollback: write('r3.txt') })
    const failed = await conclude(null, { promote: write('p4.txt'), rollback: write('r4.txt') })
    const errored = await conclude('promote', { promote: write('p5.txt') }, new RehearseError('INTERRUPTED', 'stopped'))
    for (const { events } of [held, failed, errored]) expect(events).toEqual([])
    for (const f of ['p3.txt', 'r3.txt', 'p4.txt', 'r4.txt', 'p5.txt']) expect(existsSync(join(dir, f))).toBe(false)
  })

  it('a failed command keeps the verdict but exits 3 with ACTION_FAILED and its last lines', async () => {
    const { outcome, events } = await conclude('promote', {
      promote: action({ command: 'echo "uploading"; echo "registry said 503" >&2; exit 4' }),
    })
    expect(outcome.verdict).toBe('promote')
    expect(outcome.exitCode).toBe(3)
    expect(outcome.error?.code).toBe('ACTION_FAILED')
    expect(outcome.error?.message).toMatch(/^The promote action failed: `echo .*` exited with code 4 after/)
    expect(outcome.error?.details).toEqual({ action: 'promote', lastLines: ['uploading', 'registry said 503'] })
    expect(outcome.summary).toMatch(/^promote: because; the promote action failed: /)
    expect(events[1]!.data).toMatchObject({ ok: false, exitCode: 4, lastLines: ['uploading', 'registry said 503'] })
  })

  it('POSTs the verdict to a webhook action, and a bad answer is a failed action', async () => {
    const ok = await conclude('rollback', { rollback: action({ webhook: `${base}/rollback` }) })
    expect(ok.outcome.exitCode).toBe(1)
    expect(hooks.at(-1)).toEqual({
      path: '/rollback',
      body: {
        rehearsalId: 'r_act',
        project: 'shop',
        verdict: 'rollback',
        action: 'rollback',
        gates: [{ kind: 'smoke', status: 'pass', critical: true, reasons: ['ok'] }],
      },
    })
    const broken = await conclude('promote', { promote: action({ webhook: `${base}/broken` }) })
    expect(broken.outcome).toMatchObject({ exitCode: 3, error: { code: 'ACTION_FAILED' } })
    expect(broken.outcome.error?.details).toEqual({ action: 'promote', lastLines: ['body: deploy service down'] })
  })

  it('takes a command or a webhook in the spec, nothing else', () => {
    expect(actionSchema.parse({ command: './deploy.sh', timeout: '10m' })).toEqual({
      kind: 'command',
      options: { command: './deploy.sh', timeout: 600_000 },
    })
    expect(actionSchema.safeParse({ script: './deploy.sh' }).success).toBe(false)
    expect(actionSchema.safeParse('deploy').success).toBe(false)
  })
})
