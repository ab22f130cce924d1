/**
 * @module traffic/load/run-load
 * The open-model load generator. Arrivals come from a seeded schedule of intended start times and
 * are fired at those times whether or not earlier requests have finished; each arrival's request
 * is expanded once from the scenario and sent to every target at the same moment, so the targets
 * see the same sequence and their differences are their own. Latency counts from the intended
 * start. The run ends by itself: after the last arrival, requests get a drain period, then the
 * rest are recorded as timeouts and aborted; nothing outlives `runLoad`.
 */
import { abortError, RehearseError, throwIfAborted } from '../../core/errors.ts'
import { teeSinks } from '../../telemetry/tee-sink.ts'
import { createRandom } from '../template/random.ts'
import type { ExpandContext } from '../template/template-text.ts'
import { ArrivalSchedule, expectedArrivals, scheduleDuration } from './arrival-schedule.ts'
import type { LoadOptions, LoadPlan, LoadProgress, LoadResult } from './load-plan.ts'
import { SaturationMonitor } from './saturation-monitor.ts'
import { checkTargets, type TargetUrlRule } from './target-pool.ts'
import { TargetRunner } from './target-runner.ts'

/** Most arrivals fired in one timer callback before yielding to I/O. */
const BATCH = 2000
/** Arrivals due within this many ms are fired in the current callback (timers have 1 ms grain). */
const LOOKAHEAD_MS = 1
/** Extra time past the drain before the run stops no matter what. */
const HARD_DEADLINE_SLACK_MS = 1000
/** Longest wait for undici to close the pools at the end. */
const CLOSE_TIMEOUT_MS = 2000

