/**
 * @module rehearsal/resume-rehearsal
 * `rehearse resume <id>`: an interrupted rehearsal runs again under the same id, appending to the
 * same event log. Whatever its dead process left running is stopped first (from the driver's
 * records); then every step runs again, since an environment cannot be trusted across a crash.
 */
import { hostname } from 'node:os'
import { RehearseError } from '../core/errors.ts'
import { isOrphaned } from './history.ts'
import { type RehearsalOutcome, type RunOptions, runRehearsal } from './run-rehearsal.ts'

export async function resumeRehearsal(options: Omit<RunOptions, 'id'> & { id: string }): Promise<RehearsalOutcome> {
  const record = await options.store.findRehearsal(options.id)
  const resumable = record.status === 'interrupted' || isOrphaned(record)
  if (!resumable) {
    throw new RehearseError(
      'REHEARSAL_NOT_RESUMABLE',
      `Rehearsal ${record.id} is ${record.status === 'running' ? 'still running in another process' : record.status}; only an interrupted one can be resumed.`,
      { hint: 'Start a new one with `rehearse run`.' },
    )
  }
  const leftovers = (await options.driver.list(`${options.cwd}/.rehearse`)).filter(
    (h) => h.id === record.id || h.id.startsWith(`${record.id}.`),
  )
  for (const handle of leftovers) await options.driver.down(handle)
  await options.store.updateRehearsal(record.id, {
    status: 'running',
    summary: null,
    exitCode: null,
    finishedAt: null,
    ownerPid: process.pid,
    ownerHost: hostname(),
  })
  return runRehearsal({ ...options, id: record.id })
}
