/**
 * @module analysis/analysis-schema
 * The `analysis` (canary judge) and `slos` sections of rehearse.yaml, and their conversion into
 * the judge's and the SLO evaluation's inputs. Units are the spec's own (`10%`, `300ms`), parsed
 * by spec/fields so they read and fail the same way as everywhere else.
 *
 *     analysis:
 *       metrics:
 *         - { name: latency, direction: increase, tolerance: 10% }
 *         - { name: checkout, kind: quantile, quantile: p99, route: POST /checkout }
 *         - { name: errors, kind: rate, critical: true }
 *       alpha: 5%
 *       sequential: true
 *     slos:
 *       availability: { objective: 99.9% }
 *       latency: { objective: 99%, threshold: 300ms }
 */
import { z } from 'zod'
import { durationMs, fraction } from '../spec/fields.ts'
import type { BurnWindowPair, CanaryConfig, CanaryMetricConfig, SloObjective } from './types.ts'

/** Allowed values, as the spec spells them. */
export const METRIC_KINDS = ['latency', 'distribution', 'quantile', 'rate'] as const
export const DIRECTIONS = ['increase', 'decrease', 'either'] as const
export const CORRECTIONS = ['bh', 'holm', 'bonferroni', 'none'] as const
export const CANARY_MODES = ['rehearse', 'kayenta'] as const
export const SLI_KINDS = ['availability', 'latency', 'custom'] as const

