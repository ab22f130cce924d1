/**
 * @module analysis/slo
 * SLO judgement of a rehearsal: the candidate's attainment with an exact (Clopper–Pearson)
 * interval, its error budget and burn rate, the multiwindow burn-rate alerts scaled to the run,
 * and a comparison with the baseline, so that an environment that fails both sides is not blamed
 * on the candidate.
 *
 * - fail: the candidate is confidently below the objective (interval entirely under it) or a
 *   page-severity burn alert would have fired — and the breach is the candidate's own: there is
 *   no baseline, the baseline met the objective, or the candidate is significantly worse.
 * - pass: the interval is entirely at or above the objective and no page alert fired.
 * - inconclusive: otherwise — too little traffic to show the objective is met, or both sides
 *   breach alike. The sentence says which, and how much traffic would settle it.
 */

import { formatDuration } from '../core/units.ts'
import { type BurnRateOptions, burnRateWindows } from './burn-rate.ts'
import { count, attainmentPercent as pct, pValueText } from './explain-format.ts'
import { normalQuantile } from './normal-distribution.ts'
import { fisherExact, newcombeInterval } from './proportion-test.ts'
import { sliTotals } from './sli.ts'
import { betaQuantile } from './special-functions.ts'
import type { Interval, Sli, SloJudgement, SloObjective, SloSideResult } from './types.ts'
import { validateSloObjective } from './validate-config.ts'

export type SloOptions = BurnRateOptions & {
  /** Two-sided error rate of the intervals and of the baseline comparison. Default 0.05. */
  alpha?: number
}

/** Clopper–Pearson interval for good/valid. */
export function attainmentInterval(good: number, valid: number, level = 0.95): Interval {
  const a = 1 - level
  if (valid <= 0) return { lower: 0, upper: 1, level }
  return {
    lower: good === 0 ? 0 : betaQuantile(a / 2, good, valid - good + 1),
    upper: good === valid ? 1 : betaQuantile(1 - a / 2, good + 1, valid - good),
    level,
  }
}

/** Judges one SLO on the candidate, against its objective and against the baseline. */
export function evaluateSlo(slo: SloObjective, candidate: Sli, baseline?: Sli, options: SloOptions = {}): SloJudgement {
  validateSloObjective(slo)
  const alpha = options.alpha ?? 0.05
  const c = sideResult(slo.objective, candidate, alpha, options)
  const b = baseline ? sideResult(slo.objective, baseline, alpha, options) : undefined
  const what = describe(slo, candidate)
  if (c.valid === 0) {
    return {
      name: slo.name,
      objective: slo.objective,
      status: 'no-data',
      candidate: c,
      ...(b ? { baseline: b } : {}),
      sentence: `${what}: the candidate served no valid requests, so the ${pct(slo.objective)} objective cannot be judged.`,
    }
  }
  const comparison = b && b.valid > 0 ? compare(b, c) : undefined
  const paging = c.windows.filter((w) => w.severity === 'page' && w.firing)
  const breach = c.interval.upper < slo.objective || paging.length > 0
  const meets = c.interval.lower >= slo.objective && paging.length === 0
  const worse = comparison !== undefined && comparison.pValue < alpha && c.attainment < b!.attainment
  const baselineBreach =
    b !== undefined &&
    b.valid > 0 &&
    (b.interval.upper < slo.objective || b.windows.some((w) => w.severity === 'page' && w.firing))
  const status = breach ? (!baselineBreach || worse ? 'fail' : 'inconclusive') : meets ? 'pass' : 'inconclusive'

  const level = `${Math.round((1 - alpha) * 100)}% CI`
  const head = `${what}: candidate ${pct(c.attainment)} (${level} ${pct(c.interval.lower)}–${pct(c.interval.upper)}) against the ${pct(slo.objective)} objective, burning its error budget at ${burn(c.burnRate)}`
  const versus =
    b && comparison
      ? ` (baseline ${pct(b.attainment)} at ${burn(b.burnRate)}; ${worse ? 'the candidate is worse' : 'no significant difference'}, ${pValueText(comparison.pValue)})`
      : ''
  let tail: string
  if (paging.length > 0) {
    const w = paging[0]!
    tail = `; the ${w.threshold}× page over ${span(w.scaledLongMs)} and ${span(w.scaledShortMs)} (scaled from ${span(w.longMs)}/${span(w.shortMs)}) would have fired`
  } else if (status === 'pass') {
    tail = '; no burn-rate alert would have fired'
  } else if (breach) {
    tail = ''
  } else {
    tail = `; too few requests to show the objective is met${needed(c, slo.objective, alpha)}`
  }
  const verdict =
    status === 'fail'
      ? ', so the SLO fails'
      : status === 'pass'
        ? ', so the SLO holds'
        : breach
          ? ', but the baseline breaches it alike, so the environment rather than the candidate may be at fault'
          : ''
  return {
    name: slo.name,
    objective: slo.objective,
    status,
    candidate: c,
    ...(b ? { baseline: b } : {}),
    ...(comparison ? { comparison } : {}),
    sentence: `${head}${versus}${tail}${verdict}.`,
  }
}

function sideResult(objective: number, sli: Sli, alpha: number, options: SloOptions): SloSideResult {
  const { good, valid } = sliTotals(sli)
  const bad = valid - good
  const allowed = (1 - objective) * valid
  const errorRate = valid > 0 ? bad / valid : 0
  return {
    good,
    valid,
    attainment: valid > 0 ? good / valid : Number.NaN,
    interval: attainmentInterval(good, valid, 1 - alpha),
    budgetUsed: allowed > 0 ? bad / allowed : bad > 0 ? Number.POSITIVE_INFINITY : 0,
    burnRate: objective < 1 ? errorRate / (1 - objective) : bad > 0 ? Number.POSITIVE_INFINITY : 0,
    windows: burnRateWindows(sli, objective, options),
  }
}

function compare(b: SloSideResult, c: SloSideResult) {
  const base = { events: b.valid - b.good, trials: b.valid }
  const cand = { events: c.valid - c.good, trials: c.valid }
  return {
    pValue: fisherExact(base, cand).pValue,
    difference: c.attainment - b.attainment,
    // The interval of the attainment difference is minus that of the error-rate difference.
    differenceInterval: ((i) => ({ lower: -i.upper, upper: -i.lower, level: i.level }))(newcombeInterval(base, cand)),
  }
}

function describe(slo: SloObjective, sli: Sli): string {
  if (sli.kind === 'latency' && slo.thresholdMs !== undefined)
    return `${slo.name} (requests under ${slo.thresholdMs} ms)`
  return slo.name
}

function burn(rate: number): string {
  if (!Number.isFinite(rate)) return '∞×'
  return `${rate >= 10 ? Math.round(rate) : rate.toFixed(rate >= 1 ? 1 : 2)}×`
}

function span(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`
  return formatDuration(ms)
}

/** " (about N requests would show it)": traffic at which the lower bound reaches the objective. */
function needed(c: SloSideResult, objective: number, alpha: number): string {
  const p = c.attainment
  if (!(p >= objective)) return ''
  let n: number
  if (p === 1) n = Math.log(alpha / 2) / Math.log(objective)
  else {
    const z = normalQuantile(1 - alpha / 2)
    n = (z * z * p * (1 - p)) / (p - objective) ** 2
  }
  return Number.isFinite(n) && n > c.valid
    ? ` (about ${count(Math.ceil(n / 100) * 100)} requests at this rate would)`
    : ''
}
