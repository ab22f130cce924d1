import { describe, expect, it } from 'vitest'
import { seededRandom } from './seeded-random.ts'
import { binomialMixture, normalMixture, shareToRatio } from './sequential.ts'

/** Trapezoid integral of f over [a, b] with n panels. */
function integrate(f: (x: number) => number, a: number, b: number, n = 200_000): number {
  const h = (b - a) / n
  let s = (f(a) + f(b)) / 2
  for (let i = 1; i < n; i++) s += f(a + i * h)
  return s * h
}

describe('normalMixture (mSPRT with a normal mixture)', () => {
  it('equals the mixture likelihood ratio integrated numerically', () => {
    const [est, v, tau] = [0.12, 0.0025, 0.1]
    const phi = (x: number, m: number, s2: number) => Math.exp(-((x - m) ** 2) / (2 * s2)) / Math.sqrt(2 * Math.PI * s2)
    const numeric = integrate((t) => (phi(est, t, v) / phi(est, 0, v)) * phi(t, 0, tau * tau), -2, 2)
    expect(normalMixture(est, v, tau, 0.05).eValue).toBeCloseTo(numeric, 8)
  })

  it('its interval is the set of nulls the test would not reject', () => {
    const r = normalMixture(0.3, 0.01, 0.2, 0.05)
    for (const edge of [r.interval.lower, r.interval.upper]) {
      expect(normalMixture(0.3 - edge, 0.01, 0.2, 0.05).eValue).toBeCloseTo(20, 8)
    }
  })

  it('is wider than the fixed-horizon interval (the price of looking any time)', () => {
    const r = normalMixture(0, 0.01, 0.1, 0.05)
    expect(r.interval.upper).toBeGreaterThan(1.96 * 0.1)
  })

  it('rejects at most alpha of null paths over 200 looks (2,000 simulated runs)', () => {
    const rnd = seededRandom(11)
    let rejected = 0
    const runs = 2000
    for (let run = 0; run < runs; run++) {
      let sum = 0
      for (let n = 1; n <= 200; n++) {
        sum += rnd.normal()
        if (n >= 5 && normalMixture(sum / n, 1 / n, 0.5, 0.05).pValue < 0.05) {
          rejected++
          break
        }
      }
    }
    // ≤ alpha plus three binomial standard deviations.
    expect(rejected / runs).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs))
  })
})

describe('binomialMixture (conditional binomial, uniform mixture)', () => {
  it('equals ∫ L(π)/L(π0) dπ computed numerically', () => {
    const [x, n, p0] = [7, 9, 0.5]
    const lr = (p: number) => (p / p0) ** x * ((1 - p) / (1 - p0)) ** (n - x)
    expect(binomialMixture(x, n, p0, 0.05).eValue).toBeCloseTo(integrate(lr, 0, 1), 6)
  })

  it('7 events all on the candidate: e = 2⁷/8 = 16', () => {
    expect(binomialMixture(7, 7, 0.5, 0.05).eValue).toBeCloseTo(16, 10)
  })

  it('interval edges sit exactly at e = 1/alpha', () => {
    const r = binomialMixture(30, 100, 0.5, 0.05)
    expect(r.interval.lower).toBeLessThan(0.3)
    expect(r.interval.upper).toBeGreaterThan(0.3)
    for (const edge of [r.interval.lower, r.interval.upper])
      expect(binomialMixture(30, 100, edge, 0.05).eValue).toBeCloseTo(20, 6)
  })

  it('rejects at most alpha of null paths over 100 looks (2,000 simulated runs)', () => {
    const rnd = seededRandom(12)
    let rejected = 0
    const runs = 2000
    for (let run = 0; run < runs; run++) {
      let x = 0
      let n = 0
      for (let look = 0; look < 100; look++) {
        for (let e = 0; e < 3; e++) {
          n++
          if (rnd.next() < 0.4) x++
        }
        if (binomialMixture(x, n, 0.4, 0.05).pValue < 0.05) {
          rejected++
          break
        }
      }
    }
    expect(rejected / runs).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / runs))
  })

  it('maps a share of events to a rate ratio', () => {
    expect(shareToRatio(0.5, 1000, 1000)).toBe(1)
    expect(shareToRatio(2 / 3, 1000, 2000)).toBeCloseTo(1, 12)
    expect(shareToRatio(1, 1000, 1000)).toBe(Number.POSITIVE_INFINITY)
    expect(binomialMixture(0, 0, 0.5, 0.05).pValue).toBe(1)
  })
})
