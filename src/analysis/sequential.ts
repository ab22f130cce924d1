/**
 * @module analysis/sequential
 * Always-valid inference, so the judge can be asked at every look while traffic runs and still
 * keep its false-failure rate at alpha however often it looks.
 *
 * Two mixture sequential probability ratio tests (mSPRT, Robbins 1970; Johari et al., "Always
 * valid inference", 2017/2022). Each mixture likelihood ratio is a nonnegative martingale under
 * the null, so by Ville's inequality it exceeds 1/alpha at *any* look with probability ≤ alpha:
 * - `normalMixture`: for an asymptotically normal estimate (a Hodges–Lehmann log-shift, a log
 *   quantile ratio) with a normal mixing distribution of scale tau over the effect.
 * - `binomialMixture`: for event counts. Given the total number of events, each event falls on
 *   the candidate with probability π0 (its share of the traffic) when the rates are equal; a
 *   uniform mixture over π gives an exact e-value at every count, including 0 events.
 */
import { logBeta } from './special-functions.ts'
import type { Interval } from './types.ts'

export type SequentialResult = {
  /** The mixture likelihood ratio (an e-value). */
  eValue: number
  /** min(1, 1/eValue): valid at any look; keep the running minimum across looks. */
  pValue: number
  /** Always-valid (1 − alpha) confidence interval of the effect. */
  interval: Interval
}

/**
 * Normal-mixture mSPRT for H0: effect = 0, from an estimate and its variance at this look.
 * `tau` is the scale of effects worth finding (Rehearse uses the metric's tolerance).
 */
export function normalMixture(estimate: number, variance: number, tau: number, alpha: number): SequentialResult {
  const level = 1 - alpha
  if (!(variance > 0) || !Number.isFinite(estimate)) {
    return {
      eValue: 1,
      pValue: 1,
      interval: { lower: Number.NEGATIVE_INFINITY, upper: Number.POSITIVE_INFINITY, level },
    }
  }
  const t2 = tau * tau
  const logE =
    0.5 * Math.log(variance / (variance + t2)) + (t2 * estimate * estimate) / (2 * variance * (variance + t2))
  const half = Math.sqrt(
    ((variance * (variance + t2)) / t2) * (2 * Math.log(1 / alpha) + Math.log((variance + t2) / variance)),
  )
  const eValue = Math.exp(logE)
  return {
    eValue,
    pValue: Math.min(1, 1 / eValue),
    interval: { lower: estimate - half, upper: estimate + half, level },
  }
}

/**
 * Uniform-mixture test that the candidate's share of `events` is `nullShare`, with `candidateEvents`
 * of them on the candidate. The interval is for the share; map it to a rate ratio with
 * `shareToRatio`.
 */
export function binomialMixture(
  candidateEvents: number,
  events: number,
  nullShare: number,
  alpha: number,
): SequentialResult {
  const level = 1 - alpha
  if (events === 0) return { eValue: 1, pValue: 1, interval: { lower: 0, upper: 1, level } }
  const x = candidateEvents
  const rest = events - x
  const logMarginal = logBeta(x + 1, rest + 1)
  const logLikelihood = (share: number) =>
    (x === 0 ? 0 : x * Math.log(share)) + (rest === 0 ? 0 : rest * Math.log1p(-share))
  const eValue = Math.exp(logMarginal - logLikelihood(nullShare))
  // The interval: shares whose e-value stays below 1/alpha. The log-likelihood is concave with
  // its peak at x / events, so each side has one crossing.
  const cut = logMarginal + Math.log(alpha)
  const peak = x / events
  const inside = (share: number) => logLikelihood(share) > cut
  const crossing = (from: number, to: number) => {
    let a = from
    let b = to
    for (let i = 0; i < 100; i++) {
      const mid = (a + b) / 2
      if (inside(mid)) b = mid
      else a = mid
    }
    return b
  }
  const lower = x === 0 ? 0 : crossing(0, peak)
  const upper = rest === 0 ? 1 : upperCrossing(peak, inside)
  return { eValue, pValue: Math.min(1, 1 / eValue), interval: { lower, upper, level } }
}

function upperCrossing(peak: number, inside: (share: number) => boolean): number {
  let a = peak
  let b = 1
  for (let i = 0; i < 100; i++) {
    const mid = (a + b) / 2
    if (inside(mid)) a = mid
    else b = mid
  }
  return a
}

/** The rate ratio (candidate rate / baseline rate) that a candidate share of the events implies. */
export function shareToRatio(share: number, baselineTrials: number, candidateTrials: number): number {
  if (share >= 1) return Number.POSITIVE_INFINITY
  return (share * baselineTrials) / ((1 - share) * candidateTrials)
}
