import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { judgeApprovals } from './approval-gate.ts'
import { GATE_KINDS } from './gate-registry.ts'
import { gatesSchema } from './gates-schema.ts'

function problems(gates: unknown): Array<{ path: string; code: string; message: string }> {
  const parsed = gatesSchema.safeParse(gates)
  if (parsed.success) return []
  return parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }))
}

describe('gates schema', () => {
  it('parses bare kinds and keyed kinds into { kind, options } with defaults', () => {
    const parsed = gatesSchema.parse([
      'smoke',
      'canary',
      { security: 'reports/*.sarif', failOn: 'critical' },
      { tests: ['a/*.xml', 'b/*.xml'] },
      { command: './check.sh', timeout: '60s' },
      { webhook: 'https://ci.example.com/check', expect: { status: 200, body: 'ok' } },
      'approval',
    ])
    expect(parsed).toEqual([
      { kind: 'smoke', options: undefined },
      { kind: 'canary', options: undefined },
      { kind: 'security', options: { security: ['reports/*.sarif'], failOn: 'critical', failOnLevel: 'error' } },
      { kind: 'tests', options: { tests: ['a/*.xml', 'b/*.xml'], minTests: 1 } },
      { kind: 'command', options: { command: './check.sh', timeout: 60_000 } },
      {
        kind: 'webhook',
        options: { webhook: 'https://ci.example.com/check', expect: { status: [200], body: 'ok' }, timeout: 30_000 },
      },
      { kind: 'approval', options: undefined },
    ])
    expect(gatesSchema.parse(undefined)).toEqual([{ kind: 'smoke', options: undefined }])
  })

  it('reports each mistake at its own path, with the kind’s own message', () => {
    expect(
      problems([
        'smok',
        'security',
        { security: 'r/*.sarif', failOn: 'severe' },
        { security: 'r/*.sarif', failon: 'high' },
        { command: 5 },
        { canary: {} },
        { kind: 'slo' },
        { tests: 'x', command: 'y' },
        42,
      ]),
    ).toEqual([
      { path: '0', code: 'custom', message: expect.stringMatching(/^unknown gate "smok" \(did you mean smoke\?\)/) },
      {
        path: '1',
        code: 'custom',
        message: expect.stringMatching(/^the security gate needs its options: write it as \{ security:/),
      },
      { path: '2.failOn', code: 'invalid_value', message: expect.stringContaining('"critical"|"high"') },
      { path: '3', code: 'unrecognized_keys', message: expect.stringContaining('failon') },
      { path: '4.command', code: 'custom', message: 'Invalid input: expected string, received number' },
      { path: '5', code: 'custom', message: 'the canary gate takes no options: write it as canary' },
      { path: '6', code: 'custom', message: 'write the kind as the key, not as kind: slo' },
      {
        path: '7',
        code: 'custom',
        message: 'one gate names two kinds (tests and command): write each as its own entry',
      },
      { path: '8', code: 'custom', message: expect.stringMatching(/^a gate is a name/) },
    ])
  })

  it('describes every registered kind in the JSON Schema editors read', () => {
    const json = JSON.stringify(z.toJSONSchema(gatesSchema, { io: 'input', unrepresentable: 'any' }))
    for (const kind of GATE_KINDS) expect(json).toContain(`"${kind}"`)
    expect(json).toContain('"failOnLevel"')
  })
})

describe('approval gate', () => {
  it('is pending until someone decides, then the latest decision counts', () => {
    expect(judgeApprovals('r_1', [])).toMatchObject({
      status: 'pending',
      reasons: ['waiting for a person to decide: run `rehearse approve r_1` (or `rehearse reject r_1`)'],
    })
    const reject = { decision: 'reject' as const, by: 'bob', at: '2026-01-01T10:00:00.000Z', comment: 'p99 too high' }
    const approve = { decision: 'approve' as const, by: 'alice', at: '2026-01-01T11:00:00.000Z', comment: null }
    expect(judgeApprovals('r_1', [reject])).toMatchObject({
      status: 'fail',
      reasons: ['rejected by bob at 2026-01-01T10:00:00.000Z: p99 too high'],
    })
    expect(judgeApprovals('r_1', [reject, approve])).toMatchObject({
      status: 'pass',
      reasons: [
        'approved by alice at 2026-01-01T11:00:00.000Z',
        'earlier: rejected by bob at 2026-01-01T10:00:00.000Z: p99 too high',
      ],
    })
  })
})
