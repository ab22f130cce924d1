/**
 * @module drivers/local/start-environment
 * `up` for the local driver: record the environment, start every instance as soon as everything
 * it depends on is healthy (independent ones in parallel), and watch each one for exits. If any
 * instance fails, or the signal aborts, everything started so far is stopped before `up` rejects.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { abortError, isRehearseError, RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { EnvironmentHandle, EnvironmentPlan, ServicePlan, UpOptions } from '../driver.ts'
import { checkPlan } from '../plan-order.ts'
import { waitUntilHealthy } from './health-check.ts'
import { type LocalContext, type Session, safeEmitter } from './local-context.ts'
import { logPaths, readLastLines } from './log-files.ts'
import { assertPortFree } from './port-allocator.ts'
import { isSameLiveProcess, readStartTime } from './proc-fs.ts'
import { ENV_MARKER } from './process-group.ts'
import { currentOwner, type InstanceRecord, readRecords, updateRecords, writeRecords } from './process-records.ts'
import { spawnFailure, spawnService } from './service-process.ts'
import { stopEnvironment } from './stop-environment.ts'

/** How many of a service's last log lines go into DRIVER_UNHEALTHY and service.crashed. */
export const LAST_LINES = 20

/** Brings the plan up; see `EnvironmentDriver.up`. */
export async function startEnvironment(
  plan: EnvironmentPlan,
  options: UpOptions,
  ctx: LocalContext,
): Promise<EnvironmentHandle> {
  const { signal } = options
  throwIfAborted(signal)
  checkPlan(plan)
  const stateDir = resolve(plan.stateDir)
  refuseLiveEnvironment(stateDir, plan.id)
  mkdirSync(join(stateDir, 'logs'), { recursive: true })

  const paths = logPaths(
    stateDir,
    plan.services.map((s) => s.instance),
  )
  const now = new Date().toISOString()
  writeRecords(stateDir, {
    format: 1,
    id: plan.id,
    project: plan.project,
    driver: 'local',
    stateDir,
    state: 'starting',
    createdAt: now,
    updatedAt: now,
    owner: currentOwner(),
    instances: plan.services.map((s) => instanceRecord(s, paths.get(s.instance)!, now)),
  })
  const logger = ctx.logger.child({ environment: plan.id })
  const session: Session = {
    id: plan.id,
    stateDir,
    stopping: false,
    children: new Map(),
    emit: safeEmitter(options.onEvent, logger),
  }
  ctx.sessions.set(stateDir, session)

  // One failure stops the siblings still starting; the user's signal stops everything.
  const failure = new AbortController()
  const running = AbortSignal.any([signal, failure.signal])
  let firstError: unknown
  const byName = new Map(plan.services.map((s) => [s.instance, s]))
  const starts = new Map<string, Promise<void>>()
  const start = (service: ServicePlan): Promise<void> => {
    let started = starts.get(service.instance)
    if (!started) {
      started = (async () => {
        await Promise.all(service.dependsOn.map((dep) => start(byName.get(dep)!)))
        running.throwIfAborted()
        await startInstance(service, { plan, stateDir, session, signal: running, ctx })
      })()
      starts.set(service.instance, started)
    }
    return started
  }
  await Promise.all(
    plan.services.map((service) =>
      start(service).catch((error: unknown) => {
        firstError ??= error
        failure.abort(error)
      }),
    ),
  )

  if (firstError !== undefined || signal.aborted) {
    logger.debug({ err: firstError }, 'start failed; stopping what was started')
    await stopEnvironment(stateDir, plan.id, ctx, 'failed')
    if (signal.aborted && (firstError === undefined || firstError === signal.reason)) throw abortError(signal)
    if (isRehearseError(firstError)) throw firstError
    throw new RehearseError('INTERNAL', `Starting "${plan.id}" failed: ${String(firstError)}`, { cause: firstError })
  }
  updateRecords(stateDir, (r) => {
    r.state = 'up'
  })
  return { id: plan.id, driver: 'local', stateDir }
}

