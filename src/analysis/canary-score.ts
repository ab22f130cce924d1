/**
 * @module analysis/canary-score
 * The 0–100 score of a judgement: each group scores the weighted share of its decided metrics
 * that passed, and the groups are averaged by weight. Groups without a configured weight share
 * what is left of 100 (Kayenta's rule), or weigh equally when none is configured. Muted metrics
 * never count. Metrics without evidence (no data, insufficient evidence) are left out of the
 * score, and the score range says what the score would be if they all failed or all passed —
 * so an undecided metric can never quietly lift a verdict.
 */
import type { GroupScore, MetricJudgement } from './types.ts'

/** Kayenta's usual pair, used by both modes unless the config says otherwise. */
export const DEFAULT_THRESHOLDS = { pass: 95, marginal: 75 } as const

export type ScoreResult = { score: number; scoreRange: { min: number; max: number }; groups: GroupScore[] }

/** Each group's weight out of 100. */
export function groupWeights(
  names: readonly string[],
  configured: Readonly<Record<string, number>> = {},
): Map<string, number> {
  const weights = new Map<string, number>()
  const unlisted = names.filter((n) => configured[n] === undefined)
  const listedSum = names.reduce((s, n) => s + (configured[n] ?? 0), 0)
  const share = unlisted.length > 0 ? Math.max(0, 100 - listedSum) / unlisted.length : 0
  for (const n of names)
    weights.set(n, configured[n] ?? (names.length === unlisted.length ? 100 / names.length : share))
  return weights
}

/** Group scores, the weighted score and its range over the undecided metrics. */
export function scoreMetrics(
  metrics: readonly MetricJudgement[],
  configured?: Readonly<Record<string, number>>,
): ScoreResult {
  const counted = metrics.filter((m) => !m.muted)
  const names = [...new Set(counted.map((m) => m.group))]
  const weights = groupWeights(names, configured)
  const groups: GroupScore[] = []
  let weighted = 0
  let weightUsed = 0
  let minTotal = 0
  let maxTotal = 0
  let weightAll = 0
  for (const name of names) {
    const members = counted.filter((m) => m.group === name)
    let passed = 0
    let decided = 0
    let undecided = 0
    for (const m of members) {
      if (m.outcome === 'pass') passed += m.weight
      if (m.outcome === 'pass' || m.outcome === 'high' || m.outcome === 'low') decided += m.weight
      else undecided += m.weight
    }
    const w = weights.get(name) ?? 0
    const total = decided + undecided
    const score = decided > 0 ? (100 * passed) / decided : 0
    groups.push({ name, weight: w, score: round2(score), metrics: members.length, noData: decided === 0 })
    if (decided > 0) {
      weighted += w * score
      weightUsed += w
    }
    if (total > 0) {
      minTotal += (w * 100 * passed) / total
      maxTotal += (w * 100 * (passed + undecided)) / total
      weightAll += w
    }
  }
  return {
    score: weightUsed > 0 ? round2(weighted / weightUsed) : 0,
    scoreRange: {
      min: weightAll > 0 ? round2(minTotal / weightAll) : 0,
      max: weightAll > 0 ? round2(maxTotal / weightAll) : 0,
    },
    groups,
  }
}

function round2(v: number): number {
  return Math.round(v * 100) / 100
}
