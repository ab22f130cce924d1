/**
 * @module drivers/local/process-records
 * The local driver's records of one environment: `<stateDir>/environment.json`. They are the
 * only link between the process that ran `up` and a later `status`, `logs` or `down` in another
 * process (possibly after the first one was killed), so they are written atomically (temp file +
 * rename) and updated under a lock file, and they identify each process by pid AND start time.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { RehearseError } from '../../core/errors.ts'
import type { ServiceState } from '../driver.ts'
import { isSameLiveProcess, readStartTime } from './proc-fs.ts'

export const RECORDS_FILE = 'environment.json'
const FORMAT = 1

/** The life of the environment as a whole. */
export type EnvironmentState = 'starting' | 'up' | 'failed' | 'stopping' | 'stopped'

/** One instance: what was asked for, where it runs and what it became. */
export type InstanceRecord = {
  instance: string
  service: string
  version?: string
  command: string
  cwd: string
  host: string
  port: number
  dependsOn: string[]
  stopGraceMs: number
  /** Absolute paths of the files the process writes its output to. */
  logs: { stdout: string; stderr: string }
  state: ServiceState
  /** ISO time of the last state change. */
  since: string
  /** Set once spawned. The process group id equals the pid (the service leads its own group). */
  pid?: number
  pgid?: number
  /** /proc/<pid>/stat field 22 at spawn time; a pid whose start time differs is someone else. */
  startTime?: string
  /** ISO time of the spawn. */
  startedAt?: string
  exitCode?: number | null
  signal?: string | null
}

/** `<stateDir>/environment.json`. Environment variables are never recorded (they hold secrets). */
export type EnvironmentRecord = {
  format: number
  id: string
  project: string
  driver: 'local'
  stateDir: string
  state: EnvironmentState
  createdAt: string
  updatedAt: string
  /** The process that ran `up`: it alone sees exit codes, and reports crashes while it lives. */
  owner: { pid: number; startTime?: string; hostname: string }
  instances: InstanceRecord[]
}

export function recordsPath(stateDir: string): string {
  return join(stateDir, RECORDS_FILE)
}

/** The records, or undefined when `stateDir` holds none. A corrupt file is an error, not "none". */
export function readRecords(stateDir: string): EnvironmentRecord | undefined {
  let text: string
  try {
    text = readFileSync(recordsPath(stateDir), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  let record: EnvironmentRecord
  try {
    record = JSON.parse(text) as EnvironmentRecord
  } catch (cause) {
    throw new RehearseError('INTERNAL', `The environment records in ${recordsPath(stateDir)} are not valid JSON.`, {
      cause,
      hint: 'Stop the services by hand (their pids are in the file) and remove the directory.',
    })
  }
  if (record.format !== FORMAT || record.driver !== 'local') {
    throw new RehearseError('INTERNAL', `${recordsPath(stateDir)} was not written by this version of the local driver.`)
  }
  return record
}

/** The records, or DRIVER_NO_ENVIRONMENT naming the directory. */
export function requireRecords(stateDir: string, id: string): EnvironmentRecord {
  const record = readRecords(stateDir)
  if (!record) {
    throw new RehearseError('DRIVER_NO_ENVIRONMENT', `No environment "${id}" is recorded in ${stateDir}.`, {
      hint: 'Start one with `rehearse up` or `rehearse run`.',
    })
  }
  return record
}

/** Writes the records atomically: a reader sees the old file or the new one, never half of one. */
export function writeRecords(stateDir: string, record: EnvironmentRecord): void {
  mkdirSync(stateDir, { recursive: true })
  record.updatedAt = new Date().toISOString()
  const path = recordsPath(stateDir)
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 })
  renameSync(temp, path)
}

/**
 * Read-modify-write of the records under `<file>.lock`, synchronously, so that the owner
 * recording a crash and another process running `down` cannot overwrite each other's change.
 * Returns undefined (and changes nothing) when there are no records.
 */
export function updateRecords(
  stateDir: string,
  change: (record: EnvironmentRecord) => void,
): EnvironmentRecord | undefined {
  const release = lock(recordsPath(stateDir))
  if (!release) return undefined
  try {
    const record = readRecords(stateDir)
    if (!record) return undefined
    change(record)
    writeRecords(stateDir, record)
    return record
  } finally {
    release()
  }
}

/** The owner entry for the current process. */
export function currentOwner(): EnvironmentRecord['owner'] {
  const startTime = readStartTime(process.pid)
  return { pid: process.pid, hostname: hostname(), ...(startTime === undefined ? {} : { startTime }) }
}

/** True when the process that ran `up` is still alive (and on this host). */
export function ownerAlive(record: EnvironmentRecord): boolean {
  return record.owner.hostname === hostname() && isSameLiveProcess(record.owner.pid, record.owner.startTime)
}

const LOCK_WAIT_MS = 5_000
const LOCK_STALE_MS = 2_000
const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * An exclusive lock file. Holders keep it for microseconds (one small read and write), so a
 * waiter spins in 2 ms sleeps; a lock whose holder died, or that is older than LOCK_STALE_MS,
 * is broken. Undefined when the directory does not exist.
 */
function lock(path: string): (() => void) | undefined {
  const lockPath = `${path}.lock`
  const deadline = Date.now() + LOCK_WAIT_MS
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600)
      writeFileSync(fd, `${process.pid} ${readStartTime(process.pid) ?? ''}`)
      closeSync(fd)
      return () => unlinkQuietly(lockPath)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      // No directory, so no records: nothing to update (and nothing to recreate).
      if (code === 'ENOENT') return undefined
      if (code !== 'EEXIST') throw error
    }
    if (lockIsStale(lockPath) || Date.now() > deadline) {
      unlinkQuietly(lockPath)
      continue
    }
    Atomics.wait(sleeper, 0, 0, 2)
  }
}

function lockIsStale(lockPath: string): boolean {
  try {
    const [pid, startTime] = readFileSync(lockPath, 'utf8').split(' ')
    if (pid && startTime !== undefined && startTime !== '' && !isSameLiveProcess(Number(pid), startTime)) return true
    return Date.now() - statSync(lockPath).mtimeMs > LOCK_STALE_MS
  } catch {
    return false
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone: someone broke a stale lock, or released it
  }
}
