import { describe, expect, it } from 'vitest'
import { ArrivalSchedule, expectedArrivals } from './arrival-schedule.ts'
import type { LoadPhase } from './load-plan.ts'

function times(phases: LoadPhase[], seed: number | string = 1): { at: number[]; phase: number[] } {
  const s = new ArrivalSchedule(phases, seed)
  const at: number[] = []
  const phase: number[] = []
  for (let n = 0; s.next() && n < 1_000_000; n++) {
    at.push(s.at)
    phase.push(s.phase)
  }
  return { at, phase }
}

const constant = (durationMs: number, rate: number, rampTo?: number): LoadPhase => ({
  name: 'p',
  durationMs,
  rate,
  arrivals: 'constant',
  ...(rampTo !== undefined ? { rampTo } : {}),
})

describe('ArrivalSchedule', () => {
  it('spaces constant arrivals evenly, centred in their slots', () => {
    const { at } = times([constant(2000, 10)])
    expect(at).toHaveLength(20)
    for (const [k, t] of at.entries()) expect(t).toBeCloseTo(50 + 100 * k, 6)
  })

  it('ramps linearly: counts per half follow the area under the rate', () => {
    const { at } = times([constant(10_000, 0, 100)])
    expect(at.length).toBe(500) // (0 + 100) / 2 × 10 s
    const firstHalf = at.filter((t) => t < 5000).length
    expect(firstHalf).toBe(125) // ∫₀⁵ 10t dt
    // gaps shrink as the rate grows
    const gap = (i: number) => at[i + 1]! - at[i]!
    expect(gap(10)).toBeGreaterThan(gap(400))
    expect(at.every((t, i) => i === 0 || t > at[i - 1]!)).toBe(true)
  })

  it('ramps down as well as up', () => {
    const { at } = times([constant(10_000, 100, 0)])
    expect(at.length).toBe(500)
    expect(at.filter((t) => t < 5000).length).toBe(375)
    expect(at.at(-1)!).toBeLessThanOrEqual(10_000)
  })

  it('walks through phases, skips a pause (rate 0) and keeps time monotonic', () => {
    const phases = [constant(1000, 20), constant(1000, 0), constant(1000, 50)]
    const { at, phase } = times(phases)
    expect(at.length).toBe(70)
    expect(phase.filter((p) => p === 0)).toHaveLength(20)
    expect(phase.filter((p) => p === 1)).toHaveLength(0)
    expect(phase.filter((p) => p === 2)).toHaveLength(50)
    expect(at.filter((t) => t >= 1000 && t < 2000)).toHaveLength(0)
    expect(at.every((t, i) => i === 0 || t >= at[i - 1]!)).toBe(true)
  })

  it('gives Poisson arrivals with the right mean and variance', () => {
    const rate = 200
    const seconds = 200
    const { at } = times([{ name: 'p', durationMs: seconds * 1000, rate, arrivals: 'poisson' }], 42)
    const expected = rate * seconds
    // N ~ Poisson(40000): within 5 standard deviations
    expect(Math.abs(at.length - expected)).toBeLessThan(5 * Math.sqrt(expected))
    // exponential gaps: mean 5 ms, variance = mean²
    const gaps = at.slice(1).map((t, i) => t - at[i]!)
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
    const variance = gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1)
    expect(mean).toBeGreaterThan(5 * 0.97)
    expect(mean).toBeLessThan(5 * 1.03)
    expect(variance / mean ** 2).toBeGreaterThan(0.9)
    expect(variance / mean ** 2).toBeLessThan(1.1)
    // counts per second: index of dispersion ≈ 1
    const perSecond = new Array<number>(seconds).fill(0)
    for (const t of at) perSecond[Math.floor(t / 1000)]!++
    const m = perSecond.reduce((a, b) => a + b, 0) / seconds
    const v = perSecond.reduce((a, c) => a + (c - m) ** 2, 0) / (seconds - 1)
    expect(v / m).toBeGreaterThan(0.7)
    expect(v / m).toBeLessThan(1.3)
  })

  it('follows a ramp with Poisson arrivals too', () => {
    const phase: LoadPhase = { name: 'p', durationMs: 100_000, rate: 50, rampTo: 250, arrivals: 'poisson' }
    const { at } = times([phase], 7)
    const expected = expectedArrivals(phase) // 15000
    expect(Math.abs(at.length - expected)).toBeLessThan(5 * Math.sqrt(expected))
    const firstHalf = at.filter((t) => t < 50_000).length // ∫ 50→150 over 50 s = 5000
    expect(Math.abs(firstHalf - 5000)).toBeLessThan(5 * Math.sqrt(5000))
  })

  it('is reproducible for a seed and differs between seeds', () => {
    const phases: LoadPhase[] = [{ name: 'p', durationMs: 5000, rate: 100, arrivals: 'poisson' }]
    expect(times(phases, 'abc').at).toEqual(times(phases, 'abc').at)
    expect(times(phases, 3).at).toEqual(times(phases, 3).at)
    expect(times(phases, 3).at).not.toEqual(times(phases, 4).at)
  })
})
