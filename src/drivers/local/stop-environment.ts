/**
 * @module drivers/local/stop-environment
 * Taking an environment down from its records, in this process or any other: mark it `stopping`
 * (so the owner, if alive, reports the exits as stops rather than crashes), stop each recorded
 * process group in reverse dependency order, sweep up any process that still carries the
 * environment's marker, then mark what was running `stopped`.
 */
import { resolve } from 'node:path'
import { stopLevels } from '../plan-order.ts'
import type { LocalContext } from './local-context.ts'
import { ENV_MARKER, stopGroup, sweepMarked } from './process-group.ts'
import { type InstanceRecord, requireRecords, updateRecords } from './process-records.ts'

/** Default grace for stray processes found by the sweep when no instance says otherwise. */
const SWEEP_GRACE_MS = 2_000

/** `REHEARSE_ENV_ID=<id>`: the entry every process of the environment has in its environment. */
export function markerEntry(id: string): string {
  return `${ENV_MARKER}=${id}`
}

/**
 * Stops everything the environment at `stateDir` started and records `finalState`. A second call
 * finds it stopped and only sweeps for strays, which finds none: a no-op.
 */
export async function stopEnvironment(
  stateDir: string,
  id: string,
  ctx: LocalContext,
  finalState: 'stopped' | 'failed' = 'stopped',
): Promise<void> {
  const dir = resolve(stateDir)
  const record = requireRecords(dir, id)
  const marker = markerEntry(record.id)
  const session = ctx.sessions.get(dir)
  if (session) session.stopping = true
  const graceMs = Math.max(SWEEP_GRACE_MS, ...record.instances.map((i) => i.stopGraceMs))
  const logger = ctx.logger.child({ environment: record.id })

  if (record.state === 'stopped' || record.state === 'failed') {
    await sweepMarked(marker, graceMs, logger)
    return
  }

  updateRecords(dir, (r) => {
    r.state = 'stopping'
  })
  const byName = new Map(record.instances.map((i) => [i.instance, i]))
  const wasRunning = new Set(record.instances.filter(isRunningState).map((i) => i.instance))
  // Every recorded group, whatever its state: a service that crashed may have left children behind.
  for (const level of stopLevels(record.instances)) {
    await Promise.all(
      level.map(async (name) => {
        const instance = byName.get(name)
        if (instance?.pid === undefined || instance.startTime === undefined) return
        logger.debug({ instance: name, pid: instance.pid }, 'stopping')
        await stopGroup({ pid: instance.pid, startTime: instance.startTime }, marker, instance.stopGraceMs, logger)
        if (wasRunning.has(name)) session?.emit({ type: 'service.stopped', instance: name })
      }),
    )
  }
  await sweepMarked(marker, graceMs, logger)

  const now = new Date().toISOString()
  updateRecords(dir, (r) => {
    for (const instance of r.instances) {
      if (isRunningState(instance)) {
        instance.state = 'stopped'
        instance.since = now
      }
    }
    r.state = finalState
  })
  ctx.sessions.delete(dir)
}

function isRunningState(instance: InstanceRecord): boolean {
  return instance.state === 'starting' || instance.state === 'healthy'
}