/** A load target is http or https, with a host, and maybe a base path. */
const LOAD_TARGET_URL: TargetUrlRule = {
  form: 'http(s)://host:port',
  hint: 'Use a base URL such as http://127.0.0.1:8080.',
  accepts: (url) =>
    (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.search && !url.hash,
}

function invalid(message: string, hint: string): RehearseError {
  return new RehearseError('TRAFFIC_PLAN_INVALID', message, { hint })
}

/** Throws TRAFFIC_PLAN_INVALID for a plan that cannot run. */
export function validateLoadPlan(plan: LoadPlan): void {
  if (plan.targets.length === 0)
    throw invalid('The load plan has no target.', 'Give at least one target with a base URL.')
  checkTargets(plan.targets, LOAD_TARGET_URL, invalid)
  if (plan.phases.length === 0) throw invalid('The load plan has no phase.', 'Add a phase with a duration and a rate.')
  for (const p of plan.phases) {
    const rates = [p.rate, p.rampTo ?? p.rate]
    if (!(p.durationMs >= 0) || rates.some((r) => !(r >= 0) || !Number.isFinite(r))) {
      throw invalid(
        `Phase "${p.name}" has a negative or infinite duration or rate.`,
        'Use durations such as 30s and rates such as 200/s.',
      )
    }
  }
  if (scheduleDuration(plan.phases) <= 0)
    throw invalid('The phases last 0 seconds in total.', 'Give at least one phase a duration.')
  const positive: Array<[string, number]> = [
    ['connections', plan.connections],
    ['maxInFlight', plan.maxInFlight],
    ['timeout', plan.timeoutMs],
  ]
  for (const [key, value] of positive) {
    if (!(value > 0) || !Number.isFinite(value))
      throw invalid(`${key} must be a positive number, got ${value}.`, `Set ${key} above 0.`)
  }
}

/**
 * Runs a load plan to its end and resolves with per-target results; every request's sample goes
 * to `options.sink` as it completes. Rejects with TRAFFIC_PLAN_INVALID before starting, or with
 * the signal's reason (INTERRUPTED) when aborted — after closing every connection.
 */
export async function runLoad(plan: LoadPlan, options: LoadOptions): Promise<LoadResult> {
  validateLoadPlan(plan)
  throwIfAborted(options.signal)
  const { signal, metrics } = options
  const sink = metrics ? teeSinks(options.sink, metrics.sink) : options.sink
  const lateMs = plan.lateThresholdMs ?? 10
  const drainMs = plan.drainTimeoutMs ?? plan.timeoutMs
  const schedule = new ArrivalSchedule(plan.phases, plan.seed)
  const totalMs = schedule.totalMs
  const random = createRandom(plan.seed).fork('requests')
  const ctx: ExpandContext = { random, seq: 0, nowMs: 0 }
  const monitor = new SaturationMonitor()

  let settle: (() => void) | undefined
  let scheduleDone = false
  const onSettled = () => {
    if (scheduleDone && runners.every((r) => r.pending === 0)) settle?.()
  }
  const runners = plan.targets.map((t) => new TargetRunner(t, plan, sink, onSettled))

  const t0 = performance.now()
  const epoch0 = performance.timeOrigin + t0
  let arrivals = 0
  let late = 0
  let currentPhase = -1
  let has = schedule.next()
  const timers: Array<ReturnType<typeof setTimeout>> = []
  let tickTimer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined
  let onAbort: (() => void) | undefined

  /** Enters every phase up to `index`, in order (a late timer must not skip one). */
  const enterPhase = (index: number) => {
    while (currentPhase < Math.min(index, plan.phases.length - 1)) {
      currentPhase++
      const phase = plan.phases[currentPhase]!
      metrics?.setTargetRate(phase.rate)
      try {
        options.onPhase?.(phase, currentPhase)
      } catch (error) {
        options.logger?.warn({ err: error, phase: phase.name }, 'onPhase callback failed')
      }
    }
  }

  const fire = (intendedOffset: number, nowOffset: number) => {
    arrivals++
    ctx.seq = arrivals
    ctx.nowMs = epoch0 + nowOffset
    const template = plan.scenario.choose(random)
    const request = template.expand(ctx)
    const isLate = nowOffset - intendedOffset > lateMs
    if (isLate) late++
    const intended = t0 + intendedOffset
    const atEpoch = epoch0 + intendedOffset
    // The targets take turns going first: whichever is sent second waits for the first's send,
    // and a fixed order would charge that wait to the same target every time (an A/A run then
    // shows a few-percent "regression" that is the generator's, not the version's).
    const first = arrivals % runners.length
    for (let i = 0; i < runners.length; i++) {
      const runner = runners[(first + i) % runners.length]!
      runner.send(request, template.route, intended, atEpoch, isLate)
      if (isLate) metrics?.late(runner.name)
    }
  }

  const progress = (): LoadProgress => ({
    elapsedMs: performance.now() - t0,
    totalMs,
    phase: plan.phases[Math.max(0, currentPhase)]!.name,
    phaseIndex: Math.max(0, currentPhase),
    arrivals,
    late,
    targets: runners.map((r) => r.progress()),
    saturation: monitor.read(arrivals > 0 ? late / arrivals : 0),
  })

  const outcome = new Promise<'done' | 'aborted'>((resolve) => {
    let finished = false
    const finish = (how: 'done' | 'aborted') => {
      if (finished) return
      finished = true
      resolve(how)
    }
    settle = () => finish('done')

    const endSchedule = () => {
      scheduleDone = true
      timers.push(
        setTimeout(
          () => {
            const now = performance.now()
            for (const r of runners) r.expireAll(now)
            finish('done')
          },
          Math.max(0, t0 + totalMs + drainMs - performance.now()),
        ),
      )
      onSettled()
    }

    const tick = () => {
      tickTimer = undefined
      if (finished || scheduleDone) return
      const now = performance.now() - t0
      for (let n = 0; has && schedule.at <= now + LOOKAHEAD_MS && n < BATCH; n++) {
        enterPhase(schedule.phase)
        fire(schedule.at, now)
        has = schedule.next()
      }
      if (!has) return endSchedule()
      // Sleep until the next arrival is within the lookahead (timers wake at 1 ms at the earliest);
      // only a generator that fell behind loops through setImmediate, so it never spins idle.
      const delay = schedule.at - (performance.now() - t0)
      tickTimer = delay > 0 ? setTimeout(tick, Math.max(1, delay - LOOKAHEAD_MS)) : setImmediate(tick)
    }

    // Phases begin on time even when they have no arrivals (a rate of 0 is a pause).
    let phaseStart = 0
    plan.phases.forEach((p, i) => {
      timers.push(setTimeout(() => enterPhase(i), Math.max(0, phaseStart)))
      phaseStart += p.durationMs
    })
    // The hard deadline: whatever happens, the run ends here; arrivals not fired are `unsent`.
    timers.push(
      setTimeout(
        () => {
          if (finished) return
          let unsent = 0
          while (has) {
            unsent++
            has = schedule.next()
          }
          for (const r of runners) {
            r.skip(unsent)
            r.expireAll(performance.now())
          }
          finish('done')
        },
        totalMs + drainMs + HARD_DEADLINE_SLACK_MS,
      ),
    )
    const sweepEvery = Math.max(10, Math.min(100, plan.timeoutMs / 10))
    timers.push(
      setInterval(() => {
        const now = performance.now()
        for (const r of runners) r.sweep(now)
      }, sweepEvery),
    )
    if (options.onProgress || metrics) {
      timers.push(
        setInterval(() => {
          const p = progress()
          metrics?.setSaturation({ ...p.saturation, cpuRatio: p.saturation.cpuPercent / 100 })
          for (const t of p.targets) metrics?.setInFlight(t.name, t.inFlight)
          options.onProgress?.(p)
        }, options.progressIntervalMs ?? 1000),
      )
    }
    onAbort = () => finish('aborted')
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) finish('aborted')
    tick()
  })

  const how = await outcome
  if (onAbort) signal.removeEventListener('abort', onAbort)
  for (const t of timers) clearTimeout(t)
  if (tickTimer !== undefined) {
    clearTimeout(tickTimer as ReturnType<typeof setTimeout>)
    clearImmediate(tickTimer as ReturnType<typeof setImmediate>)
  }
  const elapsedMs = performance.now() - t0
  const saturation = monitor.read(arrivals > 0 ? late / arrivals : 0)
  monitor.stop()
  if (how === 'aborted') for (const r of runners) r.expireAll(performance.now(), false)
  await closeAll(runners)
  if (how === 'aborted') throw abortError(signal)

  const unsent = runners[0]?.unsent ?? 0
  if (unsent > 0) saturation.reasons.push(`${unsent} arrivals were never sent before the deadline`)
  saturation.saturated = saturation.reasons.length > 0
  return {
    startedAt: epoch0,
    durationMs: totalMs,
    elapsedMs,
    arrivals,
    arrivalRate: (arrivals * 1000) / totalMs,
    late,
    unsent,
    targets: runners.map((r) => r.result(totalMs)),
    saturation,
  }
}

/** Destroys every pool, waiting at most CLOSE_TIMEOUT_MS so that a stuck socket cannot hang the run. */
async function closeAll(runners: TargetRunner[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)
  })
  await Promise.race([Promise.allSettled(runners.map((r) => r.destroy())), timeout])
  clearTimeout(timer)
}

/** Expected number of arrivals of a plan (for progress bars and tests). */
export function expectedLoadArrivals(plan: Pick<LoadPlan, 'phases'>): number {
  return plan.phases.reduce((sum, p) => sum + expectedArrivals(p), 0)
}
