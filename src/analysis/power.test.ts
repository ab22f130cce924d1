/**
 * A/B power: how often the judge catches a real regression at a stated sample size. The
 * measured values are reported in docs/statistics.md (from larger runs of the same simulation);
 * here we only assert a sane floor, so the test guards against a judge that stopped seeing.
 */
import { describe, expect, it } from 'vitest'
import { judgeCanary } from './canary-judge.ts'
import { type Random, seededRandom } from './seeded-random.ts'
import type { CanaryMetricConfig, SideData } from './types.ts'

const lognormal = (r: Random, n: number, scale: number) =>
  Array.from({ length: n }, () => scale * Math.exp(4 + 0.5 * r.normal()))

function events(r: Random, n: number, p: number): number {
  let count = 0
  let at = -1
  for (;;) {
    at += 1 + Math.floor(Math.log(1 - r.next()) / Math.log(1 - p))
    if (at >= n) return count
    count++
  }
}

/** Share of runs the single metric comes out 'high'. */
function power(
  seed: string,
  runs: number,
  metric: CanaryMetricConfig,
  sample: (r: Random) => { baseline: SideData; candidate: SideData },
) {
  const r = seededRandom(seed)
  let high = 0
  for (let i = 0; i < runs; i++) {
    if (judgeCanary({ metrics: [metric] }, { metrics: { [metric.name]: sample(r) } }).metrics[0]!.outcome === 'high')
      high++
  }
  return high / runs
}

describe('A/B power at stated sample sizes (defaults: alpha 5%, tolerance 10%)', () => {
  it('p95 up 20% (log-normal, σ = 0.5), 1,000 requests per side: caught in ≥ 80% of runs (measured ≈ 95%)', () => {
    const p = power('power-p95', 300, { name: 'p95', kind: 'quantile', quantile: 0.95 }, (r) => ({
      baseline: lognormal(r, 1000, 1),
      candidate: lognormal(r, 1000, 1.2),
    }))
    expect(p).toBeGreaterThanOrEqual(0.8)
  })

  it('all latencies up 20%, 200 requests per side: caught in ≥ 80% of runs (measured ≈ 94%)', () => {
    const p = power('power-latency', 300, { name: 'latency' }, (r) => ({
      baseline: lognormal(r, 200, 1),
      candidate: lognormal(r, 200, 1.2),
    }))
    expect(p).toBeGreaterThanOrEqual(0.8)
  })

  it('error rate 0.1% → 1%, 2,000 requests per side: caught in ≥ 85% of runs (measured ≈ 97%)', () => {
    const p = power('power-errors', 1000, { name: 'errors', kind: 'rate' }, (r) => ({
      baseline: { events: events(r, 2000, 0.001), trials: 2000 },
      candidate: { events: events(r, 2000, 0.01), trials: 2000 },
    }))
    expect(p).toBeGreaterThanOrEqual(0.85)
  })
})

describe('sequential looks stop a clear regression early', () => {
  it('error rate 0.1% → 1%, up to 10,000 requests per side in 10 looks: caught, on average before 40% of the run', () => {
    const r = seededRandom('power-seq-errors')
    const runs = 300
    let caught = 0
    let stoppedAt = 0
    for (let run = 0; run < runs; run++) {
      let eb = 0
      let ec = 0
      let state: ReturnType<typeof judgeCanary>['state']
      for (let look = 1; look <= 10; look++) {
        eb += events(r, 1000, 0.001)
        ec += events(r, 1000, 0.01)
        const trials = look * 1000
        const j = judgeCanary(
          { sequential: true, metrics: [{ name: 'errors', kind: 'rate', critical: true }] },
          {
            metrics: { errors: { baseline: { events: eb, trials }, candidate: { events: ec, trials } } },
            final: look === 10,
          },
          state,
        )
        state = j.state
        if (j.stop) {
          if (j.verdict === 'fail') caught++
          stoppedAt += look / 10
          break
        }
      }
    }
    expect(caught / runs).toBeGreaterThanOrEqual(0.9)
    expect(stoppedAt / runs).toBeLessThan(0.4)
  })
})
