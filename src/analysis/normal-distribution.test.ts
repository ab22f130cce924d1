import { describe, expect, it } from 'vitest'
import { normalCdf, normalQuantile, normalSf } from './normal-distribution.ts'
import { betaQuantile, chiSquareSf, logGamma, regularizedBeta } from './special-functions.ts'

/** Relative error, with an absolute floor for values near zero. */
const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300)

describe('normal distribution (reference: R 4.2.2 pnorm/qnorm, printed with %.17g)', () => {
  it('normalCdf agrees with pnorm to 1e-13 relative, tails included', () => {
    const xs = [-8.5, -5.7, -3, -1.5, -0.6, 0, 0.3, 1, 2.5, 5.65, 7]
    const r = [
      9.4795348222033192e-18, 5.9903714010635279e-9, 0.0013498980316300946, 0.066807201268858071, 0.27425311775007361,
      0.5, 0.61791142218895267, 0.84134474606854293, 0.99379033467422384, 0.99999999197760814, 0.99999999999872013,
    ]
    xs.forEach((x, i) => {
      expect(rel(normalCdf(x), r[i]!)).toBeLessThan(1e-13)
    })
  })

  it('normalSf keeps precision far in the upper tail (pnorm(x, lower.tail = FALSE))', () => {
    const xs = [5.65, 7, 12, 37]
    const r = [8.0223918506634971e-9, 1.2798125438858352e-12, 1.776482112077679e-33, 5.7255712225245771e-300]
    xs.forEach((x, i) => {
      expect(rel(normalSf(x), r[i]!)).toBeLessThan(1e-12)
    })
  })

  it('normalQuantile agrees with qnorm to 1e-14 absolute', () => {
    const ps = [1e-300, 1e-20, 1e-10, 0.001, 0.025, 0.1, 0.3, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12]
    const r = [
      -37.047096299361201, -9.2623400897984052, -6.3613409024040557, -3.0902323061678132, -1.9599639845400538,
      -1.2815515655446008, -0.52440051270804067, 0, 0.52440051270804067, 1.9599639845400536, 3.0902323061678132,
      7.0344869100478356,
    ]
    ps.forEach((p, i) => {
      expect(Math.abs(normalQuantile(p) - r[i]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(r[i]!)))
    })
  })

  it('quantile and CDF invert each other to 1e-9', () => {
    for (let p = 0.0005; p < 1; p += 0.0137) expect(Math.abs(normalCdf(normalQuantile(p)) - p)).toBeLessThan(1e-12)
  })

  it('handles the edges', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY)
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY)
    expect(normalQuantile(1.5)).toBeNaN()
    expect(normalCdf(Number.NaN)).toBeNaN()
    expect(normalCdf(-50)).toBe(0)
    expect(normalSf(50)).toBe(0)
  })
})

describe('special functions (reference: R 4.2.2)', () => {
  it('logGamma agrees with lgamma to 1e-14 relative', () => {
    const xs = [0.1, 0.5, 1, 2.5, 9.9, 10, 10.1, 50, 1e3, 1e6, 1e9]
    const r = [
      2.252712651734206, 0.57236494292470008, 0, 0.28468287047291918, 12.577179904219879, 12.801827480081469,
      13.027526738633238, 144.56574394634487, 5905.2204232091808, 12815504.569147611, 19723265827.503716,
    ]
    xs.forEach((x, i) => {
      expect(Math.abs(logGamma(x) - r[i]!)).toBeLessThan(1e-14 * Math.max(1, Math.abs(r[i]!)))
    })
  })

  it('regularizedBeta agrees with pbeta to 1e-13', () => {
    const cases: [number, number, number, number][] = [
      [0.3, 2, 5, 0.57982500000000015],
      [0.9, 0.5, 0.5, 0.79516723530086664],
      [0.5, 200, 300, 0.99999645651973568],
      [0.001, 1, 10000, 0.99995482665402302],
      [0.99, 9901, 100, 0.48650072828324142],
    ]
    for (const [x, a, b, r] of cases) expect(Math.abs(regularizedBeta(x, a, b) - r)).toBeLessThan(1e-13)
  })

  it('betaQuantile agrees with qbeta to 1e-13', () => {
    expect(betaQuantile(0.025, 7, 1)).toBeCloseTo(0.59038360277499657, 13)
    expect(betaQuantile(0.975, 3, 20)).toBeCloseTo(0.29161274155393346, 13)
    expect(betaQuantile(0.5, 1000, 2)).toBeCloseTo(0.99832389766848673, 13)
  })

  it('chiSquareSf agrees with pchisq(lower.tail = FALSE) to 1e-13', () => {
    expect(chiSquareSf(3.84, 1)).toBeCloseTo(0.050043521248705224, 13)
    expect(chiSquareSf(10, 5)).toBeCloseTo(0.075235246146512197, 13)
    expect(chiSquareSf(30, 20)).toBeCloseTo(0.069853660699409778, 13)
    expect(chiSquareSf(0.5, 3)).toBeCloseTo(0.91889141165467592, 13)
  })
})
