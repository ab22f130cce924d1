/**
 * @module drivers/local/local-driver
 * The embedded environment driver: runs each service as a process on this machine (Linux). Each
 * service leads its own process group and writes its output straight to files under the plan's
 * stateDir, where `environment.json` records pid, process group and start time of every process,
 * so `status`, `logs` and `down` work from any process, also after the one that ran `up` died.
 * Lifecycle guards (up once, down idempotent under concurrency) live in `RuntimeDriver`, which
 * wraps this driver like any other. See docs/drivers.md.
 */
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { type Logger, silentLogger } from '../../core/logger.ts'
import type { EnvironmentDriver, EnvironmentHandle } from '../driver.ts'
import { ENVIRONMENTS_DIR } from '../state-layout.ts'
import { environmentStatus } from './environment-status.ts'
import type { LocalContext } from './local-context.ts'
import { allocatePorts } from './port-allocator.ts'
import { readRecords } from './process-records.ts'
import { readLogs } from './read-logs.ts'
import { startEnvironment } from './start-environment.ts'
import { stopEnvironment } from './stop-environment.ts'

export type LocalDriverOptions = {
  /** Receives debug lines about spawns, probes and stops; silent by default. */
  logger?: Logger
}

/** The local driver (`name: 'local'`). Wrap it in `RuntimeDriver` before use. */
export function createLocalDriver(options: LocalDriverOptions = {}): EnvironmentDriver {
  const ctx: LocalContext = { logger: (options.logger ?? silentLogger).child({ driver: 'local' }), sessions: new Map() }
  return {
    name: 'local',
    allocate: (services, signal) => allocatePorts(services, signal),
    up: (plan, upOptions) => startEnvironment(plan, upOptions, ctx),
    status: async (handle) => environmentStatus(handle.stateDir, handle.id),
    logs: (handle, instance, logOptions) => readLogs(handle.stateDir, handle.id, instance, logOptions),
    down: (handle) => stopEnvironment(handle.stateDir, handle.id, ctx),
    list: (stateRoot) => listEnvironments(stateRoot),
  }
}

/** Environments recorded under `<stateRoot>/envs/*`, oldest first. Unreadable records are skipped. */
async function listEnvironments(stateRoot: string): Promise<EnvironmentHandle[]> {
  const root = join(resolve(stateRoot), ENVIRONMENTS_DIR)
  let entries: string[]
  try {
    entries = await readdir(root)
  } catch {
    return []
  }
  const found: { handle: EnvironmentHandle; createdAt: string }[] = []
  for (const entry of entries) {
    const stateDir = join(root, entry)
    try {
      const record = readRecords(stateDir)
      if (record) found.push({ handle: { id: record.id, driver: 'local', stateDir }, createdAt: record.createdAt })
    } catch {
      // a corrupt or foreign file is not an environment this driver can manage
    }
  }
  found.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.handle.id.localeCompare(b.handle.id))
  return found.map((f) => f.handle)
}
