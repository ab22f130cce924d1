/**
 * @module analysis/sample-ratio
 * The sample-ratio-mismatch check: did the baseline and the candidate receive the traffic split
 * that was asked for? A candidate that sheds requests (crashes, refused connections, a router
 * bug) shows up here before any latency test: its surviving samples are not comparable. A
 * chi-square goodness-of-fit test with a strict alpha (0.001, the usual choice in online
 * experimentation) keeps false alarms rare on long runs.
 */
import { chiSquareSf } from './special-functions.ts'
import type { SampleRatioResult } from './types.ts'

/** Chi-square goodness of fit of the observed split against the expected candidate share. */
export function sampleRatioMismatch(
  observed: { baseline: number; candidate: number },
  options: { expectedCandidateShare?: number; alpha?: number } = {},
): SampleRatioResult {
  const share = options.expectedCandidateShare ?? 0.5
  const alpha = options.alpha ?? 0.001
  const total = observed.baseline + observed.candidate
  if (total === 0 || share <= 0 || share >= 1) {
    return {
      observed,
      expectedCandidateShare: share,
      observedCandidateShare: Number.NaN,
      chiSquare: 0,
      pValue: 1,
      mismatch: false,
    }
  }
  const expectedCandidate = total * share
  const expectedBaseline = total - expectedCandidate
  const chiSquare =
    (observed.candidate - expectedCandidate) ** 2 / expectedCandidate +
    (observed.baseline - expectedBaseline) ** 2 / expectedBaseline
  const pValue = chiSquareSf(chiSquare, 1)
  return {
    observed,
    expectedCandidateShare: share,
    observedCandidateShare: observed.candidate / total,
    chiSquare,
    pValue,
    mismatch: pValue < alpha,
  }
}
