/**
 * @module analysis/kayenta-judge
 * `mode: kayenta` — a reproduction of Kayenta's NetflixACAJudge-v1.0 with its defaults, for teams
 * moving from Spinnaker who want the same answers first (spinnaker/kayenta, kayenta-judge:
 * NetflixACAJudge.scala, MannWhitneyClassifier.scala, WeightedSumScorer.scala; the Spinnaker
 * guide "How canary judgment works"):
 * - per metric: NaNs removed; empty → Nodata; identical samples or a single value overall → Pass;
 *   two constant samples get Gaussian jitter of 1e-5 × the value;
 * - Mann–Whitney at 98% confidence: the asymptotic, continuity-corrected Hodges–Lehmann
 *   interval; High when its lower bound exceeds 0.25 × |estimate| (Low mirrored), the direction
 *   allows it, and the mean ratio reaches allowedIncrease (1 + tolerance; Kayenta's default 1.0);
 * - a critical metric classified High/Low (or Nodata) fails the canary (score 0), as do ≥ 50%
 *   Nodata metrics; group score = passes / (passes + highs + lows) × 100, a group with only
 *   Nodata counts 100; groups without a configured weight share what is left of 100;
 * - thresholds: pass ≥ 95, marginal ≥ 75 (Kayenta takes them per request; 95/75 is the pair its
 *   documentation and Spinnaker's examples use).
 * Kayenta compares time series (one value per interval); a rate metric therefore needs its
 * per-interval `series` here, exactly the data Kayenta would have fetched.
 */
import { DEFAULT_THRESHOLDS } from './canary-score.ts'
import { quantity } from './explain-format.ts'
import { hodgesLehmannSorted } from './hodges-lehmann.ts'
import { mannWhitneySorted } from './mann-whitney.ts'
import { seededRandom } from './seeded-random.ts'
import type {
  CanaryConfig,
  CanaryData,
  CanaryJudgement,
  CanaryMetricConfig,
  GroupScore,
  MetricJudgement,
  MetricOutcome,
  SideData,
} from './types.ts'

/** Kayenta's hard-coded constants (NetflixACAJudge, WeightedSumScorer). */
export const KAYENTA = { confidence: 0.98, boundFraction: 0.25, nodataFailPercent: 50 } as const

type Label = 'Pass' | 'High' | 'Low' | 'Nodata'

/** Judges as Kayenta's NetflixACAJudge-v1.0 would; `judgeCanary` calls it for `mode: 'kayenta'`. */
export function judgeKayenta(config: CanaryConfig, data: CanaryData): CanaryJudgement {
  const thresholds = config.thresholds ?? DEFAULT_THRESHOLDS
  const random = seededRandom(config.seed ?? 1)
  const metrics = config.metrics.map((m) => classify(m, data.metrics[m.name] ?? {}, random))
  const counted = metrics.filter((m) => !m.judgement.muted)
  const criticalFailures = counted.filter((m) => m.critical)

  // WeightedSumScorer: group scores over Pass/High/Low; Nodata-only groups count 100.
  const names = [...new Set(counted.map((m) => m.judgement.group))]
  const configured = config.groups ?? {}
  const listed = names.reduce((s, n) => s + (configured[n] ?? 0), 0)
  const unlisted = names.filter((n) => configured[n] === undefined).length
  const share = unlisted > 0 ? (100 - listed) / unlisted : 0
  const groups: GroupScore[] = names.map((name) => {
    const labels = counted.filter((m) => m.judgement.group === name).map((m) => m.label)
    const total = labels.filter((l) => l !== 'Nodata').length
    const pass = labels.filter((l) => l === 'Pass').length
    return {
      name,
      weight: configured[name] ?? share,
      score: total ? (pass / total) * 100 : 0,
      metrics: labels.length,
      noData: total === 0,
    }
  })
  const nodata = counted.filter((m) => m.label === 'Nodata').length
  const tooManyNodata = counted.length > 0 && (nodata / counted.length) * 100 >= KAYENTA.nodataFailPercent
  let score = 0
  let reason = ''
  if (criticalFailures.length > 0) reason = `Canary failed: ${criticalFailures[0]!.judgement.sentence}`
  else if (tooManyNodata)
    reason = `Canary failed: ${KAYENTA.nodataFailPercent}% or more of the metrics returned no data.`
  else score = Math.round(groups.reduce((s, g) => s + (g.noData ? 100 : g.score) * (g.weight / 100), 0) * 100) / 100
  const verdict = score >= thresholds.pass ? 'pass' : score >= thresholds.marginal ? 'marginal' : 'fail'
  const summary =
    reason || `Kayenta-mode score ${score}: ${verdict} (thresholds ${thresholds.pass}/${thresholds.marginal}).`
  return {
    mode: 'kayenta',
    verdict,
    score,
    scoreRange: { min: score, max: score },
    thresholds,
    alpha: 1 - KAYENTA.confidence,
    groups,
    metrics: metrics.map((m) => m.judgement),
    criticalFailures: criticalFailures.map((m) => m.judgement.name),
    stop: true,
    summary,
    reasons: counted.filter((m) => m.label !== 'Pass').map((m) => m.judgement.sentence),
  }
}

type Classified = { label: Label; critical: boolean; judgement: MetricJudgement }

