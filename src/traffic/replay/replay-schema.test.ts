import { describe, expect, it } from 'vitest'
import { parseSpeed, replayOptionsOf, replaySchema } from './replay-schema.ts'

describe('the replay section', () => {
  it('parses speeds, rates and auth into replay options, paths against the spec directory', () => {
    expect(parseSpeed('2x')).toBe(2)
    expect(parseSpeed('0.5×')).toBe(0.5)
    expect(parseSpeed(3)).toBe(3)
    expect(parseSpeed('0x')).toBeUndefined()
    expect(parseSpeed('fast')).toBeUndefined()
    const spec = replaySchema.parse({
      file: 'captures/a.jsonl',
      rate: '50/s',
      auth: {
        jwt: { key: 'k'.repeat(32), ttl: '10m' },
        login: { command: './login.sh' },
        headers: { 'x-api-key': 's' },
      },
    })
    expect(replayOptionsOf(spec, '/project')).toEqual({
      file: '/project/captures/a.jsonl',
      timing: { rate: 50 },
      auth: {
        jwt: { key: 'k'.repeat(32), ttlMs: 600_000 },
        login: { command: './login.sh', timeoutMs: 30_000 },
        headers: { 'x-api-key': 's' },
      },
      shiftTimestamps: true,
      connections: 64,
      timeoutMs: 10_000,
      maxInFlight: 1000,
      cwd: '/project',
    })
    expect(replayOptionsOf(replaySchema.parse({ file: '/abs.jsonl', speed: '2x' }), '/p').timing).toEqual({ speed: 2 })
  })

  it.each([
    [{ file: 'a', speed: '2x', rate: '5/s' }, 'speed or rate'],
    [{ file: 'a', speed: 'fast' }, 'speed factor'],
    [{ file: 'a', rate: '0/s' }, 'above 0'],
    [{ file: 'a', auth: { login: {} } }, 'command'],
    [{ file: 'a', extra: 1 }, 'extra'],
  ])('refuses %j', (input, message) => {
    const parsed = replaySchema.safeParse(input)
    expect(parsed.success).toBe(false)
    expect(JSON.stringify(parsed.error?.issues)).toContain(message)
  })
})
