/**
 * @module analysis/proportion-test
 * Tests and intervals for rates (errors out of requests): the two-proportion chi-square test of
 * R's `prop.test`, Fisher's exact test of R's `fisher.test` (exact at any count, so a baseline
 * with 0 errors and a candidate with 7 still gives a real p-value), Wilson and Newcombe intervals,
 * and an exact interval for the ratio of two rates from the conditional binomial.
 */
import { normalCdf, normalQuantile, normalSf } from './normal-distribution.ts'
import { betaQuantile, chiSquareSf } from './special-functions.ts'
import type {
  Alternative,
  FisherExactResult,
  Interval,
  ProportionTestResult,
  RateCounts,
  RateRatioResult,
} from './types.ts'

/** Wilson's score interval for events/trials. */
export function wilsonInterval(events: number, trials: number, level = 0.95): Interval {
  if (trials <= 0) return { lower: 0, upper: 1, level }
  const z = normalQuantile(1 - (1 - level) / 2)
  const p = events / trials
  const z2 = z * z
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half), level }
}

/**
 * Newcombe's hybrid score interval (his method 10) for candidateRate − baselineRate: sound at 0
 * events, where the Wald interval collapses to a point.
 */
export function newcombeInterval(baseline: RateCounts, candidate: RateCounts, level = 0.95): Interval {
  const p1 = candidate.trials > 0 ? candidate.events / candidate.trials : 0
  const p2 = baseline.trials > 0 ? baseline.events / baseline.trials : 0
  const w1 = wilsonInterval(candidate.events, candidate.trials, level)
  const w2 = wilsonInterval(baseline.events, baseline.trials, level)
  const d = p1 - p2
  return {
    lower: d - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2),
    upper: d + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2),
    level,
  }
}

/** Two-proportion test of candidate against baseline, as R's `prop.test(c(xc, xb), c(nc, nb))`. */
export function twoProportionTest(
  baseline: RateCounts,
  candidate: RateCounts,
  options: { alternative?: Alternative; correct?: boolean; level?: number } = {},
): ProportionTestResult {
  const alternative = options.alternative ?? 'two-sided'
  const level = options.level ?? 0.95
  const pc = candidate.events / candidate.trials
  const pb = baseline.events / baseline.trials
  const delta = pc - pb
  const pooled = (candidate.events + baseline.events) / (candidate.trials + baseline.trials)
  let yates = (options.correct ?? true) ? 0.5 : 0
  yates = Math.min(yates, Math.abs(delta) / (1 / candidate.trials + 1 / baseline.trials))
  let chiSquare = 0
  for (const side of [candidate, baseline]) {
    const cells: [number, number][] = [
      [side.events, side.trials * pooled],
      [side.trials - side.events, side.trials * (1 - pooled)],
    ]
    for (const [observed, expected] of cells) chiSquare += (Math.abs(observed - expected) - yates) ** 2 / expected
  }
  const degenerate = !Number.isFinite(chiSquare)
  const z = degenerate ? 0 : Math.sign(delta) * Math.sqrt(chiSquare)
  let pValue: number
  if (degenerate) pValue = 1
  else if (alternative === 'two-sided') pValue = chiSquareSf(chiSquare, 1)
  else pValue = alternative === 'greater' ? normalSf(z) : normalCdf(z)
  return {
    baselineRate: pb,
    candidateRate: pc,
    difference: delta,
    differenceInterval: newcombeInterval(baseline, candidate, level),
    chiSquare: degenerate ? 0 : chiSquare,
    z,
    pValue,
  }
}

/**
 * Fisher's exact test on the 2×2 table of events and non-events, candidate row first, as R's
 * `fisher.test(matrix(c(xc, xb, nc − xc, nb − xb), 2))`. 'greater': the candidate's rate is higher.
 */
export function fisherExact(
  baseline: RateCounts,
  candidate: RateCounts,
  options: { alternative?: Alternative } = {},
): FisherExactResult {
  const alternative = options.alternative ?? 'two-sided'
  const events = baseline.events + candidate.events
  const nonEvents = baseline.trials - baseline.events + candidate.trials - candidate.events
  const k = candidate.trials
  const x = candidate.events
  const lo = Math.max(0, k - nonEvents)
  const hi = Math.min(k, events)
  const d = hypergeometricPmf(lo, hi, events, nonEvents, k)
  const at = (v: number) => d[v - lo]!
  let pValue = 0
  if (alternative === 'greater') for (let v = x; v <= hi; v++) pValue += at(v)
  else if (alternative === 'less') for (let v = lo; v <= x; v++) pValue += at(v)
  else {
    // R's rule: sum the outcomes no more likely than the one observed (with a 1e-7 relative slack).
    const limit = at(x) * (1 + 1e-7)
    for (const p of d) if (p <= limit) pValue += p
  }
  const oddsRatio =
    (candidate.events * (baseline.trials - baseline.events)) / ((candidate.trials - candidate.events) * baseline.events)
  return { pValue: Math.min(1, pValue), oddsRatio: Number.isNaN(oddsRatio) ? 1 : oddsRatio }
}

/**
 * The hypergeometric probabilities over [lo, hi] (draws of k from `good` + `bad`), built by the
 * ratio of neighbours from the mode outwards, then normalised: no factorials, no overflow.
 */
function hypergeometricPmf(lo: number, hi: number, good: number, bad: number, k: number): Float64Array {
  const size = hi - lo + 1
  const w = new Float64Array(size)
  const mode = Math.min(hi, Math.max(lo, Math.floor(((k + 1) * (good + 1)) / (good + bad + 2))))
  w[mode - lo] = 1
  for (let v = mode; v < hi; v++) {
    w[v + 1 - lo] = (w[v - lo]! * ((good - v) * (k - v))) / ((v + 1) * (bad - k + v + 1))
  }
  for (let v = mode; v > lo; v--) {
    w[v - 1 - lo] = (w[v - lo]! * (v * (bad - k + v))) / ((good - v + 1) * (k - v + 1))
  }
  let total = 0
  for (const p of w) total += p
  for (let i = 0; i < size; i++) w[i] = w[i]! / total
  return w
}

/**
 * The ratio of the candidate's rate to the baseline's with an exact interval: given all events,
 * the candidate's share is binomial, so a Clopper–Pearson interval on that share maps to the
 * ratio. Valid at 0 events on either side (the interval is then open-ended).
 */
export function rateRatio(baseline: RateCounts, candidate: RateCounts, level = 0.95): RateRatioResult {
  const x = candidate.events
  const total = baseline.events + candidate.events
  const a = 1 - level
  if (total === 0 || baseline.trials === 0 || candidate.trials === 0) {
    return { ratio: Number.NaN, interval: { lower: 0, upper: Number.POSITIVE_INFINITY, level } }
  }
  const toRatio = (share: number) =>
    share >= 1 ? Number.POSITIVE_INFINITY : (share * baseline.trials) / ((1 - share) * candidate.trials)
  const lowerShare = x === 0 ? 0 : betaQuantile(a / 2, x, total - x + 1)
  const upperShare = x === total ? 1 : betaQuantile(1 - a / 2, x + 1, total - x)
  return {
    ratio: toRatio(x / total),
    interval: { lower: toRatio(lowerShare), upper: toRatio(upperShare), level },
  }
}