type StartContext = {
  plan: EnvironmentPlan
  stateDir: string
  session: Session
  signal: AbortSignal
  ctx: LocalContext
}

/** Starts one instance and resolves once it is healthy; then keeps watching it for a crash. */
async function startInstance(service: ServicePlan, sc: StartContext): Promise<void> {
  const { stateDir, session, signal } = sc
  const { instance } = service
  const logs = readRecords(stateDir)?.instances.find((i) => i.instance === instance)?.logs
  if (!logs) throw new RehearseError('INTERNAL', `No record for "${instance}" in ${stateDir}.`)
  // A port taken since it was allocated would make a TCP or HTTP probe talk to a stranger.
  await assertPortFree(service.host, service.port, instance)
  signal.throwIfAborted()

  const env = { ...process.env, ...service.env, [ENV_MARKER]: sc.plan.id, REHEARSE_INSTANCE: instance }
  const child = spawnService(service, env, logs)
  const startedAt = Date.now()
  const pid = child.pid
  if (pid === undefined) throw await spawnFailure(child, service)
  // Recorded before anything else can run, so a `down` from elsewhere can always find it.
  const startTime = readStartTime(pid)
  if (startTime === undefined) {
    // Without a start time the process could never be told from a recycled pid, so never stopped safely.
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
    throw new RehearseError('DRIVER_SPAWN_FAILED', `Cannot read /proc/${pid}/stat for "${instance}".`, {
      hint: 'The local driver needs Linux /proc to track its processes.',
      details: { instance },
    })
  }
  updateRecords(stateDir, (r) => {
    const record = find(r.instances, instance)
    record.pid = pid
    record.pgid = pid
    record.startTime = startTime
    record.startedAt = new Date(startedAt).toISOString()
    record.state = 'starting'
    record.since = record.startedAt
  })
  session.children.set(instance, child)
  session.emit({ type: 'service.starting', instance, pid, port: service.port })

  let phase: 'starting' | 'running' = 'starting'
  let exit: { code: number | null; signal: string | null } | undefined
  const exited = new AbortController()
  child.once('exit', (code, exitSignal) => {
    exit = { code, signal: exitSignal }
    session.children.delete(instance)
    if (phase === 'starting') exited.abort(new Error('exited'))
    else void reportExit(service, exit, sc)
  })

  let healthy: boolean
  try {
    healthy = await waitUntilHealthy(
      { host: service.host, port: service.port, health: service.health, cwd: service.cwd, env },
      startedAt,
      AbortSignal.any([signal, exited.signal]),
    )
  } catch (error) {
    if (exit === undefined || signal.aborted) throw error
    healthy = false
  }
  if (exit !== undefined || !healthy) throw await startFailure(service, exit, sc)
  phase = 'running'
  const now = new Date().toISOString()
  updateRecords(stateDir, (r) => {
    const record = find(r.instances, instance)
    record.state = 'healthy'
    record.since = now
  })
  session.emit({ type: 'service.ready', instance, ms: Date.now() - startedAt })
}

/** Records why an instance did not become healthy and builds the DRIVER_UNHEALTHY (or INTERRUPTED) error. */
async function startFailure(
  service: ServicePlan,
  exit: { code: number | null; signal: string | null } | undefined,
  sc: StartContext,
): Promise<RehearseError> {
  const { instance } = service
  const record = updateRecords(sc.stateDir, (r) => {
    const i = find(r.instances, instance)
    if (r.state === 'stopping' || r.state === 'stopped') return
    i.state = exit ? 'exited' : 'unhealthy'
    i.since = new Date().toISOString()
    if (exit) {
      i.exitCode = exit.code
      i.signal = exit.signal
    }
  })
  if (record && (record.state === 'stopping' || record.state === 'stopped')) {
    return new RehearseError('INTERRUPTED', `"${sc.plan.id}" was taken down while "${instance}" was starting.`)
  }
  const logs = find(record?.instances ?? [], instance).logs
  const lastLines = await lastLinesOf(logs)
  const how = exit
    ? `exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}) while starting`
    : `did not become healthy within ${service.health.timeoutMs} ms`
  return new RehearseError('DRIVER_UNHEALTHY', `"${instance}" ${how}.`, {
    hint: exit
      ? `Read its last log lines below (all of it: ${logs.stderr}).`
      : `Read its last log lines below; if it is merely slow, raise services.${service.service}.health.timeout.`,
    details: {
      instance,
      health: describeHealth(service),
      ...(exit ? { exitCode: exit.code, signal: exit.signal } : {}),
      lastLines,
      logs,
    },
  })
}

