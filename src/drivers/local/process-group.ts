/**
 * @module drivers/local/process-group
 * Stopping what the local driver started, and nothing else. Every service leads its own process
 * group (spawned detached), so one signal reaches the service and everything it forked. Before
 * a group is signalled, its leader's start time is compared with the recorded one: a pid that was
 * recycled for another program is left alone. Processes of an environment that left its group
 * are found by the marker variable every service is started with.
 */
import type { Logger } from '../../core/logger.ts'
import {
  hasEnvironmentEntry,
  isSameLiveProcess,
  liveGroupMembers,
  liveProcessesWithEntry,
  readProcStat,
  readStartTime,
} from './proc-fs.ts'

/** The variable every service of an environment is started with: `REHEARSE_ENV_ID=<id>`. */
export const ENV_MARKER = 'REHEARSE_ENV_ID'

/** How long to wait for processes to vanish after SIGKILL (a process in disk wait can take a moment). */
const KILL_WAIT_MS = 5_000
const POLL_MS = 25

/** A recorded process group: its leader's pid (= pgid) and start time. */
export type RecordedGroup = { pid: number; startTime: string }

/** Something that can be signalled and checked for survivors. */
type Target = { signal(signal: NodeJS.Signals): void; alive(): boolean }

/**
 * SIGTERM, up to `graceMs` for everything to exit, then SIGKILL and a bounded wait. Resolves
 * true when nothing is left, false when something survived even SIGKILL (then it is logged).
 */
async function terminate(target: Target, graceMs: number, logger: Logger, what: string): Promise<boolean> {
  if (!target.alive()) return true
  target.signal('SIGTERM')
  if (await waitUntilGone(target, graceMs)) return true
  logger.debug({ what, graceMs }, 'still running after the grace period; sending SIGKILL')
  target.signal('SIGKILL')
  if (await waitUntilGone(target, KILL_WAIT_MS)) return true
  logger.warn({ what }, 'processes survived SIGKILL')
  return false
}

async function waitUntilGone(target: Target, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (!target.alive()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))))
  }
}

/** Stops one recorded group (SIGTERM → grace → SIGKILL) if it is still the one that was started. */
export function stopGroup(group: RecordedGroup, marker: string, graceMs: number, logger: Logger): Promise<boolean> {
  return terminate(groupTarget(group, marker), graceMs, logger, `process group ${group.pid}`)
}

/**
 * Stops every live process started with the environment's marker: services that left their
 * group (setsid, a double fork) and any started in the instant between a spawn and its record.
 */
export function sweepMarked(marker: string, graceMs: number, logger: Logger): Promise<boolean> {
  const marked = tracker(() => liveProcessesWithEntry(marker))
  const target: Target = {
    signal: (signal) => {
      for (const pid of marked.scan()) kill(pid, signal)
    },
    alive: () => marked.scan().length > 0,
  }
  return terminate(target, graceMs, logger, `processes with ${marker}`)
}

/**
 * The group as a signal target. While its leader is the recorded process (same start time, even
 * if it already ended and awaits reaping) the group id cannot have been reused: the whole group
 * is signalled at once, and every member seen is remembered as ours. If the pid now belongs to
 * another program, nothing in that group is ours any more (Linux does not hand out a number
 * still used as a group id). If the leader is gone (a parent reaps it as soon as it exits), the
 * members left are signalled one by one: those remembered, and those carrying the marker.
 */
function groupTarget(group: RecordedGroup, marker: string): Target {
  const leader = (): 'ours' | 'reused' | 'gone' => {
    const stat = readProcStat(group.pid)
    if (!stat) return 'gone'
    return stat.startTime === group.startTime ? 'ours' : 'reused'
  }
  const members = tracker(() => {
    const live = liveGroupMembers(group.pid).map((member) => member.pid)
    return leader() === 'ours' ? live : live.filter((pid) => hasEnvironmentEntry(pid, marker))
  })
  return {
    signal: (signal) => {
      const state = leader()
      if (state === 'ours') {
        members.scan()
        kill(-group.pid, signal)
        // Members that moved to a group of their own since they were seen.
        for (const pid of members.live()) if (readProcStat(pid)?.pgrp !== group.pid) kill(pid, signal)
      } else {
        for (const pid of state === 'gone' ? members.scan() : members.live()) kill(pid, signal)
      }
    },
    alive: () => (leader() === 'reused' ? members.live() : members.scan()).length > 0,
  }
}

/**
 * Remembers every process `find` returned (pid and start time) and counts it as alive until it
 * has ended. A process that is exiting no longer shows its environment, so `find` alone would
 * report it gone a moment before it is.
 */
function tracker(find: () => number[]): { scan(): number[]; live(): number[] } {
  const seen = new Map<number, string>()
  const live = (): number[] => [...seen].filter(([pid, start]) => isSameLiveProcess(pid, start)).map(([pid]) => pid)
  return {
    scan: () => {
      for (const pid of find()) {
        const start = readStartTime(pid)
        if (start !== undefined) seen.set(pid, start)
      }
      return live()
    },
    live,
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch {
    // ESRCH: it ended between the check and the signal
  }
}