function classify(
  m: CanaryMetricConfig,
  d: { baseline?: SideData; candidate?: SideData },
  random: ReturnType<typeof seededRandom>,
): Classified {
  const direction = m.direction ?? 'either'
  const tolerance = m.tolerance ?? 0
  const label = m.label ?? m.name
  const control = values(d.baseline)
  const experiment = values(d.candidate)
  const base = {
    name: m.name,
    label,
    kind: m.kind ?? 'distribution',
    direction,
    critical: m.critical ?? false,
    muted: m.muted ?? false,
    group: m.group ?? 'default',
    weight: 1,
    tolerance,
    baseline: { n: control.length, mean: mean(control) },
    candidate: { n: experiment.length, mean: mean(experiment) },
    test: "Kayenta's Mann–Whitney classifier (98%)",
    decided: true,
  }
  const done = (l: Label, sentence: string, extra: Partial<MetricJudgement> = {}): Classified => ({
    label: l,
    critical: base.critical && l !== 'Pass',
    judgement: { ...base, outcome: toOutcome(l), pValue: Number.NaN, adjustedPValue: Number.NaN, sentence, ...extra },
  })
  if (control.length === 0 || experiment.length === 0) {
    const side = control.length === 0 ? 'baseline' : 'candidate'
    return done(
      'Nodata',
      `${label} has no data for the ${side}${m.kind === 'rate' ? ' (Kayenta mode needs the per-interval series)' : ''}: Nodata.`,
    )
  }
  let c = Float64Array.from(control).sort()
  let e = Float64Array.from(experiment).sort()
  if (c.length === e.length && c.every((v, i) => v === e[i]))
    return done('Pass', `${label}: baseline and candidate data are identical: Pass.`)
  if (c[0] === c[c.length - 1] && e[0] === e[e.length - 1]) {
    if (c[0] === e[0]) return done('Pass', `${label} has one value on both sides: Pass.`)
    // Kayenta adds Gaussian noise to two constant samples so the test can run.
    c = c.map((v) => v + random.normal() * v * 1e-5).sort()
    e = e.map((v) => v + random.normal() * v * 1e-5).sort()
  }
  const hl = hodgesLehmannSorted(c, e, { confLevel: KAYENTA.confidence, method: 'normal', correct: true })
  const bound = KAYENTA.boundFraction * Math.abs(hl.estimate)
  const ratio = meanRatio(c, e)
  const p = mannWhitneySorted(c, e).pValue
  const allowedUp = 1 + tolerance
  const allowedDown = 1 - tolerance
  const high = direction !== 'decrease' && hl.interval.lower > bound && (Number.isNaN(ratio) || ratio >= allowedUp)
  const low = direction !== 'increase' && hl.interval.upper < -bound && (Number.isNaN(ratio) || ratio <= allowedDown)
  const unit = m.unit ?? ''
  const ci = `the 98% CI of the shift (${quantity(hl.interval.lower, unit)} to ${quantity(hl.interval.upper, unit)})`
  const band = `±25% of the shift estimate (±${quantity(bound, unit)})`
  const ratioText = Number.isNaN(ratio) ? 'the mean ratio is undefined' : `the mean ratio is ${ratio.toFixed(3)}`
  const extra: Partial<MetricJudgement> = {
    pValue: p,
    adjustedPValue: p,
    ...(Number.isNaN(ratio)
      ? {}
      : {
          effect: {
            estimate: ratio - 1,
            interval: { lower: Number.NaN, upper: Number.NaN, level: KAYENTA.confidence },
          },
        }),
  }
  if (high)
    return done(
      'High',
      `${label} was classified High: ${ci} lies above ${band} and ${ratioText} (allowed ${allowedUp.toFixed(2)}).`,
      extra,
    )
  if (low)
    return done(
      'Low',
      `${label} was classified Low: ${ci} lies below ${band} and ${ratioText} (allowed ${allowedDown.toFixed(2)}).`,
      extra,
    )
  const clears = hl.interval.lower > bound || hl.interval.upper < -bound
  const why = clears
    ? `${ci} clears ${band}, but ${ratioText}, inside the allowed ${allowedDown.toFixed(2)}–${allowedUp.toFixed(2)}${direction === 'either' ? '' : ` or the move is not in the ${direction} direction`}`
    : `${ci} does not clear ${band}`
  return done('Pass', `${label} passed Kayenta's rule: ${why}.`, extra)
}

function values(d: SideData | undefined): number[] {
  if (d === undefined) return []
  const raw = Array.isArray(d) ? d : ((d as { series?: readonly number[] }).series ?? [])
  return raw.filter((v) => !Number.isNaN(v))
}

function mean(v: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]!
  return v.length ? s / v.length : Number.NaN
}

/** Kayenta's meanRatio effect size: experiment mean / control mean, NaN when either is 0. */
function meanRatio(control: ArrayLike<number>, experiment: ArrayLike<number>): number {
  const mc = mean(control)
  const me = mean(experiment)
  return mc === 0 || me === 0 ? Number.NaN : me / mc
}

function toOutcome(l: Label): MetricOutcome {
  return l === 'Pass' ? 'pass' : l === 'High' ? 'high' : l === 'Low' ? 'low' : 'no-data'
}
