/**
 * @module drivers/local/proc-fs
 * What the local driver reads about processes from Linux's /proc: a process's state, process
 * group and start time (so that a recycled pid is never mistaken for a service), and whether a
 * process carries an environment's marker variable. Everything here is synchronous and cheap
 * (a few small reads), so it can run between a spawn and the write of its record.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** The fields of /proc/<pid>/stat the driver uses. */
export type ProcStat = {
  pid: number
  /** One letter: R running, S sleeping, D disk wait, Z zombie, T stopped, X dead, … */
  state: string
  ppid: number
  /** Process group id. */
  pgrp: number
  /** Field 22: clock ticks after boot at which the process started. Opaque: compared, never computed. */
  startTime: string
}

/** Reads /proc/<pid>/stat; undefined when there is no such process (or no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return undefined
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')', so the
  // remaining fields are counted from the last ')'. Field 3 is the first one after it.
  const close = text.lastIndexOf(')')
  if (close < 0) return undefined
  const rest = text.slice(close + 2).split(' ')
  const state = rest[0]
  const ppid = Number(rest[1])
  const pgrp = Number(rest[2])
  const startTime = rest[22 - 3]
  if (state === undefined || startTime === undefined || !Number.isInteger(pgrp)) return undefined
  return { pid, state, ppid, pgrp, startTime }
}

/** A process that has ended but was not reaped yet (or is being torn down) is not running. */
export function isLiveState(state: string): boolean {
  return state !== 'Z' && state !== 'X' && state !== 'x'
}

/**
 * True when `pid` is the very process that was recorded — same start time — and it has not
 * ended. A pid whose start time differs belongs to someone else now and must not be signalled.
 */
export function isSameLiveProcess(pid: number, startTime: string | undefined): boolean {
  if (startTime === undefined) return false
  const stat = readProcStat(pid)
  return stat !== undefined && stat.startTime === startTime && isLiveState(stat.state)
}

/** The start time of a process, or undefined when it does not exist. */
export function readStartTime(pid: number): string | undefined {
  return readProcStat(pid)?.startTime
}

/** Every pid currently listed in /proc. */
export function listPids(): number[] {
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return []
  }
  const pids: number[] = []
  for (const name of names) {
    const code = name.charCodeAt(0)
    if (code >= 48 && code <= 57) pids.push(Number(name))
  }
  return pids
}

/** Live (not zombie) processes whose process group is `pgid`. */
export function liveGroupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = []
  for (const pid of listPids()) {
    const stat = readProcStat(pid)
    if (stat && stat.pgrp === pgid && isLiveState(stat.state)) members.push(stat)
  }
  return members
}

/**
 * True when the process was started with `entry` (`NAME=value`) in its environment. Reading
 * another user's environ fails; such a process is not ours anyway.
 */
export function hasEnvironmentEntry(pid: number, entry: string): boolean {
  let environ: Buffer
  try {
    environ = readFileSync(`/proc/${pid}/environ`)
  } catch {
    return false
  }
  const needle = Buffer.from(`${entry}\0`)
  const at = environ.indexOf(needle)
  return at === 0 || (at > 0 && environ[at - 1] === 0)
}

/** Live processes started with `entry` in their environment (the environment's marker). */
export function liveProcessesWithEntry(entry: string): number[] {
  const found: number[] = []
  for (const pid of listPids()) {
    if (pid === process.pid) continue
    const stat = readProcStat(pid)
    if (stat && isLiveState(stat.state) && hasEnvironmentEntry(pid, entry)) found.push(pid)
  }
  return found
}
