/**
 * @module analysis/validate-config
 * Checks of what reaches the judge from code rather than from the spec (the spec's zod schema
 * already checks its own input): a configuration that cannot be judged, or data whose shape does
 * not fit the metric's kind, is a `RehearseError` naming the metric — never a silent verdict.
 */
import { RehearseError } from '../core/errors.ts'
import type { CanaryConfig, CanaryData, SideData, SloObjective } from './types.ts'

const KINDS = ['latency', 'distribution', 'quantile', 'rate']
const DIRECTIONS = ['increase', 'decrease', 'either']

function invalid(message: string, path: string): never {
  throw new RehearseError('ANALYSIS_INVALID_CONFIG', message, {
    hint: 'Fix the value in the analysis section (see docs/statistics.md for what each setting means).',
    location: { path },
  })
}

/** Throws ANALYSIS_INVALID_CONFIG for a configuration the judge cannot use. */
export function validateCanaryConfig(config: CanaryConfig): void {
  const seen = new Set<string>()
  const alpha = config.alpha ?? 0.05
  if (!(alpha > 0 && alpha < 0.5)) invalid(`alpha must be between 0 and 0.5, got ${alpha}.`, 'analysis.alpha')
  const t = config.thresholds
  if (t && !(t.marginal >= 0 && t.pass <= 100 && t.marginal <= t.pass)) {
    invalid(
      `thresholds need 0 ≤ marginal ≤ pass ≤ 100, got pass ${t.pass} and marginal ${t.marginal}.`,
      'analysis.thresholds',
    )
  }
  for (const [name, w] of Object.entries(config.groups ?? {})) {
    if (!(w >= 0)) invalid(`group weight of "${name}" must be 0 or more, got ${w}.`, `analysis.groups.${name}`)
  }
  config.metrics.forEach((m, i) => {
    const at = `analysis.metrics.${i}`
    if (!m.name) invalid('every metric needs a name.', `${at}.name`)
    if (seen.has(m.name)) invalid(`metric "${m.name}" is listed twice.`, `${at}.name`)
    seen.add(m.name)
    if (m.kind !== undefined && !KINDS.includes(m.kind))
      invalid(`metric "${m.name}" has unknown kind "${m.kind}".`, `${at}.kind`)
    if (m.direction !== undefined && !DIRECTIONS.includes(m.direction)) {
      invalid(`metric "${m.name}" has unknown direction "${m.direction}".`, `${at}.direction`)
    }
    if (m.tolerance !== undefined && !(m.tolerance >= 0))
      invalid(`metric "${m.name}": tolerance must be 0 or more.`, `${at}.tolerance`)
    if (m.absoluteTolerance !== undefined && !(m.absoluteTolerance >= 0 && m.absoluteTolerance < 1)) {
      invalid(`metric "${m.name}": absoluteTolerance must be a fraction in [0, 1).`, `${at}.absoluteTolerance`)
    }
    if (m.quantile !== undefined && !(m.quantile > 0 && m.quantile < 1)) {
      invalid(`metric "${m.name}": quantile must be between 0 and 1 (0.99 for p99).`, `${at}.quantile`)
    }
    if (m.weight !== undefined && !(m.weight > 0))
      invalid(`metric "${m.name}": weight must be more than 0.`, `${at}.weight`)
    if (m.minSamples !== undefined && !(m.minSamples >= 1))
      invalid(`metric "${m.name}": minSamples must be 1 or more.`, `${at}.minSamples`)
  })
}

function badData(metric: string, side: string, message: string): never {
  throw new RehearseError('ANALYSIS_DATA_SHAPE', `metric "${metric}" (${side}): ${message}`, {
    hint: 'Give number arrays for latency, distribution and quantile metrics and { events, trials } counts for rate metrics.',
    details: { metric, side },
  })
}

/** Throws ANALYSIS_DATA_SHAPE when a metric's data does not fit its kind. */
export function validateCanaryData(config: CanaryConfig, data: CanaryData): void {
  for (const m of config.metrics) {
    const d = data.metrics[m.name]
    if (!d) continue
    for (const side of ['baseline', 'candidate'] as const) {
      const v: SideData | undefined = d[side]
      if (v === undefined) continue
      const counts = !Array.isArray(v)
      const kind = m.kind ?? (counts ? 'rate' : 'latency')
      // Kayenta mode judges per-interval series, so there any kind may come as a list of values.
      const kayenta = config.mode === 'kayenta'
      if (kind === 'rate' && !counts && !kayenta) {
        badData(m.name, side, 'a rate metric takes { events, trials }, not a list of values.')
      }
      if (kind !== 'rate' && counts && !kayenta)
        badData(m.name, side, `a ${kind} metric takes a list of values, not counts.`)
      if (counts) {
        const { events, trials } = v as { events: number; trials: number }
        if (!(Number.isInteger(events) && Number.isInteger(trials) && events >= 0 && trials >= events)) {
          badData(m.name, side, `counts need whole numbers with 0 ≤ events ≤ trials, got ${events} of ${trials}.`)
        }
      }
    }
  }
}

/** Throws ANALYSIS_INVALID_CONFIG for an objective outside (0, 1). */
export function validateSloObjective(slo: SloObjective): void {
  if (!(slo.objective > 0 && slo.objective < 1)) {
    invalid(
      `SLO "${slo.name}": objective must be above 0% and below 100%, got ${slo.objective}.`,
      `slos.${slo.name}.objective`,
    )
  }
}
