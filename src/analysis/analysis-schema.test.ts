import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { analysisSchema, slosSchema, toCanaryConfig, toSloObjective } from './analysis-schema.ts'

describe('analysis section', () => {
  it('parses the example of DESIGN.md with its units and fills the defaults', () => {
    const spec = analysisSchema.parse(
      parse(`
metrics:
  - { name: latency, direction: increase, tolerance: 10% }
  - { name: errors, kind: rate, direction: increase, critical: true }
  - { name: checkout, kind: quantile, quantile: p99.9, route: POST /checkout, absoluteTolerance: 0.5% }
alpha: 0.01
sequential: true
`),
    )
    expect(spec.alpha).toBe(0.01)
    expect(spec.mode).toBe('rehearse')
    expect(spec.correction).toBe('bh')
    expect(spec.metrics[0]).toMatchObject({ name: 'latency', tolerance: 0.1, critical: false, weight: 1 })
    expect(spec.metrics[2]).toMatchObject({ quantile: 0.999, route: 'POST /checkout' })
    expect(spec.metrics[2]!.absoluteTolerance).toBeCloseTo(0.005, 12)
    const config = toCanaryConfig(spec)
    expect(config).toMatchObject({ mode: 'rehearse', alpha: 0.01, sequential: true, seed: 1 })
    expect(config.metrics[1]).toEqual({
      name: 'errors',
      kind: 'rate',
      direction: 'increase',
      critical: true,
      muted: false,
      weight: 1,
    })
  })

  it('reads quantiles as p99, 99% or 0.99', () => {
    for (const q of ['p99', '99%', 0.99]) {
      expect(
        analysisSchema.parse({ metrics: [{ name: 'x', kind: 'quantile', quantile: q }] }).metrics[0]!.quantile,
      ).toBe(0.99)
    }
    expect(analysisSchema.safeParse({ metrics: [{ name: 'x', quantile: 'p100' }] }).success).toBe(false)
  })

  it('refuses unknown keys, repeated names, an alpha of 60% and pass below marginal', () => {
    expect(analysisSchema.safeParse({ metrics: [{ name: 'x', tolerence: '10%' }] }).success).toBe(false)
    expect(analysisSchema.safeParse({ metrics: [{ name: 'x' }, { name: 'x' }] }).success).toBe(false)
    expect(analysisSchema.safeParse({ alpha: '60%' }).success).toBe(false)
    expect(analysisSchema.safeParse({ thresholds: { pass: 70, marginal: 80 } }).success).toBe(false)
    expect(analysisSchema.safeParse({ srm: { expected: '20%' } }).success).toBe(true)
  })
})

describe('slos section', () => {
  it('parses the example of DESIGN.md', () => {
    const slos = slosSchema.parse(
      parse('availability: { objective: 99.9% }\nlatency: { objective: 99%, threshold: 300ms }\n'),
    )
    expect(toSloObjective('availability', slos.availability!)).toEqual({
      objective: { name: 'availability', objective: 0.999 },
      kind: 'availability',
    })
    expect(toSloObjective('latency', slos.latency!)).toEqual({
      objective: { name: 'latency', objective: 0.99, thresholdMs: 300 },
      kind: 'latency',
    })
  })

  it('takes custom SLIs and burn windows in production terms', () => {
    const slos = slosSchema.parse({
      queue: { objective: '95%', good: 'below', threshold: 100, query: 'queue_depth' },
      checkout: { objective: '99.5%', kind: 'availability', windows: [{ long: '1h', short: '5m', burnRate: 14.4 }] },
    })
    expect(toSloObjective('queue', slos.queue!).kind).toBe('custom')
    expect(toSloObjective('checkout', slos.checkout!).windows).toEqual([
      { longMs: 3_600_000, shortMs: 300_000, threshold: 14.4, severity: 'page' },
    ])
  })

  it('refuses an objective of 100%, and a latency SLO without a threshold', () => {
    expect(slosSchema.safeParse({ availability: { objective: '100%' } }).success).toBe(false)
    expect(slosSchema.safeParse({ latency: { objective: '99%' } }).success).toBe(false)
    expect(slosSchema.safeParse({ p: { objective: '99%', kind: 'latency' } }).success).toBe(false)
    expect(slosSchema.safeParse({ availability: { objective: '99%', budget: 3 } }).success).toBe(false)
  })
})
