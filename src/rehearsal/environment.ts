/**
 * @module rehearsal/environment
 * Environments outside a rehearsal: `rehearse up` brings the spec's services up (both versions,
 * or one) and leaves them running; `status`, `logs` and `down` find them again from the driver's
 * records under `.rehearse/`, also after the process that started them is gone.
 */
import { join } from 'node:path'
import { RehearseError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import type { VersionName } from '../core/types.ts'
import type {
  DriverEvent,
  EnvironmentDriver,
  EnvironmentHandle,
  EnvironmentPlan,
  LogLine,
  ServiceStatus,
} from '../drivers/driver.ts'
import { environmentStateDir } from '../drivers/state-layout.ts'
import { planInstances, resolvePlan } from './plan-environment.ts'
import { loadRehearsalSpec } from './rehearsal-spec.ts'
import { prepareVersionRoots } from './version-roots.ts'

export const stateRootOf = (cwd: string) => join(cwd, '.rehearse')

export async function upEnvironment(options: {
  cwd: string
  file?: string | undefined
  driver: EnvironmentDriver
  versions: readonly VersionName[]
  signal: AbortSignal
  onEvent?: (event: DriverEvent) => void
}): Promise<{ handle: EnvironmentHandle; plan: EnvironmentPlan }> {
  const loaded = loadRehearsalSpec(options.cwd, options.file)
  const stateRoot = stateRootOf(options.cwd)
  const id = newId('env')
  const roots = await prepareVersionRoots(loaded, stateRoot, options.signal)
  const instances = planInstances(loaded.spec, { dir: loaded.dir, versions: options.versions, roots: roots.dirs })
  const plan = await resolvePlan(loaded.spec, instances, {
    driver: options.driver,
    id,
    stateDir: environmentStateDir(stateRoot, id),
    signal: options.signal,
    labels: roots.labels,
  })
  const handle = await options.driver.up(plan, {
    signal: options.signal,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
  return { handle, plan }
}

/** Environments recorded under the project, or the one named (by id or unique prefix). */
export async function findEnvironments(
  driver: EnvironmentDriver,
  cwd: string,
  id?: string,
): Promise<EnvironmentHandle[]> {
  const all = await driver.list(stateRootOf(cwd))
  if (!id) return all
  const matches = all.filter((h) => h.id === id || h.id.startsWith(id))
  if (matches.length !== 1) {
    throw new RehearseError(
      'DRIVER_NO_ENVIRONMENT',
      matches.length ? `"${id}" matches several environments.` : `No environment "${id}" is recorded here.`,
      {
        hint: all.length
          ? `Recorded: ${all.map((h) => h.id).join(', ')}.`
          : 'Start one with `rehearse up` or `rehearse run`.',
      },
    )
  }
  return matches
}

export async function environmentStatus(
  driver: EnvironmentDriver,
  cwd: string,
  id?: string,
): Promise<Array<{ id: string; services: ServiceStatus[] }>> {
  const handles = await findEnvironments(driver, cwd, id)
  return Promise.all(handles.map(async (handle) => ({ id: handle.id, services: await driver.status(handle) })))
}

/** Stops the named environment, or every one recorded under the project. Returns the ids stopped. */
export async function downEnvironments(driver: EnvironmentDriver, cwd: string, id?: string): Promise<string[]> {
  const handles = await findEnvironments(driver, cwd, id)
  for (const handle of handles) await driver.down(handle)
  return handles.map((h) => h.id)
}

/**
 * Log lines of the newest environment (or the one named). `service` may be an instance
 * (`api@candidate`) or a service name, which means every instance of it (both versions).
 */
export async function environmentLogs(
  driver: EnvironmentDriver,
  cwd: string,
  options: { service?: string; id?: string; follow?: boolean; tail?: number; signal: AbortSignal },
): Promise<AsyncIterable<LogLine>> {
  const handles = await findEnvironments(driver, cwd, options.id)
  const handle = handles.at(-1)
  if (!handle) {
    throw new RehearseError('DRIVER_NO_ENVIRONMENT', 'No environment is recorded in .rehearse/.', {
      hint: 'Start one with `rehearse up` or `rehearse run`.',
    })
  }
  const logOptions = {
    ...(options.follow !== undefined ? { follow: options.follow } : {}),
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    signal: options.signal,
  }
  const service = options.service
  if (service === undefined) return driver.logs(handle, undefined, logOptions)
  const names = (await driver.status(handle)).map((s) => s.instance)
  const versions = names.filter((n) => n.startsWith(`${service}@`))
  if (names.includes(service) || versions.length === 0) return driver.logs(handle, service, logOptions)
  const lines = driver.logs(handle, undefined, logOptions)
  return (async function* () {
    for await (const line of lines) if (versions.includes(line.instance)) yield line
  })()
}
