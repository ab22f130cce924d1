/**
 * @module spec/spec-schema
 * The base of `rehearse.yaml`: the project's name, its services, what differs between the
 * baseline and the candidate, and the smoke checks. Other modules own their own sections
 * (`traffic`, `analysis`, `gates`, `data`…) in their own folders; `rehearsal/` composes them with
 * this base into the full schema, so the schema grows without one giant file.
 */
import { z } from 'zod'
import { durationMs } from './fields.ts'

const NAME = /^[a-z][a-z0-9-]*$/
const name = (what: string) =>
  z.string().regex(NAME, { error: `${what} must be lower-case letters, digits and dashes, starting with a letter` })

const healthSchema = z
  .strictObject({
    /** HTTP path probed with GET; 2xx/3xx is healthy. */
    http: z.string().startsWith('/', { error: 'health.http is a path starting with "/", such as /healthz' }).optional(),
    /** Healthy once the port accepts a TCP connection. */
    tcp: z.boolean().optional(),
    /** A shell command; exit 0 is healthy. */
    command: z.string().min(1).optional(),
    interval: durationMs().default(100),
    timeout: durationMs().default(30_000),
  })
  .refine((h) => [h.http, h.tcp, h.command].filter((v) => v !== undefined && v !== false).length <= 1, {
    error: 'health takes one of http, tcp or command',
  })

const envValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'an env value is a string, number or boolean',
})

export const serviceSchema = z.strictObject({
  /** Shell command that starts the service (local driver). */
  command: z.string().min(1).optional(),
  /** Working directory, relative to the spec's directory. */
  cwd: z.string().min(1).optional(),
  /** Container image (cluster drivers). */
  image: z.string().min(1).optional(),
  /** A fixed port, or `auto` for a free one. The service reads it from $PORT. */
  port: z
    .union([z.number().int().min(1).max(65_535), z.literal('auto')], {
      error: 'port is a number from 1 to 65535 or "auto"',
    })
    .default('auto'),
  env: z.record(z.string(), envValue).default({}),
  health: healthSchema.optional(),
  dependsOn: z.array(z.string()).default([]),
  /** Grace period between SIGTERM and SIGKILL. */
  stopTimeout: durationMs().default(5_000),
})

const serviceOverrideSchema = z.strictObject({
  command: z.string().min(1).optional(),
  cwd: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  env: z.record(z.string(), envValue).optional(),
})

const versionSchema = z.strictObject({
  /** A git ref; the version's services run from a worktree of it. */
  ref: z.string().min(1).optional(),
  /** A label for reports and `${version.label}` (defaults to the ref or the version's name). */
  label: z.string().min(1).optional(),
  services: z.record(z.string(), serviceOverrideSchema).default({}),
})

const SMOKE_LINE = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+(\/\S*)\s*->\s*(\d{3})$/

export const smokeCheckSchema = z.union(
  [
    z
      .string()
      .regex(SMOKE_LINE, { error: 'a smoke check reads "METHOD /path -> STATUS", such as "GET /healthz -> 200"' }),
    z.strictObject({
      request: z.string().regex(/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\s+\/\S*$/, {
        error: 'request reads "METHOD /path"',
      }),
      status: z.number().int().min(100).max(599).default(200),
      service: z.string().optional(),
      json: z.unknown().optional(),
      headers: z.record(z.string(), z.string()).optional(),
      timeout: durationMs().default(5_000),
    }),
  ],
  { error: 'a smoke check is "METHOD /path -> STATUS" or { request, status }' },
)

/** The base fields of the spec; `rehearsal/` adds each module's section to these. */
export const baseSpecShape = {
  $schema: z.string().optional(),
  name: name('name'),
  services: z.record(name('a service name'), serviceSchema).refine((s) => Object.keys(s).length > 0, {
    error: 'declare at least one service',
  }),
  versions: z
    .strictObject({
      baseline: versionSchema.default({ services: {} }),
      candidate: versionSchema.default({ services: {} }),
    })
    .default({ baseline: { services: {} }, candidate: { services: {} } }),
  smoke: z.array(smokeCheckSchema).default([]),
}

export const baseSpecSchema = z.strictObject(baseSpecShape)
export type BaseSpec = z.output<typeof baseSpecSchema>
export type ServiceSpec = z.output<typeof serviceSchema>
export type VersionSpec = z.output<typeof versionSchema>
export type SmokeCheckSpec = z.output<typeof smokeCheckSchema>

/** A smoke check in one shape, whatever way it was written. */
export type SmokeCheck = {
  method: string
  path: string
  status: number
  service?: string
  json?: unknown
  headers?: Record<string, string>
  timeoutMs: number
}

export function normaliseSmokeCheck(check: SmokeCheckSpec): SmokeCheck {
  if (typeof check === 'string') {
    const m = SMOKE_LINE.exec(check)!
    return { method: m[1]!, path: m[2]!, status: Number(m[3]), timeoutMs: 5_000 }
  }
  const [method, path] = check.request.split(/\s+/) as [string, string]
  return {
    method,
    path,
    status: check.status,
    timeoutMs: check.timeout,
    ...(check.service ? { service: check.service } : {}),
    ...(check.json !== undefined ? { json: check.json } : {}),
    ...(check.headers ? { headers: check.headers } : {}),
  }
}
