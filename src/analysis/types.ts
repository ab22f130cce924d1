/**
 * @module analysis/types
 * The types of Rehearse's statistics: what the tests return, what the canary judge takes and
 * gives, and what the SLO evaluation takes and gives. Types only. Everything here is plain data
 * (JSON-safe apart from ±Infinity in unbounded intervals), so a judgement can be stored in the
 * event log and re-rendered later.
 */

/** Which way a test looks: 'greater' means the candidate tends to be larger than the baseline. */
export type Alternative = 'two-sided' | 'greater' | 'less'

/** 'auto' lets the function pick exact or approximate by sample size and ties. */
export type TestMethodChoice = 'auto' | 'exact' | 'normal'

/** A confidence interval. Bounds may be ±Infinity when the data cannot bound that side. */
export type Interval = { lower: number; upper: number; level: number }

export type MannWhitneyResult = {
  nBaseline: number
  nCandidate: number
  /** Pairs (candidate, baseline) with the candidate larger, ties counting ½ (R's W, scipy's U1). */
  u: number
  /** U / (n·m): the probability that a candidate value exceeds a baseline value (ties ½). */
  probabilityIndex: number
  /** The standardized statistic (tie- and continuity-corrected); informative also when exact. */
  z: number
  pValue: number
  method: 'exact' | 'normal'
}

export type ShiftEstimate = {
  /** Hodges–Lehmann estimate: the median of all candidate − baseline differences. */
  estimate: number
  interval: Interval
  /** 'exact': order statistics from the exact U distribution; 'normal': from its approximation. */
  method: 'exact' | 'normal'
}

/** Events out of trials, e.g. failed requests out of all requests. */
export type RateCounts = { events: number; trials: number }

export type ProportionTestResult = {
  baselineRate: number
  candidateRate: number
  /** candidateRate − baselineRate. */
  difference: number
  /** Newcombe's hybrid score interval for the difference (good also at 0 events). */
  differenceInterval: Interval
  /** Pearson chi-square (Yates-corrected when `correct`), as R's `prop.test`. */
  chiSquare: number
  z: number
  pValue: number
}

export type FisherExactResult = {
  pValue: number
  /** Sample odds ratio (candidate odds / baseline odds); may be 0 or Infinity. */
  oddsRatio: number
}

export type RateRatioResult = {
  /** candidateRate / baselineRate; Infinity when the baseline had no events. */
  ratio: number
  /** Exact conditional (Clopper–Pearson on the candidate's share of events) interval. */
  interval: Interval
}

export type QuantileComparison = {
  quantile: number
  baseline: number
  candidate: number
  /** candidate / baseline − 1. */
  relativeChange: number
  /** Bootstrap percentile interval of the relative change. */
  interval: Interval
  /** Standard error of ln(candidate / baseline) from the bootstrap (for sequential looks). */
  logRatioStandardError: number
  /** Exact test of equal exceedance of the pooled quantile (Fisher's test on the 2×2 table). */
  pValue: number
  /** How many values lie above the pooled quantile on each side. */
  exceedances: { baseline: number; candidate: number; threshold: number }
}

export type SampleRatioResult = {
  observed: { baseline: number; candidate: number }
  /** The candidate's expected share of the traffic (0.5 for an even split). */
  expectedCandidateShare: number
  observedCandidateShare: number
  chiSquare: number
  pValue: number
  /** pValue below the SRM alpha (0.001 by default): the split is not what was asked for. */
  mismatch: boolean
}

export type PValueCorrection = 'bh' | 'holm' | 'bonferroni' | 'none'

/** Which way a metric may not move. */
export type Direction = 'increase' | 'decrease' | 'either'

/**
 * How a metric's data is compared.
 * - latency: positive values; relative shift from Mann–Whitney/Hodges–Lehmann on the log scale.
 * - distribution: any values; Hodges–Lehmann shift relative to the baseline median.
 * - quantile: a tail quantile (p99 by default) with a bootstrap interval.
 * - rate: events out of trials (errors out of requests), Fisher's exact test.
 */
export type MetricKind = 'latency' | 'distribution' | 'quantile' | 'rate'

export type MetricOutcome = 'pass' | 'high' | 'low' | 'no-data' | 'insufficient-evidence'

export type CanaryMode = 'rehearse' | 'kayenta'

export type CanaryMetricConfig = {
  name: string
  /** Default: 'rate' when the data are counts, otherwise 'latency'. */
  kind?: MetricKind
  /** Which move is a regression. Default 'increase'. */
  direction?: Direction
  /** Relative change still accepted (0.1 = 10%). Default 0.1. */
  tolerance?: number
  /**
   * Rates only: an added rate so small it counts as harmless (0.001 = 0.1 percentage point), used
   * to pass a metric whose relative interval is too wide (few events). Never blocks a failure.
   * Default 0.001.
   */
  absoluteTolerance?: number
  /** Quantile kind: which quantile (0.99 = p99). Default 0.99. */
  quantile?: number
  /** A critical metric that fails fails the whole judgement. */
  critical?: boolean
  /** Judged and reported, but left out of the score and the verdict. */
  muted?: boolean
  /** Weight inside its group. Default 1. */
  weight?: number
  /** Group for scoring. Default 'default'. */
  group?: string
  /** Fewest observations (trials, for rates) per side before the metric is judged. */
  minSamples?: number
  /** Unit of the values for sentences ('ms', 's', 'B', '' …). Default 'ms' for latency. */
  unit?: string
  /** Display name in sentences; defaults to the name. */
  label?: string
}