/** `p99`, `p99.9`, `99%` or 0.99 → 0.99. */
const quantileField = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    let q: number | undefined
    if (typeof value === 'number') q = value
    else {
      const p = /^\s*p(\d+(?:\.\d+)?)\s*$/i.exec(value)
      const pct = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)
      q = p ? clean(Number(p[1]) / 100) : pct ? clean(Number(pct[1]) / 100) : undefined
    }
    if (q === undefined || !(q > 0 && q < 1)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a quantile such as "p99", "99%" or 0.99, got ${JSON.stringify(value)}`,
      })
      return z.NEVER
    }
    return q
  })

/** Percent parsing leaves 99.9 / 100 = 0.9990000000000001; 12 significant digits restore 0.999. */
function clean(v: number): number {
  return Number(v.toPrecision(12))
}

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]*$/

/** One metric of `analysis.metrics`. */
export const analysisMetricSchema = z.strictObject({
  /** Name of the metric; `latency` and `errors` are measured by Rehearse itself. */
  name: z.string().regex(NAME, { error: 'a metric name starts with a letter: letters, digits, _ . : -' }),
  kind: z.enum(METRIC_KINDS).optional(),
  /** Default 'increase' (Kayenta mode: 'either', as Kayenta). */
  direction: z.enum(DIRECTIONS).optional(),
  /** Relative change still accepted. */
  tolerance: fraction().optional(),
  /** Rates: an added rate small enough to count as harmless. */
  absoluteTolerance: fraction().optional(),
  quantile: quantileField().optional(),
  critical: z.boolean().default(false),
  muted: z.boolean().default(false),
  weight: z.number().positive().default(1),
  group: z.string().min(1).optional(),
  minSamples: z.number().int().min(1).optional(),
  unit: z.string().optional(),
  label: z.string().min(1).optional(),
  /** Limit the metric to one route, as the samples name it (`POST /checkout`). */
  route: z.string().min(1).optional(),
  /**
   * Without `route`: judge the metric over all routes together (`overall`), for each route
   * (`routes`), or both (default). Per-route judgements can only fail the candidate; see
   * docs/statistics.md, "Routes".
   */
  scope: z.enum(['both', 'overall', 'routes']).default('both'),
  /** For metrics Rehearse does not measure itself: the metric provider's query. */
  query: z.string().min(1).optional(),
})

/** The `analysis` section. */
export const analysisSchema = z
  .strictObject({
    mode: z.enum(CANARY_MODES).default('rehearse'),
    metrics: z.array(analysisMetricSchema).default([]),
    alpha: fraction().default(0.05),
    correction: z.enum(CORRECTIONS).default('bh'),
    sequential: z.boolean().default(false),
    groups: z.record(z.string(), z.number().min(0)).optional(),
    thresholds: z
      .strictObject({ pass: z.number().min(0).max(100), marginal: z.number().min(0).max(100) })
      .refine((t) => t.marginal <= t.pass, { error: 'thresholds.marginal must not be above thresholds.pass' })
      .optional(),
    seed: z.number().int().default(1),
    srm: z.strictObject({ expected: fraction().default(0.5), alpha: fraction().default(0.001) }).optional(),
  })
  .refine((a) => a.alpha > 0 && a.alpha < 0.5, { error: 'alpha must be above 0% and below 50%', path: ['alpha'] })
  .refine((a) => new Set(a.metrics.map((m) => m.name)).size === a.metrics.length, {
    error: 'each metric name may appear only once',
    path: ['metrics'],
  })

const burnWindowSchema = z.strictObject({
  long: durationMs(),
  short: durationMs(),
  burnRate: z.number().positive(),
  severity: z.enum(['page', 'ticket']).default('page'),
})

/** One SLO of the `slos` section. */
export const sloSchema = z
  .strictObject({
    objective: fraction().refine((o) => o > 0 && o < 1, { error: 'objective must be above 0% and below 100%' }),
    /** Default: custom with `good`, latency with a `threshold`, otherwise availability. */
    kind: z.enum(SLI_KINDS).optional(),
    /** Latency SLOs: requests at or under this are good. */
    threshold: z.union([durationMs(), z.number()]).optional(),
    /** Custom SLOs: a point is good when its value is below (default) or above the threshold. */
    good: z.enum(['below', 'above']).optional(),
    route: z.string().min(1).optional(),
    query: z.string().min(1).optional(),
    /** Burn-rate alert pairs in production terms; default 1h/5m at 14.4× and 6h/30m at 6×. */
    windows: z.array(burnWindowSchema).min(1).optional(),
  })
  .refine((s) => s.kind !== 'latency' || s.threshold !== undefined, {
    error: 'a latency SLO needs a threshold, such as 300ms',
    path: ['threshold'],
  })

/** The SLI kind an SLO entry means: explicit, else custom with `good`, latency with a threshold. */
function sloKind(spec: {
  kind?: (typeof SLI_KINDS)[number] | undefined
  threshold?: number | undefined
  good?: string | undefined
}) {
  return spec.kind ?? (spec.good !== undefined ? 'custom' : spec.threshold !== undefined ? 'latency' : 'availability')
}

/** The `slos` section: SLOs by name. */
export const slosSchema = z.record(z.string().regex(NAME), sloSchema).superRefine((slos, ctx) => {
  for (const [name, slo] of Object.entries(slos)) {
    if (name === 'latency' && sloKind(slo) !== 'latency') {
      ctx.addIssue({
        code: 'custom',
        message: 'the latency SLO needs a threshold, such as 300ms',
        path: [name, 'threshold'],
      })
    }
  }
})

export type AnalysisSpec = z.output<typeof analysisSchema>
export type SloSpec = z.output<typeof sloSchema>
export type SlosSpec = z.output<typeof slosSchema>

/** The judge's configuration from the spec's `analysis` section. */
export function toCanaryConfig(spec: AnalysisSpec): CanaryConfig {
  const metrics: CanaryMetricConfig[] = spec.metrics.map((m) => ({
    name: m.name,
    critical: m.critical,
    muted: m.muted,
    weight: m.weight,
    ...(m.kind !== undefined ? { kind: m.kind } : {}),
    ...(m.direction !== undefined ? { direction: m.direction } : {}),
    ...(m.tolerance !== undefined ? { tolerance: clean(m.tolerance) } : {}),
    ...(m.absoluteTolerance !== undefined ? { absoluteTolerance: clean(m.absoluteTolerance) } : {}),
    ...(m.quantile !== undefined ? { quantile: m.quantile } : {}),
    ...(m.group !== undefined ? { group: m.group } : {}),
    ...(m.minSamples !== undefined ? { minSamples: m.minSamples } : {}),
    ...(m.unit !== undefined ? { unit: m.unit } : {}),
    ...(m.label !== undefined ? { label: m.label } : {}),
  }))
  return {
    mode: spec.mode,
    metrics,
    alpha: clean(spec.alpha),
    correction: spec.correction,
    sequential: spec.sequential,
    seed: spec.seed,
    ...(spec.groups ? { groups: spec.groups } : {}),
    ...(spec.thresholds ? { thresholds: spec.thresholds } : {}),
    ...(spec.srm ? { srm: { expectedCandidateShare: spec.srm.expected, alpha: spec.srm.alpha } } : {}),
  }
}

/** The SLO's kind, its objective, and its burn windows, from one entry of `slos`. */
export function toSloObjective(
  name: string,
  spec: SloSpec,
): { objective: SloObjective; kind: (typeof SLI_KINDS)[number]; windows?: BurnWindowPair[] } {
  const kind = sloKind(spec)
  return {
    objective: {
      name,
      objective: clean(spec.objective),
      ...(kind === 'latency' && spec.threshold !== undefined ? { thresholdMs: spec.threshold } : {}),
    },
    kind,
    ...(spec.windows
      ? {
          windows: spec.windows.map((w) => ({
            longMs: w.long,
            shortMs: w.short,
            threshold: w.burnRate,
            severity: w.severity,
          })),
        }
      : {}),
  }
}
