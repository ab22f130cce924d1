/**
 * @module rehearsal/standalone-replay
 * `rehearse replay FILE --target URL …`: a capture replayed on its own, outside a rehearsal, to
 * one or more targets at once. With three targets named baseline, secondary and candidate (or
 * given in that order), their answers go into the three-way response diff.
 */
import { relative, resolve } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import type { Logger } from '../core/logger.ts'
import { parseDuration, parseRate } from '../core/units.ts'
import { SampleAggregator } from '../telemetry/sample-aggregator.ts'
import type { ReplayAuthConfig, ReplayProgress, ReplayTarget, ReplayTiming } from '../traffic/replay/replay.ts'
import { parseSpeed } from '../traffic/replay/replay-schema.ts'
import { type ReplayWithDiff, replayWithDiff } from './steps/replay-step.ts'

export type StandaloneReplayOptions = {
  file: string
  cwd: string
  /** `URL` or `name=URL`, as given on the command line. */
  targets: string[]
  speed?: string | undefined
  rate?: string | undefined
  /** Name of the environment variable holding the staging HS256 key. */
  jwtKeyEnv?: string | undefined
  /** Login hook command, run once per identity. */
  login?: string | undefined
  shiftTimestamps?: boolean
  timeout?: string | undefined
  connections?: number | undefined
  limit?: number | undefined
  /** The diff's `minRequests`. */
  minRequests?: number | undefined
  signal: AbortSignal
  logger?: Logger
  onProgress?: (progress: ReplayProgress) => void
}

/** Names of unnamed targets, by how many there are. */
const DEFAULT_NAMES: Record<number, string[]> = {
  1: ['baseline'],
  2: ['baseline', 'candidate'],
  3: ['baseline', 'secondary', 'candidate'],
}

function invalid(message: string, hint: string): RehearseError {
  return new RehearseError('REPLAY_INVALID_OPTIONS', message, { hint })
}

/** `URL` / `name=URL` flags as named targets. */
export function parseTargets(flags: readonly string[]): ReplayTarget[] {
  const defaults = DEFAULT_NAMES[flags.length]
  return flags.map((flag, i) => {
    const m = /^([A-Za-z0-9][\w.-]*)=(.+)$/.exec(flag)
    if (m) return { name: m[1]!, url: m[2]!.replace(/\/+$/, '') }
    return { name: defaults?.[i] ?? `target-${i + 1}`, url: flag.replace(/\/+$/, '') }
  })
}

function timingOf(options: StandaloneReplayOptions): ReplayTiming {
  if (options.speed !== undefined && options.rate !== undefined)
    throw invalid('Give --speed or --rate, not both.', '--speed scales the recorded timing; --rate sets the mean rate.')
  if (options.rate !== undefined) {
    const rate = parseRate(options.rate)
    if (!rate) throw invalid(`--rate ${options.rate} is not a rate above 0.`, 'Write it as 50/s or 3000/m.')
    return { rate }
  }
  if (options.speed !== undefined) {
    const speed = parseSpeed(options.speed)
    if (speed === undefined)
      throw invalid(`--speed ${options.speed} is not a positive factor.`, 'Write it as 2x (twice as fast) or 0.5x.')
    return { speed }
  }
  return { speed: 1 }
}

function authOf(options: StandaloneReplayOptions): ReplayAuthConfig | undefined {
  let jwt: ReplayAuthConfig['jwt']
  if (options.jwtKeyEnv !== undefined) {
    const key = process.env[options.jwtKeyEnv]
    if (!key) {
      throw new RehearseError('REPLAY_AUTH_INVALID', `The environment variable ${options.jwtKeyEnv} is not set.`, {
        hint: `Export the staging HS256 key (32 bytes or more) as ${options.jwtKeyEnv}; it is never read from the command line.`,
      })
    }
    jwt = { key }
  }
  if (!jwt && !options.login) return undefined
  return { ...(jwt ? { jwt } : {}), ...(options.login ? { login: { command: options.login } } : {}) }
}

/** Replays the capture and, with three targets, diffs their answers. */
export async function runStandaloneReplay(
  options: StandaloneReplayOptions,
): Promise<ReplayWithDiff & { targets: ReplayTarget[] }> {
  const targets = parseTargets(options.targets)
  const timing = timingOf(options)
  const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout)
  if (options.timeout !== undefined && !timeoutMs)
    throw invalid(`--timeout ${options.timeout} is not a duration.`, 'Write it as 10s or 500ms.')
  const auth = authOf(options)
  // Relative to where the user stands, so that messages name the file as they would.
  const file = relative(process.cwd(), resolve(options.cwd, options.file)) || options.file
  const result = await replayWithDiff(file, {
    targets,
    timing,
    ...(auth ? { auth } : {}),
    shiftTimestamps: options.shiftTimestamps !== false,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.minRequests ? { diff: { minRequests: options.minRequests } } : {}),
    cwd: options.cwd,
    sink: new SampleAggregator(),
    signal: options.signal,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return { ...result, targets }
}