/** A healthy instance ended: a crash, unless the environment is being taken down (here or elsewhere). */
async function reportExit(
  service: ServicePlan,
  exit: { code: number | null; signal: string | null },
  sc: StartContext,
): Promise<void> {
  const { session } = sc
  const { instance } = service
  if (session.stopping) return
  let crashed = false
  const record = updateRecords(sc.stateDir, (r) => {
    if (r.state === 'stopping' || r.state === 'stopped' || r.state === 'failed') return
    const i = find(r.instances, instance)
    if (i.state !== 'healthy') return
    crashed = true
    i.state = 'crashed'
    i.since = new Date().toISOString()
    i.exitCode = exit.code
    i.signal = exit.signal
  })
  if (!record) return
  if (!crashed) {
    session.emit({ type: 'service.stopped', instance })
    return
  }
  const lastLines = await lastLinesOf(find(record.instances, instance).logs)
  session.emit({ type: 'service.crashed', instance, exitCode: exit.code, signal: exit.signal, lastLines })
}

/** The last lines of stdout, then of stderr: LAST_LINES at most, stderr's taking precedence (errors go there). */
export async function lastLinesOf(logs: { stdout: string; stderr: string }): Promise<string[]> {
  const stderr = await readLastLines(logs.stderr, LAST_LINES)
  const stdout = await readLastLines(logs.stdout, LAST_LINES - stderr.length)
  return [...stdout, ...stderr]
}

/** Refuses to reuse a stateDir whose environment still runs (it would lose track of it). */
function refuseLiveEnvironment(stateDir: string, id: string): void {
  const record = readRecords(stateDir)
  if (!record || record.state === 'stopped' || record.state === 'failed') return
  const live = record.instances.filter((i) => i.pid !== undefined && isSameLiveProcess(i.pid, i.startTime))
  if (live.length === 0) return
  throw new RehearseError('DRIVER_ENVIRONMENT_EXISTS', `Environment "${record.id}" is still running in ${stateDir}.`, {
    hint: `Take it down first (\`rehearse down ${record.id}\`), or start the new one under another id.`,
    details: { id, running: live.map((i) => i.instance) },
  })
}

function instanceRecord(service: ServicePlan, logs: InstanceRecord['logs'], now: string): InstanceRecord {
  return {
    instance: service.instance,
    service: service.service,
    ...(service.version === undefined ? {} : { version: service.version }),
    command: service.command ?? '',
    cwd: service.cwd,
    host: service.host,
    port: service.port,
    dependsOn: [...service.dependsOn],
    stopGraceMs: service.stopGraceMs,
    logs,
    state: 'starting',
    since: now,
  }
}

function describeHealth(service: ServicePlan): string {
  const { health, host, port } = service
  if (health.http !== undefined) return `GET http://${host}:${port}${health.http}`
  if (health.command !== undefined) return `command: ${health.command}`
  return `tcp ${host}:${port}`
}

function find(instances: InstanceRecord[], instance: string): InstanceRecord {
  const record = instances.find((i) => i.instance === instance)
  if (!record) throw new RehearseError('INTERNAL', `The records have no instance "${instance}".`)
  return record
}
