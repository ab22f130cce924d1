import { describe, expect, it } from 'vitest'
import { discreteFdr, fieldPValue, signTest } from './field-test.ts'

/** P(X ≥ b) for X ~ Binomial(n, ½), exactly, with big integers (the reference implementation). */
function exactUpperTail(b: number, n: number): number {
  let sum = 0n
  let coefficient = 1n // C(n, 0)
  for (let k = 0; k <= n; k++) {
    if (k >= b) sum += coefficient
    coefficient = (coefficient * BigInt(n - k)) / BigInt(k + 1)
  }
  // Scale down before converting so that 2^n does not overflow a double.
  const shift = BigInt(Math.max(0, n - 1000))
  return Number(sum >> shift) / 2 ** Number(BigInt(n) - shift)
}

describe('signTest (one-sided exact McNemar)', () => {
  it('matches R binom.test(b, b + c, alternative = "greater")', () => {
    expect(signTest(8, 2).pValue).toBeCloseTo(0.0546875, 14)
    expect(signTest(15, 5).pValue).toBeCloseTo(0.020694732666015625, 14)
    expect(signTest(3, 0)).toEqual({ pValue: 0.125, minAttainable: 0.125 })
    expect(signTest(0, 5).pValue).toBe(1)
    expect(signTest(0, 0)).toEqual({ pValue: 1, minAttainable: 1 })
  })

  it.each([
    [30, 10],
    [60, 0],
    [120, 80],
    [600, 400],
    [5200, 4800],
    [2, 9],
  ])('agrees with the exact binomial tail at b=%i, c=%i', (b, c) => {
    const exact = exactUpperTail(b, b + c)
    expect(Math.abs(signTest(b, c).pValue - exact) / exact).toBeLessThan(1e-9)
  })

  it('uses only discordant requests for the paired test, all of them for Fisher', () => {
    const counts = { n: 50, noise: 10, candidate: 30, candidateOnly: 20, noiseOnly: 0 }
    expect(fieldPValue(counts, 'paired')).toEqual(signTest(20, 0))
    const fisher = fieldPValue(counts, 'fisher')
    expect(fisher.pValue).toBeLessThan(1e-3)
    expect(fisher.minAttainable).toBeLessThan(fisher.pValue)
  })
})

describe('discreteFdr (Tarone-screened Benjamini–Hochberg)', () => {
  it('does not let fields that can never be significant dilute the others', () => {
    const tests = [
      { pValue: 0.004, minAttainable: 1e-9 },
      ...Array.from({ length: 500 }, () => ({ pValue: 1, minAttainable: 1 })),
    ]
    const { qValues, testable } = discreteFdr(tests, 0.01)
    expect(testable).toBe(1)
    expect(qValues[0]).toBe(0.004)
    expect(qValues.slice(1).every(Number.isNaN)).toBe(true)
  })

  it('finds the smallest K with at most K tests able to reach alpha/K', () => {
    const mins = [0.001, 0.002, 0.003, 0.02, 0.02]
    const tests = mins.map((minAttainable, i) => ({ pValue: [0.001, 0.02, 0.003, 0.03, 0.5][i]!, minAttainable }))
    const { qValues, testable } = discreteFdr(tests, 0.05)
    // K = 3: three tests have min ≤ 0.05/3; BH over them: 0.001·3/1, 0.003·3/2, 0.02·3/3.
    expect(testable).toBe(3)
    expect(qValues[0]).toBeCloseTo(0.003, 12)
    expect(qValues[2]).toBeCloseTo(0.0045, 12)
    expect(qValues[1]).toBeCloseTo(0.02, 12)
    expect(Number.isNaN(qValues[3]!)).toBe(true)
  })
})
