/**
 * @module cli/commands/judge
 * `rehearse judge --baseline b.csv --candidate c.csv`: the canary judge on samples from files.
 * Exit 0 when the candidate passes, 1 when it fails or the evidence cannot decide, 2 for bad input.
 */
import type { Command } from 'commander'
import { DIRECTIONS, METRIC_KINDS } from '../../analysis/analysis-schema.ts'
import { ciLabel, percent, pValueText, quantity, rateText, signedPercent } from '../../analysis/explain-format.ts'
import type { Direction, MetricJudgement, MetricKind, SideSummary } from '../../analysis/types.ts'
import { RehearseError } from '../../core/errors.ts'
import { parsePercent } from '../../core/units.ts'
import { judgeOffline, type OfflineJudgement } from '../../rehearsal/offline-judge.ts'
import type { CliContext } from '../main.ts'
import { type Output, paint } from '../output.ts'

type JudgeFlags = {
  baseline: string
  candidate: string
  metric?: string
  kind?: string
  tolerance?: string
  direction?: string
  alpha?: string
  quantile?: string
  column?: string
  unit?: string
}

export function registerJudgeCommands(
  program: Command,
  context: (c: Command) => CliContext,
  setExit: (code: number) => void,
): void {
  program
    .command('judge')
    .description('judge candidate samples against baseline samples from files (CSV, one number per line, or JSON)')
    .requiredOption('--baseline <file>', "the baseline's samples")
    .requiredOption('--candidate <file>', "the candidate's samples")
    .option('--metric <name>', 'the metric name used in the explanation')
    .option('--kind <kind>', `how to compare: ${METRIC_KINDS.join(', ')} (default latency; rate for counts)`)
    .option('--tolerance <pct>', 'relative change still accepted, e.g. 10% (default 10%)')
    .option('--direction <dir>', `which move is a regression: ${DIRECTIONS.join(', ')} (default increase)`)
    .option('--alpha <pct>', 'false-failure rate, e.g. 5% (default 5%)')
    .option('--quantile <q>', 'quantile kind: which quantile, e.g. p99 or 0.95 (default p99)')
    .option('--column <name>', 'read this column of a CSV with a header row (or key of JSON objects)')
    .option('--unit <unit>', 'unit of the values, for the explanation (default ms for latency)')
    .action((flags: JudgeFlags, command: Command) => {
      const ctx = context(command)
      const result = judgeOffline({
        baseline: flags.baseline,
        candidate: flags.candidate,
        cwd: ctx.cwd,
        metric: flags.metric,
        kind: oneOf(flags.kind, METRIC_KINDS, '--kind') as MetricKind | undefined,
        direction: oneOf(flags.direction, DIRECTIONS, '--direction') as Direction | undefined,
        tolerance: fractionFlag(flags.tolerance, '--tolerance', false),
        alpha: fractionFlag(flags.alpha, '--alpha', true),
        quantile: quantileFlag(flags.quantile),
        column: flags.column,
        unit: flags.unit,
      })
      if (ctx.output.json) ctx.output.out(JSON.stringify(jsonOf(result), null, 2))
      else renderJudgement(ctx.output, result)
      setExit(result.passed ? 0 : 1)
    })
}

function usage(message: string): RehearseError {
  return new RehearseError('CLI_USAGE', message, { hint: 'See `rehearse judge --help`.' })
}

function oneOf(value: string | undefined, allowed: readonly string[], flag: string): string | undefined {
  if (value === undefined) return undefined
  if (!allowed.includes(value))
    throw usage(`${flag} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}.`)
  return value
}

function fractionFlag(value: string | undefined, flag: string, belowHalf: boolean): number | undefined {
  if (value === undefined) return undefined
  const parsed = /%\s*$/.test(value) ? parsePercent(value) : Number(value)
  if (parsed === undefined || !Number.isFinite(parsed) || parsed < 0 || (belowHalf && !(parsed > 0 && parsed < 0.5))) {
    throw usage(`${flag} takes a percentage such as 10% (or a fraction such as 0.1), not ${JSON.stringify(value)}.`)
  }
  return parsed
}

function quantileFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const p = /^p(\d+(?:\.\d+)?)$/i.exec(value.trim())
  const q = p ? Number(p[1]) / 100 : /%\s*$/.test(value) ? parsePercent(value) : Number(value)
  if (q === undefined || !(q > 0 && q < 1))
    throw usage(`--quantile takes p99, 99% or 0.99, not ${JSON.stringify(value)}.`)
  return Number(q.toPrecision(12))
}

const OUTCOME_LABELS = {
  pass: ['PASS', 'green'],
  high: ['FAIL', 'red'],
  low: ['FAIL', 'red'],
  'no-data': ['HOLD', 'yellow'],
  'insufficient-evidence': ['HOLD', 'yellow'],
} as const

function renderJudgement(output: Output, result: OfflineJudgement): void {
  const m = result.metric
  const [label, colour] = OUTCOME_LABELS[m.outcome]
  output.out(
    `${paint(output, colour, label.padEnd(6))}${paint(output, 'bold', m.label)}  ${paint(output, 'gray', `(${m.kind}, ${m.test})`)}`,
  )
  output.out(
    `      baseline   ${side(m, m.baseline, result.unit)}  ${paint(output, 'gray', result.inputs.baseline.file)}`,
  )
  output.out(
    `      candidate  ${side(m, m.candidate, result.unit)}  ${paint(output, 'gray', result.inputs.candidate.file)}`,
  )
  if (m.effect) {
    const { lower, upper, level } = m.effect.interval
    output.out(
      `      change     ${signedPercent(m.effect.estimate)} (${ciLabel(level)} ${signedPercent(lower)} to ${Number.isFinite(upper) ? signedPercent(upper) : '∞'}), tolerance ${percent(m.tolerance)} ${m.direction}, ${pValueText(m.adjustedPValue)}`,
    )
  }
  output.out(`      ${m.sentence}`)
  output.out('')
  const verdict = result.passed
    ? paint(output, 'green', 'PASS')
    : paint(output, m.outcome === 'pass' ? 'yellow' : 'red', 'FAIL')
  output.out(`${paint(output, 'bold', verdict)}  ${result.judgement.summary}`)
}

function side(m: MetricJudgement, s: SideSummary, unit: string): string {
  if (m.kind === 'rate') return rateText(s.events ?? 0, s.trials ?? 0)
  const parts = [`n ${s.n.toLocaleString('en-US')}`]
  if (s.median !== undefined) parts.push(`median ${quantity(s.median, unit)}`)
  if (s.quantile !== undefined) parts.push(`quantile ${quantity(s.quantile, unit)}`)
  if (s.p95 !== undefined) parts.push(`p95 ${quantity(s.p95, unit)}`)
  if (s.p99 !== undefined) parts.push(`p99 ${quantity(s.p99, unit)}`)
  return parts.join('  ')
}

function jsonOf(result: OfflineJudgement) {
  const { state: _state, ...judgement } = result.judgement
  return {
    passed: result.passed,
    verdict: judgement.verdict,
    summary: judgement.summary,
    metric: result.metric,
    inputs: result.inputs,
    judgement,
  }
}