export type CanaryConfig = {
  mode?: CanaryMode
  metrics: readonly CanaryMetricConfig[]
  /** Two-sided error rate per metric; intervals are (1 − alpha). Default 0.05. */
  alpha?: number
  /** Correction across metrics. Default 'bh' (Benjamini–Hochberg). */
  correction?: PValueCorrection
  /** Always-valid inference so `judgeCanary` may be called at every look. Default false. */
  sequential?: boolean
  /** Group weights; groups not listed share what is left of 100 (as Kayenta does). */
  groups?: Readonly<Record<string, number>>
  /** Score thresholds. Default pass 95, marginal 75. */
  thresholds?: { pass: number; marginal: number }
  /** Seed of every random draw (bootstrap, Kayenta's jitter). Default 1. */
  seed?: number
  /** Sample-ratio-mismatch check. Default: expected candidate share 0.5, alpha 0.001. */
  srm?: { expectedCandidateShare?: number; alpha?: number }
}

/** Data for one side of one metric: raw values, or counts for rates. */
export type SideData = readonly number[] | (RateCounts & { series?: readonly number[] })

export type CanaryMetricData = { baseline?: SideData; candidate?: SideData }

export type CanaryData = {
  metrics: Readonly<Record<string, CanaryMetricData>>
  /** Requests each side received, for the sample-ratio-mismatch check. */
  traffic?: { baseline: number; candidate: number }
  /** The last look of a sequential run (insufficient evidence then stays so, never a pass). */
  final?: boolean
}

/** What one side looked like, in the metric's own units. */
export type SideSummary = {
  n: number
  median?: number
  p95?: number
  p99?: number
  mean?: number
  /** Quantile kind: the compared quantile. */
  quantile?: number
  events?: number
  trials?: number
  rate?: number
}

export type MetricJudgement = {
  name: string
  label: string
  kind: MetricKind
  direction: Direction
  outcome: MetricOutcome
  critical: boolean
  muted: boolean
  group: string
  weight: number
  tolerance: number
  /** Relative change (0.38 = +38%) with its interval; absent without data. */
  effect?: { estimate: number; interval: Interval }
  baseline: SideSummary
  candidate: SideSummary
  /** Which test produced the p-value. */
  test: string
  pValue: number
  /** After the correction across metrics (and, when sequential, always valid). */
  adjustedPValue: number
  /** One sentence for a person: metric, direction, effect, interval, tolerance. */
  sentence: string
  /** Sequential runs: whether this metric's outcome is settled at this look. */
  decided: boolean
}

export type GroupScore = { name: string; weight: number; score: number; metrics: number; noData: boolean }

export type CanaryVerdict = 'pass' | 'marginal' | 'fail' | 'inconclusive'

/** Carried from one sequential look to the next (running minimum p-values). */
export type SequentialState = { looks: number; minPValues: Record<string, number> }

export type CanaryJudgement = {
  mode: CanaryMode
  verdict: CanaryVerdict
  /** 0–100; metrics without evidence are left out (see scoreRange). */
  score: number
  /** The score if every undecided metric failed (min) or passed (max). */
  scoreRange: { min: number; max: number }
  thresholds: { pass: number; marginal: number }
  alpha: number
  groups: GroupScore[]
  metrics: MetricJudgement[]
  /** Names of critical metrics that failed. */
  criticalFailures: string[]
  srm?: SampleRatioResult
  /** Sequential runs: the evidence is enough to stop the traffic now. */
  stop: boolean
  /** One sentence for the whole judgement. */
  summary: string
  /** The sentences that explain the verdict, most important first. */
  reasons: string[]
  state?: SequentialState
}

/** A time-bucketed good/valid count series (availability, latency-under-threshold, custom). */
export type SliPoint = { at: number; good: number; valid: number }

export type Sli = { kind: 'availability' | 'latency' | 'custom'; points: readonly SliPoint[]; description?: string }

export type SloObjective = {
  name: string
  /** Target fraction of good events, e.g. 0.999. */
  objective: number
  /** Latency SLOs: the threshold in ms (for sentences). */
  thresholdMs?: number
}

export type BurnWindowPair = {
  /** The production windows this pair scales from (ms), e.g. 1 h and 5 min. */
  longMs: number
  shortMs: number
  /** Burn rate that alerts when both windows exceed it (e.g. 14.4). */
  threshold: number
  severity: 'page' | 'ticket'
}

export type BurnWindowResult = BurnWindowPair & {
  /** The windows after scaling to the rehearsal's length (ms). */
  scaledLongMs: number
  scaledShortMs: number
  /** The highest burn rate each window reached during the run. */
  longBurn: number
  shortBurn: number
  /** Both windows exceeded the threshold at the same moment: this would have alerted. */
  firing: boolean
}

export type SloSideResult = {
  good: number
  valid: number
  attainment: number
  interval: Interval
  /** Fraction of the error budget the observed errors used, relative to the rehearsal's traffic. */
  budgetUsed: number
  /** Burn rate over the whole run: error rate / (1 − objective). */
  burnRate: number
  windows: BurnWindowResult[]
}

export type SloStatus = 'pass' | 'fail' | 'inconclusive' | 'no-data'

export type SloJudgement = {
  name: string
  objective: number
  status: SloStatus
  candidate: SloSideResult
  baseline?: SloSideResult
  /** Candidate vs baseline error rates (Fisher's exact test, two-sided). */
  comparison?: { pValue: number; difference: number; differenceInterval: Interval }
  sentence: string
}
