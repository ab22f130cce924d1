/**
 * @module rehearsal/offline-judge
 * `rehearse judge --baseline b.csv --candidate c.csv`: the canary judge on samples from files,
 * with no rehearsal around it — to compare two load-test runs, to check a migration from
 * Kayenta, or to see what the judge makes of numbers one already has. The same judge and the
 * same sentences as `rehearse run`; the candidate passes when the judgement is a pass.
 */
import { judgeCanary } from '../analysis/canary-judge.ts'
import type { CanaryJudgement, Direction, MetricJudgement, MetricKind, SideData } from '../analysis/types.ts'
import { RehearseError } from '../core/errors.ts'
import { readSamples, type Samples, valuesToCounts } from './read-samples.ts'

export type OfflineJudgeOptions = {
  baseline: string
  candidate: string
  /** Directory the file names are relative to. */
  cwd: string
  /** Default: `errors` for rates, `p99` (or the quantile's name) for quantiles, else `latency`. */
  metric?: string | undefined
  /** Default: `rate` when both files hold counts, else `latency`. */
  kind?: MetricKind | undefined
  tolerance?: number | undefined
  direction?: Direction | undefined
  alpha?: number | undefined
  /** Quantile kind: which quantile (0.99 = p99). */
  quantile?: number | undefined
  /** Column to read from CSV or JSON objects. */
  column?: string | undefined
  /** Unit of the values, for sentences. Default ms for latency. */
  unit?: string | undefined
}

export type OfflineJudgement = {
  /** True when the candidate passes (exit 0); a fail, a marginal or an inconclusive result does not. */
  passed: boolean
  metric: MetricJudgement
  /** The unit of the values (as the sentences use it). */
  unit: string
  judgement: CanaryJudgement
  inputs: { baseline: InputSummary; candidate: InputSummary }
}

export type InputSummary = { file: string; n: number; events?: number }

/** Reads both files and judges the candidate. Input problems throw (exit 2). */
export function judgeOffline(options: OfflineJudgeOptions): OfflineJudgement {
  const read = (file: string) => readSamples(file, { cwd: options.cwd, column: options.column })
  const baseline = read(options.baseline)
  const candidate = read(options.candidate)
  const kind: MetricKind =
    options.kind ?? (baseline.kind === 'counts' && candidate.kind === 'counts' ? 'rate' : 'latency')
  const side = (samples: Samples, file: string): SideData => {
    if (kind === 'rate') return samples.kind === 'counts' ? samples : valuesToCounts(samples.values, file)
    if (samples.kind === 'counts') {
      throw new RehearseError(
        'JUDGE_FORMAT',
        `${file} holds counts ({ events, trials }), which only a rate metric takes.`,
        {
          location: { file },
          hint: 'Pass --kind rate, or give the values themselves.',
        },
      )
    }
    return samples.values
  }
  const data = { baseline: side(baseline, options.baseline), candidate: side(candidate, options.candidate) }
  const name = options.metric ?? defaultName(kind, options.quantile)
  const judgement = judgeCanary(
    {
      metrics: [
        {
          name,
          kind,
          ...(options.direction ? { direction: options.direction } : {}),
          ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
          ...(options.quantile !== undefined ? { quantile: options.quantile } : {}),
          ...(options.unit !== undefined ? { unit: options.unit } : {}),
        },
      ],
      ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    },
    { metrics: { [name]: data }, final: true },
  )
  const summary = (file: string, d: SideData): InputSummary =>
    Array.isArray(d)
      ? { file, n: d.length }
      : { file, n: (d as { trials: number }).trials, events: (d as { events: number }).events }
  return {
    passed: judgement.verdict === 'pass',
    metric: judgement.metrics[0]!,
    unit: options.unit ?? (kind === 'latency' || kind === 'quantile' ? 'ms' : ''),
    judgement,
    inputs: {
      baseline: summary(options.baseline, data.baseline),
      candidate: summary(options.candidate, data.candidate),
    },
  }
}

function defaultName(kind: MetricKind, quantile: number | undefined): string {
  if (kind === 'rate') return 'errors'
  if (kind === 'quantile') return `p${Number(((quantile ?? 0.99) * 100).toPrecision(6))}`
  return 'latency'
}
