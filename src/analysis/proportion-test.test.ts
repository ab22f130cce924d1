import { describe, expect, it } from 'vitest'
import { fisherExact, newcombeInterval, rateRatio, twoProportionTest, wilsonInterval } from './proportion-test.ts'

const r = (events: number, trials: number) => ({ events, trials })

// Each row: baseline events/trials, candidate events/trials, then R 4.2.2's
// fisher.test(matrix(c(xc, xb, nc - xc, nb - xb), 2)) p-values (two-sided, greater, less) and
// prop.test(c(xc, xb), c(nc, nb)) X-squared, p (two-sided) and p (greater).
const table: [number, number, number, number, number, number, number, number, number, number][] = [
  [
    0, 10000, 7, 10000, 0.0156085970318243, 0.00780429851591214, 1, 5.14465777307772, 0.023318006120665,
    0.0116590030603325,
  ],
  [
    0, 10000, 5, 10000, 0.0624687507816407, 0.0312343753908203, 1, 3.20080020005001, 0.0736022497265254,
    0.0368011248632627,
  ],
  [
    3, 25, 9, 22, 0.0423852541736709, 0.025958007324392, 0.995937405647643, 3.73563528138528, 0.0532634086564094,
    0.0266317043282047,
  ],
  [
    10, 10000, 25, 10000, 0.016580455318318, 0.008290227659159, 0.997027270555329, 5.60981718006511, 0.0178601262838995,
    0.00893006314194974,
  ],
  [
    1000, 1e6, 1150, 1e6, 0.0012985124439636, 0.000649256221981797, 0.999441986725437, 10.3371589575072,
    0.00130378534643648, 0.000651892673218242,
  ],
  [
    56, 70, 48, 80, 0.0125211297492091, 0.997875268450446, 0.00632471112989836, 6.11427041029623, 0.0134094751786689,
    0.993295262410666,
  ],
  [12, 12, 0, 9, 3.40217058483311e-6, 1, 3.40217058483312e-6, 17.115162037037, 3.51803300019097e-5, 0.999982409834999],
]

const close = (a: number, b: number, relTol = 1e-9) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(relTol * Math.abs(b) + 1e-15)

describe("Fisher's exact test against R fisher.test", () => {
  it.each(table)('%i/%i vs %i/%i', (xb, nb, xc, nc, two, greater, less) => {
    close(fisherExact(r(xb, nb), r(xc, nc)).pValue, two)
    close(fisherExact(r(xb, nb), r(xc, nc), { alternative: 'greater' }).pValue, greater)
    close(fisherExact(r(xb, nb), r(xc, nc), { alternative: 'less' }).pValue, less)
  })

  it('a baseline with 0 errors and a candidate with 7 in 10,000 each is significant (the Kayenta blind spot)', () => {
    expect(fisherExact(r(0, 10000), r(7, 10000), { alternative: 'greater' }).pValue).toBeCloseTo(0.5 ** 7, 4)
  })

  it('returns 1 for two empty error counts', () => {
    expect(fisherExact(r(0, 50), r(0, 60)).pValue).toBe(1)
  })
})

describe('two-proportion test against R prop.test (Yates-corrected)', () => {
  it.each(table)('%i/%i vs %i/%i', (xb, nb, xc, nc, _2, _g, _l, chi, p, pg) => {
    const t = twoProportionTest(r(xb, nb), r(xc, nc))
    close(t.chiSquare, chi)
    close(t.pValue, p)
    close(twoProportionTest(r(xb, nb), r(xc, nc), { alternative: 'greater' }).pValue, pg)
  })

  it('does not produce NaN when neither side has events', () => {
    expect(twoProportionTest(r(0, 50), r(0, 60)).pValue).toBe(1)
  })
})

describe('intervals', () => {
  // Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10 (hybrid score).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ])('Newcombe hybrid score interval for %i/%i − %i/%i', (x1, n1, x2, n2, lo, hi) => {
    const i = newcombeInterval(r(x2, n2), r(x1, n1))
    expect(i.lower).toBeCloseTo(lo, 4)
    expect(i.upper).toBeCloseTo(hi, 4)
  })

  it('Wilson interval at 0 events is not degenerate', () => {
    const w = wilsonInterval(0, 10000)
    expect(w.lower).toBe(0)
    expect(w.upper).toBeCloseTo(3.8414588 / (10000 + 3.8414588), 9)
  })

  it('rate ratio interval agrees with R poisson.test(c(xc, xb), c(nc, nb))$conf.int', () => {
    const a = rateRatio(r(10, 10000), r(25, 10000))
    expect(a.ratio).toBeCloseTo(2.5, 12)
    expect(a.interval.lower).toBeCloseTo(1.1596189735922393, 9)
    expect(a.interval.upper).toBeCloseTo(5.8327132003357205, 9)
    const zero = rateRatio(r(0, 10000), r(7, 10000))
    expect(zero.ratio).toBe(Number.POSITIVE_INFINITY)
    expect(zero.interval.lower).toBeCloseTo(1.441308518835239, 9)
    expect(zero.interval.upper).toBe(Number.POSITIVE_INFINITY)
    const uneven = rateRatio(r(9, 4000), r(3, 2500))
    expect(uneven.interval.lower).toBeCloseTo(0.092872051868956557, 9)
    expect(uneven.interval.upper).toBeCloseTo(2.1370819169262258, 9)
  })
})
