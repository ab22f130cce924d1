/**
 * @module rehearsal/steps/traffic-step
 * The traffic of the spec, phase by phase, sent to the baseline and the candidate at the same
 * moments through their proxies; each phase switches the proxies' fault rules. With
 * `analysis.sequential` the judge looks every few seconds, and a clear answer stops the traffic
 * early. Series and latency distributions go into the store, so the run can be re-judged.
 */
import { judgeCanary } from '../../analysis/canary-judge.ts'
import type { CanaryJudgement } from '../../analysis/types.ts'
import { RehearseError } from '../../core/errors.ts'
import { formatDuration } from '../../core/units.ts'
import { extractSeries } from '../../telemetry/series.ts'
import type { LoadPhase } from '../../traffic/load/load-plan.ts'
import { runLoad } from '../../traffic/load/run-load.ts'
import type { FaultRule } from '../../traffic/proxy/proxy.ts'
import { trafficToLoadPlan } from '../../traffic/traffic-schema.ts'
import { aggregatorSource, canaryInputs } from '../evidence.ts'
import type { Step, StepContext } from '../step.ts'

/** Phases with these names prepare the services (caches, JIT) and are not judged. */
const UNJUDGED_PHASE = /^warm-?up$/i
/** Time between two sequential looks of the judge. */
const LOOK_EVERY_MS = 5_000
const SERIES = ['requests', 'errors', 'error_rate', 'latency_p50', 'latency_p99'] as const

export const trafficStep: Step = {
  name: 'traffic',
  skip: (ctx) => (ctx.spec.traffic ? undefined : 'the spec has no traffic section'),
  async run(ctx, signal) {
    const traffic = ctx.spec.traffic!
    const telemetry = ctx.state.telemetry!
    const targets = ctx.state.targets!
    const urls = targets.proxied ?? targets.urls
    const plan = trafficToLoadPlan(traffic, {
      targets: ['baseline', 'candidate'].map((name) => ({ name, url: urls[name]! })),
      specDir: ctx.loaded.dir,
      specFile: ctx.loaded.file,
    })

    const stop = new AbortController()
    const runSignal = AbortSignal.any([signal, stop.signal])
    let phaseStart = 0
    let judgedFrom: number | undefined
    let look = 0
    let judgement: CanaryJudgement | undefined
    let nextLook = Number.POSITIVE_INFINITY
    const sequential = ctx.spec.analysis?.sequential === true

    const onPhase = (phase: LoadPhase, index: number) => {
      phaseStart = Date.now()
      if (judgedFrom === undefined && !UNJUDGED_PHASE.test(phase.name)) {
        judgedFrom = phaseStart
        nextLook = phaseStart + LOOK_EVERY_MS
      }
      applyFaults(ctx, (phase.faults ?? []) as FaultRule[])
      ctx.events.emit('phase.started', {
        name: phase.name,
        index,
        at: phaseStart,
        durationMs: phase.durationMs,
        rate: phase.rate,
        ...(phase.rampTo !== undefined ? { rampTo: phase.rampTo } : {}),
        judged: !UNJUDGED_PHASE.test(phase.name),
        faults: phase.faults ?? [],
      })
    }

    const onProgress = (p: {
      elapsedMs: number
      totalMs: number
      phase: string
      targets: Array<{ name: string; completed: number; errors: number }>
    }) => {
      const line = `${p.phase} ${formatDuration(p.elapsedMs)}/${formatDuration(p.totalMs)} · ${p.targets.map((t) => `${t.name} ${t.completed} (${t.errors} err)`).join(' · ')}`
      ctx.events.emit('traffic.progress', { line, elapsedMs: p.elapsedMs })
      if (!sequential || judgedFrom === undefined || Date.now() < nextLook) return
      nextLook = Date.now() + LOOK_EVERY_MS
      look++
      const inputs = canaryInputs(
        ctx.spec.analysis,
        aggregatorSource(telemetry.load, { fromMs: judgedFrom, toMs: Date.now() }),
        false,
      )
      judgement = judgeCanary(inputs.config, inputs.data, judgement?.state)
      ctx.events.emit('analysis.look', {
        look,
        atMs: p.elapsedMs,
        verdict: judgement.verdict,
        score: judgement.score,
        stop: judgement.stop,
        summary: judgement.summary,
      })
      if (judgement.stop) stop.abort(new RehearseError('INTERRUPTED', 'the sequential judge has its answer'))
    }

    let result: Awaited<ReturnType<typeof runLoad>> | undefined
    try {
      result = await runLoad(plan, { sink: telemetry.load, signal: runSignal, onPhase, onProgress, logger: ctx.logger })
    } catch (error) {
      if (!stop.signal.aborted || signal.aborted) throw error
      ctx.events.emit('traffic.stopped-early', {
        look,
        reason: judgement?.summary ?? 'the sequential judge has its answer',
      })
    } finally {
      applyFaults(ctx, [])
    }
    telemetry.judgedFromMs = judgedFrom ?? phaseStart
    telemetry.judgedToMs = Date.now() + 1
    if (result) ctx.events.emit('traffic.finished', { result })
    await recordTelemetry(ctx)
  },
}

/** Each proxy gets the phase's rules whose `target` names its instance, service or version (or none). */
function applyFaults(ctx: StepContext, rules: FaultRule[]): void {
  for (const [instance, proxy] of ctx.state.proxies ?? []) {
    const service = ctx.state.plan!.services.find((s) => s.instance === instance)!
    const names = new Set([instance, service.service, service.version ?? service.service])
    const mine = rules
      .filter((rule) => rule.target === undefined || names.has(rule.target))
      .map(({ target: _target, ...rule }) => rule)
    proxy.setFaults(mine)
  }
}

/** Series per target, and the latency distributions the judge saw, into the rehearsal's record. */
export async function recordTelemetry(ctx: StepContext): Promise<void> {
  const { load, proxies, judgedFromMs, judgedToMs } = ctx.state.telemetry!
  // What each proxy saw, with the causes of failures the services never answered (a 502 the
  // proxy made up says why here: refused, reset, timeout).
  for (const target of proxies.targets()) {
    const totals = proxies.totals(target)
    if (totals) {
      ctx.events.emit('proxy.totals', {
        target,
        requests: totals.requests,
        errors: totals.errors,
        byStatusClass: totals.byStatusClass,
        byCause: totals.byCause,
        ...(totals.latencyMs ? { latencyMs: totals.latencyMs } : {}),
      })
    }
  }
  const series = SERIES.flatMap((metric) => extractSeries(load, { metric }))
  await ctx.store.writeSeries(
    series.map((s) => ({
      rehearsalId: ctx.rehearsalId,
      metric: s.metric,
      target: s.target,
      route: s.route ?? null,
      points: s.points,
    })),
  )
  for (const target of load.targets()) {
    for (const route of [undefined, ...load.routes(target)]) {
      const d = load.distribution(target, { ...(route ? { route } : {}), fromMs: judgedFromMs, toMs: judgedToMs })
      ctx.events.emit('telemetry.distribution', {
        target,
        route: route ?? null,
        unit: 'ms',
        requests: d.requests,
        errors: d.errors,
        values: Array.from(d.values),
        counts: Array.from(d.counts),
      })
    }
  }
}
