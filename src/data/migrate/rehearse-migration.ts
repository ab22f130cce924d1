/**
 * @module data/migrate/rehearse-migration
 * `rehearse data migrate -- <command>`: runs the release's migration command against the fresh
 * staging copy (DATABASE_URL points at it) while the caller keeps traffic on the services, and
 * records what production would feel: wall time, lock waits seen from another connection, tables
 * rewritten, created and dropped, and the exit status. The pipeline adds the requests that failed
 * or slowed in the migration's window (`summarizeTraffic`) and the `migration` gate judges it all
 * (`judgeMigration`).
 */
import { spawn } from 'node:child_process'
import { abortError, RehearseError } from '../../core/errors.ts'
import { type Logger, silentLogger } from '../../core/logger.ts'
import type { GateResult, Sample } from '../../core/types.ts'
import { formatDuration } from '../../core/units.ts'
import type { DataSpec } from '../data-schema.ts'
import { resolveEndpoints } from '../sync/open-endpoints.ts'
import { compareStorage, type LockWait, openProbe } from './lock-sampler.ts'

export type MigrationOptions = {
  /** The command; default `data.migrate.command`. Run with /bin/sh -c. */
  command?: string
  cwd?: string
  /** The child's environment, before DATABASE_URL and REHEARSE_DATA_SCHEMA are added. Default: process.env. */
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  logger?: Logger
  /** How often lock waits are sampled. */
  sampleIntervalMs?: number
  /** Each line the command prints. */
  onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
}

export type MigrationResult = {
  command: string
  exitCode: number | null
  signal: string | null
  timedOut: boolean
  startedAt: string
  finishedAt: string
  durationMs: number
  lockWaits: {
    samples: number
    /** Samples in which at least one session waited for a lock. */
    samplesWithWaits: number
    /** The longest wait seen, milliseconds. */
    maxWaitMs: number
    /** Per table (or lock state, where the engine names no table): the longest wait. */
    byTable: Array<{ table: string; mode: string; maxWaitMs: number }>
  }
  rewrittenTables: string[]
  createdTables: string[]
  droppedTables: string[]
  /** The last lines the command printed (stdout and stderr). */
  outputTail: string[]
}

const TAIL_LINES = 40

export async function rehearseMigration(spec: DataSpec, options: MigrationOptions = {}): Promise<MigrationResult> {
  const logger = options.logger ?? silentLogger
  const command = options.command ?? spec.migrate?.command
  if (!command) {
    throw new RehearseError('CLI_USAGE', 'No migration command: give one after `--` or set data.migrate.command.', {
      hint: 'rehearse data migrate -- npm run migrate',
    })
  }
  const timeoutMs = spec.migrate?.timeout ?? 600_000
  const endpoints = resolveEndpoints(spec)
  const probe = await openProbe(
    endpoints.target.engine,
    endpoints.target.url,
    endpoints.targetNamespace,
    options.signal,
  )
  const waits = {
    samples: 0,
    samplesWithWaits: 0,
    maxWaitMs: 0,
    byTable: new Map<string, { mode: string; maxWaitMs: number }>(),
  }
  const tail: string[] = []
  try {
    const before = await probe.storage()
    const startedAt = new Date()
    const t0 = performance.now()
    let sampling = true
    const record = (found: LockWait[]) => {
      waits.samples++
      if (found.length > 0) waits.samplesWithWaits++
      for (const w of found) {
        waits.maxWaitMs = Math.max(waits.maxWaitMs, w.waitMs)
        const key = w.table ?? w.mode
        const prev = waits.byTable.get(key)
        if (!prev || prev.maxWaitMs < w.waitMs) waits.byTable.set(key, { mode: w.mode, maxWaitMs: w.waitMs })
      }
    }
    const sampler = (async () => {
      while (sampling) {
        try {
          record(await probe.waits())
        } catch (error) {
          logger.debug({ err: error }, 'lock sample failed')
        }
        await new Promise((r) => setTimeout(r, options.sampleIntervalMs ?? 100))
      }
    })()
    let exit: { code: number | null; signal: string | null; timedOut: boolean }
    try {
      exit = await runCommand(command, {
        ...options,
        timeoutMs,
        logger,
        tail,
        databaseUrl: endpoints.target.url,
        namespace: endpoints.targetNamespace,
      })
    } finally {
      sampling = false
      await sampler
    }
    const durationMs = performance.now() - t0
    const storage = compareStorage(before, await probe.storage())
    return {
      command,
      exitCode: exit.code,
      signal: exit.signal,
      timedOut: exit.timedOut,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date(startedAt.getTime() + durationMs).toISOString(),
      durationMs: Math.round(durationMs),
      lockWaits: {
        samples: waits.samples,
        samplesWithWaits: waits.samplesWithWaits,
        maxWaitMs: Math.round(waits.maxWaitMs),
        byTable: [...waits.byTable].map(([table, w]) => ({ table, mode: w.mode, maxWaitMs: Math.round(w.maxWaitMs) })),
      },
      rewrittenTables: storage.rewritten,
      createdTables: storage.created,
      droppedTables: storage.dropped,
      outputTail: tail,
    }
  } finally {
    await probe.close()
  }
}

