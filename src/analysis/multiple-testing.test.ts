import { describe, expect, it } from 'vitest'
import { adjustPValues } from './multiple-testing.ts'
import { sampleRatioMismatch } from './sample-ratio.ts'

describe('adjustPValues against R p.adjust (R 4.2.2)', () => {
  const p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04, 0.9]
  const each = (got: number[], want: number[]) =>
    want.forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 14)
    })

  it('Benjamini–Hochberg', () => {
    each(adjustPValues(p, 'bh'), [0.04, 0.064, 0.064, 0.04, 0.5714285714285714, 0.26666666666666666, 0.064, 0.9])
    // Benjamini & Hochberg (1995)'s own 15 p-values.
    const bh95 = [
      0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1,
    ]
    each(
      adjustPValues(bh95),
      [
        0.0015, 0.003, 0.0095, 0.035624999999999997, 0.0603, 0.063857142857142862, 0.063857142857142862, 0.0645, 0.0765,
        0.486, 0.58118181818181813, 0.71487499999999993, 0.75323076923076926, 0.81321428571428567, 1,
      ],
    )
  })

  it('Holm and Bonferroni', () => {
    each(adjustPValues(p, 'holm'), [0.07, 0.2, 0.18, 0.04, 1, 0.6, 0.2, 1])
    each(adjustPValues(p, 'bonferroni'), [0.08, 0.32, 0.24, 0.04, 1, 1, 0.32, 1])
  })

  it('leaves NaN out of the count and in place', () => {
    const got = adjustPValues([0.01, Number.NaN, 0.04], 'bonferroni')
    expect(got[0]).toBeCloseTo(0.02, 14)
    expect(got[1]).toBeNaN()
    expect(got[2]).toBeCloseTo(0.08, 14)
    expect(adjustPValues([0.3, 0.01], 'none')).toEqual([0.3, 0.01])
  })
})

describe('sampleRatioMismatch against R chisq.test(c(b, c), p = …)', () => {
  it('computes the goodness-of-fit p-value', () => {
    expect(sampleRatioMismatch({ baseline: 10000, candidate: 9800 }).pValue).toBeCloseTo(0.15521848968468371, 13)
    expect(sampleRatioMismatch({ baseline: 5000, candidate: 5300 }).pValue).toBeCloseTo(0.003116693839866869, 13)
    const uneven = sampleRatioMismatch({ baseline: 900, candidate: 100 }, { expectedCandidateShare: 0.15 })
    expect(uneven.pValue).toBeCloseTo(9.5078095376724476e-6, 15)
    expect(uneven.mismatch).toBe(true)
  })

  it('flags only below its alpha (0.001 by default)', () => {
    expect(sampleRatioMismatch({ baseline: 5000, candidate: 5300 }).mismatch).toBe(false)
    expect(sampleRatioMismatch({ baseline: 5000, candidate: 5300 }, { alpha: 0.01 }).mismatch).toBe(true)
    expect(sampleRatioMismatch({ baseline: 0, candidate: 0 }).mismatch).toBe(false)
  })
})
