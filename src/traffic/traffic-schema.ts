/**
 * @module traffic/traffic-schema
 * The `traffic` section of rehearse.yaml: which service receives the load, the weighted request
 * templates of the scenario, the phases (rate, ramp, arrivals, faults) and the generator's limits.
 * Also turns a parsed section into the `LoadPlan` that `runLoad` executes.
 *
 *   traffic:
 *     scenario:
 *       - { weight: 6, request: "GET /products?page=${rand.int(1,20)}" }
 *       - { weight: 3, request: POST /cart, json: { sku: "${pick(skus.csv)}", qty: 1 } }
 *     phases:
 *       - { name: warm-up, duration: 10s, rate: 20/s }
 *       - { name: ramp, duration: 30s, rate: 20/s, rampTo: 200/s, arrivals: poisson }
 */
import { z } from 'zod'
import { RehearseError } from '../core/errors.ts'
import { durationMs, ratePerSecond } from '../spec/fields.ts'
import type { BaseSpec } from '../spec/spec-schema.ts'
import { nearest } from '../spec/suggest.ts'
import { ARRIVAL_MODES, type LoadPlan, type LoadTarget } from './load/load-plan.ts'
import { faultRuleSchema } from './proxy/fault-schema.ts'
import { compileScenario, HTTP_METHODS } from './template/request-template.ts'

const REQUEST_LINE = new RegExp(`^\\s*(${HTTP_METHODS.join('|')})\\s+/.*$`)

export const trafficRequestSchema = z
  .strictObject({
    /** Route key of this entry's samples (default: `METHOD /path` without the query). */
    name: z.string().min(1).optional(),
    /** Relative share of the arrivals. */
    weight: z.number().positive().default(1),
    /** `METHOD /path?query`, with `${…}` generators. */
    request: z
      .string()
      .regex(REQUEST_LINE, { error: `request reads "METHOD /path", METHOD one of ${HTTP_METHODS.join(', ')}` }),
    headers: z.record(z.string(), z.string()).optional(),
    /** A JSON body; string values may hold generators. */
    json: z.unknown().optional(),
    /** A text body with generators. */
    body: z.string().optional(),
  })
  .refine((r) => r.json === undefined || r.body === undefined, { error: 'a request has json or body, not both' })

export const trafficPhaseSchema = z.strictObject({
  name: z.string().min(1).optional(),
  duration: durationMs(),
  /** Arrivals per second at the start of the phase (`200/s`, `60/m`). */
  rate: ratePerSecond(),
  /** Arrivals per second at the end: the rate ramps linearly from `rate`. */
  rampTo: ratePerSecond().optional(),
  /** `constant` spacing or `poisson` (random, seeded) arrivals. */
  arrivals: z.enum(ARRIVAL_MODES).default('constant'),
  /** Fault rules the proxy applies during this phase. */
  faults: z.array(faultRuleSchema).optional(),
})

export const trafficSchema = z.strictObject({
  /** The service that receives the traffic (default: the first service that differs between versions). */
  target: z.string().min(1).optional(),
  scenario: z.array(trafficRequestSchema).min(1, { error: 'the scenario needs at least one request' }),
  phases: z.array(trafficPhaseSchema).min(1, { error: 'traffic needs at least one phase' }),
  /** Keep-alive connections per target. */
  connections: z.number().int().min(1).max(10_000).default(64),
  /** Time a request may take before it counts as a timeout. */
  timeout: durationMs().default(10_000),
  /** Requests in flight per target; beyond it arrivals are dropped (and counted), never queued. */
  maxInFlight: z.number().int().min(1).default(1000),
  /** Seed of arrival times and request generators: the same seed sends the same requests. */
  seed: z.union([z.number().int(), z.string().min(1)]).default(1),
})

/** The section as written (durations and rates may be text). */
export type TrafficSpecInput = z.input<typeof trafficSchema>
/** The parsed section (durations in ms, rates per second). */
export type TrafficSpec = z.output<typeof trafficSchema>

/**
 * The `LoadPlan` for a parsed section and the base URLs of the targets (one per version, usually
 * `baseline` and `candidate`). Compiles the request templates: TRAFFIC_TEMPLATE on an invalid one,
 * TRAFFIC_TEMPLATE_FILE on a missing CSV file (paths relative to `specDir`).
 */
export function trafficToLoadPlan(
  traffic: TrafficSpec,
  context: { targets: LoadTarget[]; specDir: string; specFile?: string },
): LoadPlan {
  const scenario = compileScenario(traffic.scenario, {
    baseDir: context.specDir,
    path: 'traffic.scenario',
    ...(context.specFile ? { file: context.specFile } : {}),
  })
  return {
    targets: context.targets,
    scenario,
    phases: traffic.phases.map((p, i) => ({
      name: p.name ?? `phase-${i + 1}`,
      durationMs: p.duration,
      rate: p.rate,
      ...(p.rampTo !== undefined ? { rampTo: p.rampTo } : {}),
      arrivals: p.arrivals,
      ...(p.faults ? { faults: p.faults } : {}),
    })),
    connections: traffic.connections,
    timeoutMs: traffic.timeout,
    maxInFlight: traffic.maxInFlight,
    seed: traffic.seed,
  }
}

/** JSON with sorted keys, so that two overrides compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * The service that receives the traffic: `traffic.target` when set (it must be declared), else
 * the service that differs between baseline and candidate — preferring one that no other service
 * depends on (the entry point), then the first declared. Versions with different git refs make
 * every service differ.
 */
export function resolveTrafficTarget(
  traffic: Pick<TrafficSpec, 'target'> | undefined,
  spec: Pick<BaseSpec, 'services' | 'versions'>,
): string {
  const services = Object.keys(spec.services)
  if (traffic?.target !== undefined) {
    if (services.includes(traffic.target)) return traffic.target
    const guess = nearest(traffic.target, services)
    throw new RehearseError(
      'TRAFFIC_UNKNOWN_TARGET',
      `traffic.target names "${traffic.target}", which is not a declared service.`,
      {
        hint: guess
          ? `Did you mean "${guess}"? Services: ${services.join(', ')}.`
          : `Services: ${services.join(', ')}.`,
        location: { path: 'traffic.target' },
      },
    )
  }
  const { baseline, candidate } = spec.versions
  const refsDiffer = (baseline.ref ?? '') !== (candidate.ref ?? '')
  const differing = services.filter(
    (name) => refsDiffer || canonical(baseline.services[name] ?? {}) !== canonical(candidate.services[name] ?? {}),
  )
  const dependedOn = new Set(services.flatMap((name) => spec.services[name]!.dependsOn))
  const chosen = differing.find((name) => !dependedOn.has(name)) ?? differing[0]
  if (chosen) return chosen
  throw new RehearseError(
    'TRAFFIC_NO_TARGET',
    'No service differs between baseline and candidate, so traffic has no target.',
    {
      hint: 'Set traffic.target to the service that receives the traffic, or make the versions differ.',
      location: { path: 'traffic' },
    },
  )
}
