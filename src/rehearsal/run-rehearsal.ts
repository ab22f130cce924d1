/**
 * @module rehearsal/run-rehearsal
 * One rehearsal from start to verdict: the steps in order, every event in the store, teardown
 * always, and a verdict that says why. Exit codes: 0 promote, 1 a gate failed (hold or rollback),
 * 2 bad input, 3 infrastructure failure (or interrupted).
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { abortError, isRehearseError, RehearseError } from '../core/errors.ts'
import { newId } from '../core/ids.ts'
import { type Logger, silentLogger } from '../core/logger.ts'
import type { Verdict } from '../core/types.ts'
import type { EnvironmentDriver } from '../drivers/driver.ts'
import { decideVerdict } from '../gates/decide-verdict.ts'
import type { GateOutcome } from '../gates/gate.ts'
import type { Store } from '../store/store.ts'
import { applyVerdictAction } from './actions.ts'
import { type EventListener, EventLog } from './event-log.ts'
import { loadRehearsalSpec } from './rehearsal-spec.ts'
import type { Step, StepContext } from './step.ts'
import { analyzeStep } from './steps/analyze-step.ts'
import { dataStep } from './steps/data-step.ts'
import { deployStep } from './steps/deploy-step.ts'
import { gatesStep } from './steps/gates-step.ts'
import { provisionStep } from './steps/provision-step.ts'
import { replayStep } from './steps/replay-step.ts'
import { smokeStep } from './steps/smoke-step.ts'
import { trafficStep } from './steps/traffic-step.ts'

export type RunOptions = {
  /** Project directory and optional spec file. */
  cwd: string
  file?: string | undefined
  store: Store
  driver: EnvironmentDriver
  signal: AbortSignal
  logger?: Logger
  /** Live events (the CLI's progress display). */
  onEvent?: EventListener
  /** Reuse an id (resume); a new one otherwise. */
  id?: string
}

export type RehearsalOutcome = {
  id: string
  status: 'finished' | 'failed' | 'interrupted'
  verdict: Verdict | null
  exitCode: number
  summary: string
  gates: GateOutcome[]
  error?: RehearseError
}

/** The steps of a rehearsal, in order (teardown runs after them whatever happens). */
export const STEPS: readonly Step[] = [
  provisionStep,
  dataStep,
  deployStep,
  smokeStep,
  trafficStep,
  replayStep,
  analyzeStep,
  gatesStep,
]

export async function runRehearsal(options: RunOptions): Promise<RehearsalOutcome> {
  const loaded = loadRehearsalSpec(options.cwd, options.file)
  const { store, driver } = options
  const logger = options.logger ?? silentLogger
  const id = options.id ?? newId('r')
  const stateRoot = join(options.cwd, '.rehearse')

  if (!options.id) {
    await store.createRehearsal({
      id,
      project: loaded.spec.name,
      status: 'running',
      spec: loaded.raw,
      specHash: loaded.hash,
      createdAt: new Date().toISOString(),
      ownerPid: process.pid,
      ownerHost: hostname(),
    })
  }
  const events = new EventLog(store, id)
  const unsubscribe = options.onEvent ? events.onEvent(options.onEvent) : undefined
  const runController = new AbortController()
  const signal = AbortSignal.any([options.signal, runController.signal])
  const ctx: StepContext = {
    rehearsalId: id,
    // An environment goes up once per id: a resumed run brings up a new one beside the record.
    environmentId: options.id ? `${id}.resumed-${Date.now().toString(36)}` : id,
    loaded,
    spec: loaded.spec,
    driver,
    store,
    events,
    logger: logger.child({ rehearsal: id }),
    stateRoot,
    state: { evidence: {} },
    abortRun: (reason) => runController.abort(reason),
  }

  events.emit('rehearsal.started', {
    project: loaded.spec.name,
    specHash: loaded.hash,
    steps: STEPS.map((s) => s.name),
    resumed: Boolean(options.id),
  })

  let failure: unknown
  for (const step of STEPS) {
    const skip = step.skip?.(ctx)
    if (skip) {
      events.emit('step.skipped', { step: step.name, reason: skip })
      await store.upsertStep({
        rehearsalId: id,
        name: step.name,
        status: 'skipped',
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        error: { reason: skip },
      })
      continue
    }
    const startedAt = new Date().toISOString()
    const started = performance.now()
    events.emit('step.started', { step: step.name })
    await store.upsertStep({
      rehearsalId: id,
      name: step.name,
      status: 'running',
      startedAt,
      finishedAt: null,
      error: null,
    })
    try {
      if (signal.aborted) throw abortError(signal)
      const result = await step.run(ctx, signal)
      if (signal.aborted) throw abortError(signal)
      // A step that found out while running that it cannot apply (an optional database is down).
      const skipped = result?.skipped
      if (skipped) events.emit('step.skipped', { step: step.name, reason: skipped })
      else events.emit('step.finished', { step: step.name, ms: Math.round(performance.now() - started) })
      await store.upsertStep({
        rehearsalId: id,
        name: step.name,
        status: skipped ? 'skipped' : 'passed',
        startedAt,
        finishedAt: new Date().toISOString(),
        error: skipped ? { reason: skipped } : null,
      })
    } catch (error) {
      // A crash noticed while the step waited surfaces as the abort reason, not as the step's own error.
      failure = signal.aborted ? abortError(signal) : error
      const json = isRehearseError(failure) ? failure.toJSON() : { message: String(failure) }
      events.emit('step.failed', { step: step.name, ms: Math.round(performance.now() - started), error: json })
      await store.upsertStep({
        rehearsalId: id,
        name: step.name,
        status: 'failed',
        startedAt,
        finishedAt: new Date().toISOString(),
        error: json,
      })
      break
    }
  }

  await noticeCrashes(ctx)
  await teardown(ctx)
  const outcome = await applyVerdictAction(
    { rehearsalId: id, project: loaded.spec.name, dir: loaded.dir, spec: loaded.spec, events },
    conclude(ctx, failure, options.signal),
    options.signal,
  )
  events.emit('rehearsal.finished', {
    status: outcome.status,
    verdict: outcome.verdict,
    exitCode: outcome.exitCode,
    summary: outcome.summary,
  })
  await events.flush()
  unsubscribe?.()
  await store.updateRehearsal(id, {
    status: outcome.status,
    verdict: outcome.verdict,
    exitCode: outcome.exitCode,
    summary: outcome.summary,
    finishedAt: new Date().toISOString(),
  })
  return outcome
}

