/**
 * @module rehearsal/data-commands
 * Staging data outside and inside a rehearsal: `rehearse data plan | sync | scan | migrate` load
 * the spec's `data` section and call `data/`; the pipeline's data step shares the checks that
 * come first (can the databases be reached, the `prepare` command) and where the manifest and the
 * leak filter are kept (`.rehearse/data/<id>/`). The masking key is loaded by `data/` from where
 * the spec says and never leaves memory: nothing here prints, logs or records it.
 */
import { readdir, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { abortError, RehearseError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import { type Logger, silentLogger } from '../core/logger.ts'
import type { GateResult } from '../core/types.ts'
import { parseDatabaseUrl } from '../data/connection-url.ts'
import {
  attachScan,
  type DataSpec,
  judgeMigration,
  judgePii,
  loadMaskingKey,
  MANIFEST_FILE,
  type MigrationResult,
  planSync,
  readSyncArtifacts,
  rehearseMigration,
  type ScanSummary,
  type SyncManifest,
  type SyncPlan,
  type SyncProgress,
  scanStaging,
  syncData,
  writeSyncArtifacts,
} from '../data/index.ts'
import { describeRun, runCommand } from '../gates/run-command.ts'
import { findReferences } from '../spec/interpolate.ts'
import type { LoadedSpec } from '../spec/load-spec.ts'
import { stateRootOf } from './environment.ts'
import { loadRehearsalSpec, type RehearsalSpec } from './rehearsal-spec.ts'

/** `.rehearse/data/<id>/`: the manifest and leak filter of one sync (a rehearsal's id, or `d_…`). */
export function dataArtifactsDir(stateRoot: string, id: string): string {
  return join(stateRoot, 'data', id)
}

export type DataCommandOptions = {
  cwd: string
  file?: string | undefined
  signal: AbortSignal
  logger?: Logger
}

/** The spec and its `data` section; DATA_NOT_CONFIGURED when it has none. */
export function loadDataSpec(cwd: string, file?: string): { loaded: LoadedSpec<RehearsalSpec>; data: DataSpec } {
  const loaded = loadRehearsalSpec(cwd, file)
  const data = loaded.spec.data
  if (!data) {
    throw new RehearseError('DATA_NOT_CONFIGURED', `${loaded.file} has no data section.`, {
      hint: 'Add `data:` with source, target, key, mask and safe (see docs/data.md).',
    })
  }
  return { loaded, data }
}

const ENGINE_NAMES = { postgres: 'PostgreSQL', mysql: 'MySQL' } as const
const PROBE_TIMEOUT_MS = 3_000

/**
 * Why the data cannot be reached, in one sentence and a hint, or undefined when both servers
 * accept connections. Only a TCP connection is tried: a login problem is the sync's to report.
 * The hint names the environment variables the spec reads the URL from.
 */
export async function unreachableDatabase(
  loaded: LoadedSpec<RehearsalSpec>,
  signal: AbortSignal,
): Promise<{ what: string; hint: string } | undefined> {
  const data = loaded.spec.data!
  const raw = (loaded.raw as { data?: { source?: unknown; target?: unknown } }).data
  const ends = [
    { url: data.source, written: raw?.source, role: 'source' },
    { url: data.target.url, written: (raw?.target as { url?: unknown })?.url ?? raw?.target, role: 'target' },
  ]
  for (const end of ends) {
    const parsed = parseDatabaseUrl(end.url, `data.${end.role}`)
    if (await canConnect(parsed.host, parsed.port, signal)) continue
    const vars =
      typeof end.written === 'string'
        ? findReferences(end.written)
            .filter((r) => r.namespace === 'env' || r.namespace === 'secret')
            .map((r) => /^\w+\.(\w+)/.exec(r.expr)?.[1])
            .filter((v): v is string => Boolean(v))
        : []
    return {
      what: `${ENGINE_NAMES[parsed.engine]} at ${parsed.host}:${parsed.port} (the ${end.role}) is not reachable`,
      hint: `Start it${vars.length ? `, or set ${vars.join(' / ')} to one that runs` : `, or change data.${end.role}`}.`,
    }
  }
  return undefined
}

function canConnect(host: string, port: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(ok)
    }
    const onAbort = () => {
      clearTimeout(timer)
      socket.destroy()
      reject(abortError(signal))
    }
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS)
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Throws DATA_CONNECT_FAILED (exit 3) when a database cannot be reached. */
export async function assertReachable(loaded: LoadedSpec<RehearsalSpec>, signal: AbortSignal): Promise<void> {
  const down = await unreachableDatabase(loaded, signal)
  if (down) throw new RehearseError('DATA_CONNECT_FAILED', `${down.what}.`, { hint: down.hint })
}

/**
 * Runs `data.prepare` (seeding a demo's source, say) in the spec's directory, with
 * REHEARSE_DATA_SOURCE_URL and REHEARSE_DATA_TARGET_URL set; DATA_PREPARE_FAILED if it fails.
 */
export async function runDataPrepare(
  loaded: LoadedSpec<RehearsalSpec>,
  signal: AbortSignal,
  logger: Logger = silentLogger,
): Promise<void> {
  const command = loaded.spec.data?.prepare
  if (!command) return
  const timeoutMs = 600_000
  // The command learns the URLs from the spec, so that a demo's seed script needs no copy of them.
  const env = {
    REHEARSE_DATA_SOURCE_URL: loaded.spec.data!.source,
    REHEARSE_DATA_TARGET_URL: loaded.spec.data!.target.url,
  }
  const run = await runCommand({ command, cwd: loaded.dir, env, timeoutMs, signal })
  if (run.interrupted) throw abortError(signal)
  logger.info({ command, exitCode: run.exitCode, ms: Math.round(run.ms) }, 'data.prepare ran')
  if (run.exitCode !== 0) {
    throw new RehearseError('DATA_PREPARE_FAILED', `data.prepare ${describeRun(run, timeoutMs)}.`, {
      hint: `Run \`${command}\` by hand in ${loaded.dir} to see why.`,
      details: { lastLines: run.lastLines },
    })
  }
}

/** `rehearse data plan`: what each column of the source will become (after `data.prepare`); writes nothing. */
export async function planStagingData(options: DataCommandOptions): Promise<SyncPlan> {
  const { loaded, data } = loadDataSpec(options.cwd, options.file)
  await assertReachable(loaded, options.signal)
  await runDataPrepare(loaded, options.signal, options.logger)
  return planSync(data, {
    signal: options.signal,
    logger: options.logger ?? silentLogger,
    baseDir: loaded.dir,
  })
}

/** `rehearse data sync`: the masked copy, its manifest and leak filter kept in `.rehearse/data/d_…/`. */
export async function syncStagingData(
  options: DataCommandOptions & { jobs?: number; onProgress?: (progress: SyncProgress) => void },
): Promise<{ manifest: SyncManifest; dir: string }> {
  const { loaded, data } = loadDataSpec(options.cwd, options.file)
  const logger = options.logger ?? silentLogger
  await assertReachable(loaded, options.signal)
  await runDataPrepare(loaded, options.signal, logger)
  const dir = dataArtifactsDir(stateRootOf(options.cwd), newId('d'))
  const { manifest } = await syncData(data, {
    signal: options.signal,
    logger,
    baseDir: loaded.dir,
    artifactsDir: dir,
    ...(options.jobs ? { jobs: options.jobs } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return { manifest, dir }
}

/**
 * `rehearse data scan`: the leak scan of the staging database, with the leak filter of the latest
 * sync into that target (a rehearsal's or `rehearse data sync`'s) when there is one; its result
 * is attached to that sync's manifest.
 */
export async function scanStagingData(
  options: DataCommandOptions,
): Promise<{ scan: ScanSummary; gate: GateResult; manifestDir?: string }> {
  const { loaded, data } = loadDataSpec(options.cwd, options.file)
  const logger = options.logger ?? silentLogger
  await assertReachable(loaded, options.signal)
  const latest = await latestSync(stateRootOf(options.cwd), data)
  let filter: Awaited<ReturnType<typeof readSyncArtifacts>>['filter']
  if (latest) {
    const key = loadMaskingKey(data.key, { baseDir: loaded.dir })
    filter = (await readSyncArtifacts(latest, key)).filter
  }
  const scan = await scanStaging(data, { signal: options.signal, logger, ...(filter ? { filter } : {}) })
  if (latest) {
    const { manifest } = await readSyncArtifacts(latest)
    await writeSyncArtifacts(latest, attachScan(manifest, scan))
  }
  return { scan, gate: judgePii(scan), ...(latest ? { manifestDir: latest } : {}) }
}

/** The directory of the newest manifest whose target is this spec's target. */
async function latestSync(stateRoot: string, data: DataSpec): Promise<string | undefined> {
  const root = join(stateRoot, 'data')
  const names = await readdir(root).catch(() => [] as string[])
  const target = parseDatabaseUrl(data.target.url, 'data.target').redacted
  let best: { dir: string; at: number } | undefined
  for (const name of names) {
    const dir = join(root, name)
    const file = join(dir, MANIFEST_FILE)
    const info = await stat(file).catch(() => undefined)
    if (!info || (best && info.mtimeMs <= best.at)) continue
    const { manifest } = await readSyncArtifacts(dir).catch(() => ({ manifest: undefined }))
    if (manifest?.target.url === target) best = { dir, at: info.mtimeMs }
  }
  return best?.dir
}

/** `rehearse data migrate -- <command>`: the migration on the staging copy, measured and judged. */
export async function migrateStagingData(
  options: DataCommandOptions & {
    command?: string | undefined
    onOutput?: (line: string, stream: 'stdout' | 'stderr') => void
  },
): Promise<{ result: MigrationResult; gate: GateResult }> {
  const { loaded, data } = loadDataSpec(options.cwd, options.file)
  await assertReachable(loaded, options.signal)
  const result = await rehearseMigration(data, {
    cwd: loaded.dir,
    signal: options.signal,
    logger: options.logger ?? silentLogger,
    ...(options.command ? { command: options.command } : {}),
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  })
  return { result, gate: judgeMigration(result, data.migrate) }
}
