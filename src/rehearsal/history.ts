/**
 * @module rehearsal/history
 * Reading past rehearsals back from the store. A rehearsal still marked running whose process is
 * gone (killed, machine rebooted) is marked interrupted the first time anyone looks.
 */
import { hostname } from 'node:os'
import type { RehearsalEvent } from '../core/types.ts'
import type { RehearsalRecord, StepRecord, Store } from '../store/store.ts'

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** True when the record says running but its owner process on this host is gone. */
export function isOrphaned(record: RehearsalRecord): boolean {
  return (
    record.status === 'running' &&
    record.ownerHost === hostname() &&
    record.ownerPid !== null &&
    record.ownerPid !== process.pid &&
    !processAlive(record.ownerPid)
  )
}

async function settle(store: Store, record: RehearsalRecord): Promise<RehearsalRecord> {
  if (!isOrphaned(record)) return record
  const summary = 'interrupted: the process running it stopped before it finished (resume it with `rehearse resume`)'
  await store.updateRehearsal(record.id, { status: 'interrupted', summary, exitCode: 3 })
  return { ...record, status: 'interrupted', summary, exitCode: 3 }
}

export async function listHistory(
  store: Store,
  options: { project?: string; limit?: number } = {},
): Promise<RehearsalRecord[]> {
  const records = await store.listRehearsals({
    limit: options.limit ?? 20,
    ...(options.project ? { project: options.project } : {}),
  })
  return Promise.all(records.map((r) => settle(store, r)))
}

export type RehearsalDetail = { rehearsal: RehearsalRecord; steps: StepRecord[]; events: RehearsalEvent[] }

export async function showRehearsal(store: Store, idOrPrefix: string): Promise<RehearsalDetail> {
  const rehearsal = await settle(store, await store.findRehearsal(idOrPrefix))
  const [steps, events] = await Promise.all([store.listSteps(rehearsal.id), store.readEvents(rehearsal.id)])
  return { rehearsal, steps, events }
}