/**
 * A service may have exited while the last step finished, before the driver's crash event came
 * through: ask the driver (its records are written as soon as the process ends) before teardown.
 */
async function noticeCrashes(ctx: StepContext): Promise<void> {
  const handle = ctx.state.handle
  if (!handle || ctx.state.crash) return
  const statuses = await ctx.driver.status(handle).catch(() => [])
  const crashed = statuses.find((s) => s.state === 'crashed')
  if (!crashed || ctx.state.crash) return
  const lastLines: string[] = []
  try {
    for await (const line of ctx.driver.logs(handle, crashed.instance, { tail: 10 })) lastLines.push(line.line)
  } catch {
    // the log is a courtesy here; the crash itself is what matters
  }
  if (ctx.state.crash) return // the driver's own event came through meanwhile
  const version = ctx.state.plan?.services.find((s) => s.instance === crashed.instance)?.version
  ctx.state.crash = {
    instance: crashed.instance,
    version,
    exitCode: crashed.exitCode ?? null,
    signal: crashed.signal ?? null,
    lastLines,
  }
  ctx.events.emit('service.crashed', {
    instance: crashed.instance,
    exitCode: crashed.exitCode ?? null,
    signal: crashed.signal ?? null,
    lastLines,
  })
}

async function teardown(ctx: StepContext): Promise<void> {
  for (const proxy of ctx.state.proxies?.values() ?? []) await proxy.close().catch(() => {})
  if (!ctx.state.plan) return
  const started = performance.now()
  ctx.events.emit('step.started', { step: 'teardown' })
  try {
    await ctx.driver.down(
      ctx.state.handle ?? { id: ctx.state.plan.id, driver: ctx.driver.name, stateDir: ctx.state.plan.stateDir },
    )
    ctx.events.emit('step.finished', { step: 'teardown', ms: Math.round(performance.now() - started) })
  } catch (error) {
    ctx.events.emit('step.failed', {
      step: 'teardown',
      error: isRehearseError(error) ? error.toJSON() : { message: String(error) },
    })
  }
}

function conclude(ctx: StepContext, failure: unknown, userSignal: AbortSignal): RehearsalOutcome {
  const id = ctx.rehearsalId
  const crash = ctx.state.crash
  // A candidate that crashes is a finding about the release, whatever step noticed it first.
  if (crash && crash.version === 'candidate' && !userSignal.aborted) {
    const how = crash.signal ? `was killed by ${crash.signal}` : `exited with code ${crash.exitCode}`
    const gate: GateOutcome = {
      kind: 'health',
      critical: true,
      status: 'fail',
      reasons: [
        `${crash.instance} ${how} while the rehearsal ran`,
        ...crash.lastLines.slice(-5).map((l) => `log: ${l}`),
      ],
    }
    ctx.events.emit('gate.evaluated', gate)
    const gates = [gate, ...(ctx.state.gates ?? [])]
    const decision = decideVerdict(gates)
    ctx.events.emit('verdict', { ...decision, gates })
    return { id, status: 'finished', gates, ...decision }
  }
  if (failure === undefined) {
    const gates = ctx.state.gates ?? []
    const decision = decideVerdict(gates)
    ctx.events.emit('verdict', { ...decision, gates })
    return { id, status: 'finished', gates, ...decision }
  }
  const error = isRehearseError(failure)
    ? failure
    : new RehearseError('INTERNAL', `Unexpected error: ${(failure as Error)?.message ?? String(failure)}`, {
        cause: failure,
      })
  const interrupted = error.code === 'INTERRUPTED'
  return {
    id,
    status: interrupted ? 'interrupted' : 'failed',
    verdict: null,
    exitCode: error.exitCode,
    summary: `${interrupted ? 'interrupted' : 'failed'}: ${error.message}`,
    gates: [],
    error,
  }
}
