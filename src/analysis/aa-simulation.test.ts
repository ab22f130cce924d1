/**
 * A/A simulations: baseline and candidate drawn from the same distribution, judged again and
 * again with a seeded generator. The judge must not fail more than alpha of them (α = 0.05 here,
 * tolerance 0 and direction 'either' — the strictest setting, where only significance stands
 * between noise and a failure). The allowance is three binomial standard deviations.
 */
import { describe, expect, it } from 'vitest'
import { judgeCanary } from './canary-judge.ts'
import { type Random, seededRandom } from './seeded-random.ts'
import type { CanaryConfig, CanaryMetricConfig, SideData } from './types.ts'

const ALPHA = 0.05
const allowance = (runs: number) => ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / runs)

const draws: Record<string, (r: Random) => number> = {
  normal: (r) => 100 + 10 * r.normal(),
  lognormal: (r) => Math.exp(4 + r.normal()), // σ = 1: a heavy right tail
  pareto: (r) => 10 / (1 - r.next()) ** (1 / 1.5), // shape 1.5: infinite variance
}

/** Bernoulli(p) events in n trials, by geometric gaps (fast for small p). */
function events(r: Random, n: number, p: number): number {
  let count = 0
  let at = -1
  for (;;) {
    at += 1 + Math.floor(Math.log(1 - r.next()) / Math.log(1 - p))
    if (at >= n) return count
    count++
  }
}

const strict = (extra: Partial<CanaryMetricConfig> = {}): CanaryMetricConfig => ({
  name: 'm',
  tolerance: 0,
  direction: 'either',
  ...extra,
})
const failed = (outcome: string) => outcome === 'high' || outcome === 'low'

/** Runs `runs` A/A judgements of one metric, each with `looks` looks; returns the failure rate. */
function aaRate(
  seed: string,
  runs: number,
  looks: number,
  metric: CanaryMetricConfig,
  sample: (r: Random, look: number) => { baseline: SideData; candidate: SideData },
): number {
  const r = seededRandom(seed)
  const config: CanaryConfig = { metrics: [metric], sequential: looks > 1, alpha: ALPHA }
  let failures = 0
  for (let run = 0; run < runs; run++) {
    const perLook = Array.from({ length: looks }, (_, look) => sample(r, look))
    let state: ReturnType<typeof judgeCanary>['state']
    for (let look = 0; look < looks; look++) {
      const j = judgeCanary(config, { metrics: { m: perLook[look]! }, final: look === looks - 1 }, state)
      state = j.state
      if (failed(j.metrics[0]!.outcome)) {
        failures++
        break
      }
      if (j.stop) break
    }
  }
  return failures / runs
}

describe('A/A false-failure rate, one look (1,000 runs each)', () => {
  it.each(Object.keys(draws))('%s latency, 200 per side', (name) => {
    const draw = draws[name]!
    const rate = aaRate(`aa-${name}`, 1000, 1, strict(), (r) => ({
      baseline: Array.from({ length: 200 }, () => draw(r)),
      candidate: Array.from({ length: 200 }, () => draw(r)),
    }))
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })

  it('Pareto as a plain distribution (shift relative to the median), 200 per side', () => {
    const rate = aaRate('aa-pareto-dist', 1000, 1, strict({ kind: 'distribution' }), (r) => ({
      baseline: Array.from({ length: 200 }, () => draws.pareto!(r)),
      candidate: Array.from({ length: 200 }, () => draws.pareto!(r)),
    }))
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })

  it('log-normal p95, 1,000 per side', () => {
    const rate = aaRate('aa-p95', 1000, 1, strict({ kind: 'quantile', quantile: 0.95 }), (r) => ({
      baseline: Array.from({ length: 1000 }, () => draws.lognormal!(r)),
      candidate: Array.from({ length: 1000 }, () => draws.lognormal!(r)),
    }))
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })

  it('sparse error rate 0.1%, 20,000 requests per side (about 20 errors each)', () => {
    const rate = aaRate('aa-errors', 2000, 1, strict({ kind: 'rate' }), (r) => ({
      baseline: { events: events(r, 20_000, 0.001), trials: 20_000 },
      candidate: { events: events(r, 20_000, 0.001), trials: 20_000 },
    }))
    expect(rate).toBeLessThanOrEqual(allowance(2000))
  })
})

describe('A/A false-failure rate with sequential looks (1,000 runs each)', () => {
  it('log-normal latency, 8 looks of 40 more samples per side', () => {
    const rate = aaRate(
      'aa-seq-lognormal',
      1000,
      8,
      strict(),
      (() => {
        let b: number[] = []
        let c: number[] = []
        return (r: Random, look: number) => {
          if (look === 0) {
            b = []
            c = []
          }
          for (let i = 0; i < 40; i++) {
            b.push(draws.lognormal!(r))
            c.push(draws.lognormal!(r))
          }
          return { baseline: b.slice(), candidate: c.slice() }
        }
      })(),
    )
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })

  it('Pareto latency, 8 looks of 40 more samples per side', () => {
    const rate = aaRate(
      'aa-seq-pareto',
      1000,
      8,
      strict(),
      (() => {
        let b: number[] = []
        let c: number[] = []
        return (r: Random, look: number) => {
          if (look === 0) {
            b = []
            c = []
          }
          for (let i = 0; i < 40; i++) {
            b.push(draws.pareto!(r))
            c.push(draws.pareto!(r))
          }
          return { baseline: b.slice(), candidate: c.slice() }
        }
      })(),
    )
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })

  it('sparse error rate 0.1%, 20 looks of 2,000 more requests per side', () => {
    const rate = aaRate(
      'aa-seq-errors',
      1000,
      20,
      strict({ kind: 'rate' }),
      (() => {
        let eb = 0
        let ec = 0
        return (r: Random, look: number) => {
          if (look === 0) {
            eb = 0
            ec = 0
          }
          eb += events(r, 2000, 0.001)
          ec += events(r, 2000, 0.001)
          const trials = 2000 * (look + 1)
          return { baseline: { events: eb, trials }, candidate: { events: ec, trials } }
        }
      })(),
    )
    expect(rate).toBeLessThanOrEqual(allowance(1000))
  })
})

describe('A/A false-failure rate of a whole judgement (BH across four critical metrics, 1,000 runs)', () => {
  it('fails no more than alpha of the runs', () => {
    const r = seededRandom('aa-judgement')
    const config: CanaryConfig = {
      alpha: ALPHA,
      metrics: [
        strict({ name: 'latency', critical: true }),
        strict({ name: 'size', kind: 'distribution', critical: true }),
        strict({ name: 'tail', critical: true }),
        strict({ name: 'errors', kind: 'rate', critical: true }),
      ],
    }
    let fails = 0
    const runs = 1000
    for (let run = 0; run < runs; run++) {
      const arr = (draw: (r: Random) => number) => Array.from({ length: 150 }, () => draw(r))
      const j = judgeCanary(config, {
        metrics: {
          latency: { baseline: arr(draws.lognormal!), candidate: arr(draws.lognormal!) },
          size: { baseline: arr(draws.normal!), candidate: arr(draws.normal!) },
          tail: { baseline: arr(draws.pareto!), candidate: arr(draws.pareto!) },
          errors: {
            baseline: { events: events(r, 10_000, 0.002), trials: 10_000 },
            candidate: { events: events(r, 10_000, 0.002), trials: 10_000 },
          },
        },
      })
      if (j.verdict === 'fail') fails++
    }
    expect(fails / runs).toBeLessThanOrEqual(allowance(runs))
  })
})