function runCommand(
  command: string,
  o: MigrationOptions & { timeoutMs: number; logger: Logger; tail: string[]; databaseUrl: string; namespace: string },
): Promise<{ code: number | null; signal: string | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(abortError(o.signal))
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: o.cwd ?? process.cwd(),
      env: { ...(o.env ?? process.env), DATABASE_URL: o.databaseUrl, REHEARSE_DATA_SCHEMA: o.namespace },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so that stopping it stops what it started
    })
    let timedOut = false
    let settled = false
    const stop = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {}
      setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL')
        } catch {}
      }, 5_000).unref()
    }
    const timer = setTimeout(() => {
      timedOut = true
      stop()
    }, o.timeoutMs)
    const onAbort = () => stop()
    o.signal?.addEventListener('abort', onAbort, { once: true })
    for (const [name, stream] of [
      ['stdout', child.stdout],
      ['stderr', child.stderr],
    ] as const) {
      let partial = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n')
        partial = lines.pop() ?? ''
        for (const line of lines) {
          o.tail.push(line)
          if (o.tail.length > TAIL_LINES) o.tail.shift()
          o.onOutput?.(line, name)
          o.logger.debug({ stream: name, line }, 'migration output')
        }
      })
    }
    child.on('error', (cause) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      reject(
        new RehearseError(
          'DATA_MIGRATION_SPAWN_FAILED',
          `The migration command could not be started: ${cause.message}.`,
          {
            hint: 'Check data.migrate.command and the directory it runs in.',
            cause,
          },
        ),
      )
    })
    child.on('close', (code, signal) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      if (o.signal?.aborted) return reject(abortError(o.signal))
      resolve({ code, signal, timedOut })
    })
  })
}

/** Requests in the migration's window: how many failed, and how many took longer than `slowMs`. */
export function summarizeTraffic(
  samples: Iterable<Sample>,
  window: { startedAt: string; finishedAt: string },
  options: { slowMs?: number } = {},
): { total: number; failed: number; slowed: number } {
  const from = Date.parse(window.startedAt)
  const to = Date.parse(window.finishedAt)
  const slowUs = (options.slowMs ?? 1000) * 1000
  let total = 0
  let failed = 0
  let slowed = 0
  for (const s of samples) {
    if (s.at < from || s.at > to) continue
    total++
    if (s.status === 0 || s.status >= 500) failed++
    else if (s.latencyUs > slowUs) slowed++
  }
  return { total, failed, slowed }
}

/** The `migration` gate: fails when the command failed or any measurement is above its limit. */
export function judgeMigration(
  result: MigrationResult,
  limits: NonNullable<DataSpec['migrate']> | undefined,
  traffic?: { total: number; failed: number; slowed: number },
): GateResult {
  const fail: string[] = []
  const facts = [
    `migration took ${formatDuration(result.durationMs)}`,
    `longest lock wait ${formatDuration(result.lockWaits.maxWaitMs)}`,
    `${result.rewrittenTables.length} table(s) rewritten${result.rewrittenTables.length ? ` (${result.rewrittenTables.join(', ')})` : ''}`,
  ]
  if (traffic)
    facts.push(`${traffic.failed} of ${traffic.total} requests failed and ${traffic.slowed} slowed during it`)
  if (result.timedOut) fail.push(`the migration timed out after ${formatDuration(result.durationMs)}`)
  else if (result.exitCode !== 0) fail.push(`the migration command exited with ${result.exitCode ?? result.signal}`)
  if (limits?.maxDuration !== undefined && result.durationMs > limits.maxDuration) {
    fail.push(`it took ${formatDuration(result.durationMs)}, above the limit of ${formatDuration(limits.maxDuration)}`)
  }
  if (limits?.maxLockWait !== undefined && result.lockWaits.maxWaitMs > limits.maxLockWait) {
    const worst = [...result.lockWaits.byTable].sort((a, b) => b.maxWaitMs - a.maxWaitMs)[0]
    fail.push(
      `a session waited ${formatDuration(result.lockWaits.maxWaitMs)} for a lock${worst ? ` on ${worst.table}` : ''}, above ${formatDuration(limits.maxLockWait)}`,
    )
  }
  if (limits?.maxRewrittenTables !== undefined && result.rewrittenTables.length > limits.maxRewrittenTables) {
    fail.push(`${result.rewrittenTables.length} table(s) were rewritten, above ${limits.maxRewrittenTables}`)
  }
  if (traffic && limits?.maxFailedRequests !== undefined && traffic.failed > limits.maxFailedRequests) {
    fail.push(`${traffic.failed} requests failed during the migration, above ${limits.maxFailedRequests}`)
  }
  return { status: fail.length > 0 ? 'fail' : 'pass', reasons: [...fail, ...facts], details: { result, traffic } }
}
