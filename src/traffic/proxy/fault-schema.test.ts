import { describe, expect, it } from 'vitest'
import { RehearseError } from '../../core/errors.ts'
import { faultRuleSchema, parseFaultRule } from './fault-schema.ts'
import { FaultSet } from './fault-set.ts'

function failure(input: unknown, where = ''): RehearseError {
  try {
    parseFaultRule(input, where)
  } catch (error) {
    expect(error).toBeInstanceOf(RehearseError)
    return error as RehearseError
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`)
}

describe('faultRuleSchema', () => {
  it('parses every kind, with units, into milliseconds, bytes and fractions', () => {
    expect(parseFaultRule({ name: 'slow', delay: '300ms', jitter: '50ms', probability: 0.2 })).toEqual({
      name: 'slow',
      delay: 300,
      jitter: 50,
      probability: 0.2,
    })
    expect(parseFaultRule({ abort: 503 })).toEqual({ abort: 503, probability: 1 })
    expect(parseFaultRule({ abort: { status: 500, body: 'boom' }, probability: '5%' })).toEqual({
      abort: { status: 500, body: 'boom' },
      probability: 0.05,
    })
    expect(parseFaultRule({ bandwidth: '64KiB' }).bandwidth).toBe(65536)
    expect(parseFaultRule({ bandwidth: '1MB/s' }).bandwidth).toBe(1_000_000)
    expect(parseFaultRule({ hang: true }).hang).toBe(true)
    expect(parseFaultRule({ hang: '2s' }).hang).toBe(2000)
    expect(parseFaultRule({ reset: true }).reset).toBe(true)
    expect(parseFaultRule({ closeAfterBytes: '1KiB' }).closeAfterBytes).toBe(1024)
    expect(
      parseFaultRule({
        delay: '1s',
        match: { route: 'GET /products/*', method: ['get', 'POST'], header: { 'x-user': 'test-*' } },
        target: 'candidate',
        maxActive: 3,
      }),
    ).toMatchObject({ match: { route: 'GET /products/*', method: ['get', 'POST'] }, target: 'candidate', maxActive: 3 })
  })

  it('is idempotent: a parsed rule parses to itself', () => {
    const once = parseFaultRule({ delay: '1m30s', jitter: '1s', probability: '20%', match: { path: '~^/a/\\d+$' } })
    expect(parseFaultRule(once)).toEqual(once)
    const bandwidth = parseFaultRule({ bandwidth: '8KiB/s' })
    expect(parseFaultRule(bandwidth)).toEqual(bandwidth)
  })

  it('can be extended by the spec (it stays a zod object)', () => {
    const phaseFault = faultRuleSchema.extend({ service: faultRuleSchema.shape.target })
    expect(phaseFault.parse({ service: 'payments', delay: '300ms', probability: 0.2 })).toMatchObject({
      service: 'payments',
      delay: 300,
    })
  })

  it.each([
    [{}, '', 'needs one of delay, abort, bandwidth, hang, reset, closeAfterBytes'],
    [{ delay: '1s', abort: 503 }, 'abort', 'exactly one kind, this one has delay and abort'],
    [{ jitter: '1s', abort: 500 }, 'jitter', 'jitter only applies to a delay'],
    [{ delay: '1s', jitter: '2s' }, 'jitter', 'must not be larger than the delay'],
    [{ delay: 'soon' }, 'delay', 'expected a duration'],
    [{ abort: 700 }, 'abort', ''],
    [{ abort: { status: 503, bogus: 1 } }, 'abort.bogus', 'Unrecognized key'],
    [{ bandwidth: 0 }, 'bandwidth', 'more than 0 bytes per second'],
    [{ bandwidth: 'fast' }, 'bandwidth', 'expected a size'],
    [{ hang: false }, 'hang', ''],
    [{ reset: false }, 'reset', ''],
    [{ closeAfterBytes: -1 }, 'closeAfterBytes', 'expected a size'],
    [{ reset: true, probability: 2 }, 'probability', 'expected a percentage'],
    [{ reset: true, match: { path: '~(' } }, 'match.path', 'invalid regular expression'],
    [{ reset: true, match: { method: 'GET /' } }, 'match.method', 'HTTP method'],
    [{ reset: true, match: { header: { 'bad name': 'x' } } }, 'match.header.bad name', 'header name'],
    [{ reset: true, maxActive: 0 }, 'maxActive', ''],
    [{ reset: true, name: 'has space' }, 'name', 'letters, digits'],
    [{ reset: true, toxicity: 0.5 }, 'toxicity', 'Unrecognized key'],
  ])('rejects %j at path "%s"', (input, path, message) => {
    const error = failure(input)
    expect(error.code).toBe('TRAFFIC_FAULT_INVALID')
    expect(error.location?.path ?? '').toBe(path)
    expect(error.message).toContain(message)
    expect(error.exitCode).toBe(2)
    expect(error.details?.['issues']).toEqual(expect.arrayContaining([expect.objectContaining({ path })]))
  })

  it('prefixes paths with where the rule sits in its document', () => {
    expect(failure({ delay: 'x' }, 'traffic.phases[2].faults[0]').location?.path).toBe(
      'traffic.phases[2].faults[0].delay',
    )
  })
})

describe('FaultSet', () => {
  it('rejects a target the proxy does not have, at path target', () => {
    const set = new FaultSet(['baseline', 'candidate'])
    expect(() => set.add({ delay: '1s', target: 'canary' })).toThrowError(
      expect.objectContaining({ code: 'TRAFFIC_FAULT_INVALID', location: { path: 'target' } }),
    )
  })

  it('names rules, refuses duplicates and unknown names', () => {
    const set = new FaultSet(['baseline'])
    expect(set.add({ delay: '1s' }).name).toBe('fault-1')
    expect(set.add({ name: 'slow', delay: '1s' }).name).toBe('slow')
    expect(() => set.add({ name: 'slow', abort: 500 })).toThrowError(
      expect.objectContaining({ code: 'TRAFFIC_FAULT_EXISTS' }),
    )
    expect(() => set.remove('nope')).toThrowError(expect.objectContaining({ code: 'TRAFFIC_FAULT_NOT_FOUND' }))
    set.remove('slow')
    expect(set.list().map((r) => r.name)).toEqual(['fault-1'])
  })

  it('replaces the whole set only when every rule is valid', () => {
    const set = new FaultSet(['baseline'])
    set.add({ name: 'keep', delay: '1s' })
    expect(() => set.set([{ abort: 500 }, { delay: 'x' }], 'faults')).toThrowError(
      expect.objectContaining({ code: 'TRAFFIC_FAULT_INVALID', location: { path: 'faults[1].delay' } }),
    )
    expect(set.list().map((r) => r.name)).toEqual(['keep'])
    expect(set.set([{ abort: 500 }, { reset: true }]).map((r) => r.kind)).toEqual(['abort', 'reset'])
  })
})
