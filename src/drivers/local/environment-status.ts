/**
 * @module drivers/local/environment-status
 * `status` from the records, checked against the live process table: an instance recorded as
 * running whose process (pid + start time) is gone has ended. When no process watches the
 * environment any more (its owner is dead), that discovery is written back to the records, so
 * the time it was noticed stays put.
 */
import { resolve } from 'node:path'
import type { ServiceState, ServiceStatus } from '../driver.ts'
import { isSameLiveProcess } from './proc-fs.ts'
import {
  type EnvironmentRecord,
  type InstanceRecord,
  ownerAlive,
  requireRecords,
  updateRecords,
} from './process-records.ts'

/** The state of every instance, in plan order. */
export function environmentStatus(stateDir: string, id: string): ServiceStatus[] {
  const dir = resolve(stateDir)
  let record = requireRecords(dir, id)
  const changes = discoverEnded(record)
  // While a `down` runs, it records the outcome itself.
  const settled = record.state === 'up' || record.state === 'starting'
  if (changes.size > 0 && settled && !ownerAlive(record)) {
    // Re-checked under the lock: another process may have recorded something meanwhile.
    record =
      updateRecords(dir, (r) => {
        const now = new Date().toISOString()
        for (const [name, state] of discoverEnded(r)) {
          const instance = r.instances.find((i) => i.instance === name)
          if (!instance) continue
          instance.state = state
          instance.since = now
        }
      }) ?? record
  } else if (changes.size > 0) {
    // The owner lives and will record the exit code itself (or a `down` is under way): report what is true now.
    for (const instance of record.instances) {
      const state = changes.get(instance.instance)
      if (state) instance.state = state
    }
  }
  return record.instances.map(toStatus)
}

/** Instances recorded as running that are not: healthy → crashed, starting → exited (or stopped if never spawned). */
function discoverEnded(record: EnvironmentRecord): Map<string, ServiceState> {
  const ended = new Map<string, ServiceState>()
  const owner = ownerAlive(record)
  for (const instance of record.instances) {
    if (instance.state !== 'starting' && instance.state !== 'healthy') continue
    if (instance.pid === undefined) {
      // Never spawned: only "starting" while the owner is still working through the plan.
      if (!owner || record.state !== 'starting') ended.set(instance.instance, 'stopped')
      continue
    }
    if (isSameLiveProcess(instance.pid, instance.startTime)) continue
    if (record.state === 'stopping') ended.set(instance.instance, 'stopped')
    else ended.set(instance.instance, instance.state === 'healthy' ? 'crashed' : 'exited')
  }
  return ended
}

function toStatus(instance: InstanceRecord): ServiceStatus {
  return {
    instance: instance.instance,
    state: instance.state,
    ...(instance.pid === undefined ? {} : { pid: instance.pid }),
    host: instance.host,
    port: instance.port,
    since: instance.since,
    ...(instance.exitCode === undefined ? {} : { exitCode: instance.exitCode }),
    ...(instance.signal === undefined ? {} : { signal: instance.signal }),
  }
}
