/**
 * @module rehearsal/standalone-load
 * `rehearse load <url>`: the load generator on its own, like autocannon or k6 but open-model and
 * coordinated-omission correct. A scenario file (a `traffic:` section, or its contents) gives
 * weighted request templates and phases; flags give a single request at one rate.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import { parseDuration, parseRate } from '../core/units.ts'
import { parseYamlWithSchema } from '../spec/load-spec.ts'
import { SampleAggregator } from '../telemetry/sample-aggregator.ts'
import type { LoadProgress, LoadResult } from '../traffic/load/load-plan.ts'
import { runLoad } from '../traffic/load/run-load.ts'
import { trafficSchema, trafficToLoadPlan } from '../traffic/traffic-schema.ts'

export type StandaloneLoadOptions = {
  url: string
  cwd: string
  /** A YAML file with a `traffic` section (or the section's keys at the top). */
  scenario?: string | undefined
  rate?: string | undefined
  duration?: string | undefined
  method?: string | undefined
  path?: string | undefined
  connections?: number | undefined
  arrivals?: string | undefined
  timeout?: string | undefined
  signal: AbortSignal
  onProgress?: (progress: LoadProgress) => void
}

function usage(flag: string, message: string): RehearseError {
  return new RehearseError('CLI_USAGE', `${flag}: ${message}`, { hint: 'See `rehearse load --help`.' })
}

/** Runs the load and returns its result (one target, named after nothing but "target"). */
export async function runStandaloneLoad(options: StandaloneLoadOptions): Promise<LoadResult> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw usage('<url>', `"${options.url}" is not a URL such as http://127.0.0.1:8080`)
  }
  if (url.protocol !== 'http:') throw usage('<url>', 'only http:// targets are supported')
  const traffic = options.scenario ? readScenario(options) : flagsScenario(options)
  const plan = trafficToLoadPlan(traffic.spec, {
    targets: [{ name: 'target', url: url.origin + url.pathname.replace(/\/$/, '') }],
    specDir: traffic.dir,
    ...(traffic.file ? { specFile: traffic.file } : {}),
  })
  return runLoad(plan, {
    sink: new SampleAggregator(),
    signal: options.signal,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
}

function flagsScenario(options: StandaloneLoadOptions) {
  const rate = parseRate(options.rate ?? '50/s')
  if (rate === undefined || rate <= 0) throw usage('--rate', `expected a rate such as 500/s, got "${options.rate}"`)
  const duration = parseDuration(options.duration ?? '10s')
  if (duration === undefined || duration <= 0)
    throw usage('--duration', `expected a duration such as 30s, got "${options.duration}"`)
  const timeout = options.timeout === undefined ? 10_000 : parseDuration(options.timeout)
  if (timeout === undefined || timeout <= 0)
    throw usage('--timeout', `expected a duration such as 10s, got "${options.timeout}"`)
  if (options.arrivals && !['constant', 'poisson'].includes(options.arrivals)) {
    throw usage('--arrivals', `expected constant or poisson, got "${options.arrivals}"`)
  }
  const method = (options.method ?? 'GET').toUpperCase()
  const path = options.path ?? '/'
  if (!path.startsWith('/')) throw usage('--path', `expected a path starting with "/", got "${path}"`)
  const parsed = trafficSchema.safeParse({
    scenario: [{ request: `${method} ${path}` }],
    phases: [{ name: 'load', duration, rate, arrivals: options.arrivals ?? 'constant' }],
    connections: options.connections ?? 64,
    timeout,
  })
  if (!parsed.success) throw usage('--method/--path', parsed.error.issues[0]?.message ?? 'invalid request')
  return { spec: parsed.data, dir: options.cwd, file: undefined }
}

function readScenario(options: StandaloneLoadOptions) {
  const file = resolve(options.cwd, options.scenario!)
  if (!existsSync(file)) {
    throw new RehearseError('FILE_NOT_FOUND', `The scenario file ${options.scenario} does not exist.`, {
      location: { file: options.scenario! },
    })
  }
  const text = readFileSync(file, 'utf8')
  const nested = /^traffic\s*:/m.test(text)
  const doc = parseYamlWithSchema(text, {
    schema: trafficSchema,
    file: options.scenario!,
    ...(nested ? { root: ['traffic'] } : {}),
  })
  return { spec: doc, dir: dirname(file), file }
}
