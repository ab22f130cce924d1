/**
 * @module rehearsal/steps/replay-step
 * The spec's `replay:` as a traffic source: the capture is replayed at the baseline, the second
 * baseline (when the spec has `diff:`) and the candidate, every request to all of them at the same
 * moment. Their answers go into the three-way response diff (`analysis.diff`, the `diff` gate's
 * evidence). Without a `traffic:` section the replayed requests are also what the canary judge
 * and the SLOs look at. `replayWithDiff` is the same wiring for `rehearse replay`.
 */
import {
  createResponseDiff,
  type DiffResponse,
  diffBodyOf,
  type ResponseDiffConfig,
  type ResponseDiffResult,
} from '../../analysis/response-diff.ts'
import type { SampleSink } from '../../core/types.ts'
import { formatDuration } from '../../core/units.ts'
import { SampleAggregator } from '../../telemetry/sample-aggregator.ts'
import type { ObservedResponse } from '../../traffic/replay/observed-response.ts'
import type { ReplayObservation, ReplayOptions, ReplayResult } from '../../traffic/replay/replay.ts'
import { replayOptionsOf } from '../../traffic/replay/replay-schema.ts'
import { runReplay } from '../../traffic/replay/run-replay.ts'
import { urlOf } from '../plan-environment.ts'
import type { Step, StepContext } from '../step.ts'
import { recordTelemetry } from './traffic-step.ts'

/** The target names the three-way diff reads its three answers from. */
export const DIFF_ROLES = { primary: 'baseline', secondary: 'secondary', candidate: 'candidate' } as const

/** The instance of the second baseline (`api@baseline-2`) planned when the spec has `diff:`. */
export function secondaryInstance(service: string): string {
  return `${service}@baseline-2`
}

/** One answer as the diff takes it: JSON when it parses, text otherwise. */
export function toDiffResponse(response: ObservedResponse): DiffResponse {
  const contentType = response.headers['content-type']
  const body =
    response.text === undefined
      ? undefined
      : diffBodyOf(Array.isArray(contentType) ? contentType[0] : contentType, response.text)
  return { status: response.status, headers: response.headers, ...(body ? { body } : {}) }
}

export type ReplayWithDiff = { replay: ReplayResult; diff?: ResponseDiffResult }

/**
 * Replays `file` at the targets. When they include `baseline`, `secondary` and `candidate`, every
 * request's three answers go into the three-way diff (with `diff` as its settings).
 */
export async function replayWithDiff(
  file: string,
  options: Omit<ReplayOptions, 'onObservation'> & { diff?: ResponseDiffConfig },
): Promise<ReplayWithDiff> {
  const names = new Set(options.targets.map((t) => t.name))
  const compare = Object.values(DIFF_ROLES).every((role) => names.has(role))
  const { diff: config, ...replayOptions } = options
  const diff = compare ? createResponseDiff(config ?? {}, { nowMs: Date.now() }) : undefined
  const onObservation = diff
    ? (o: ReplayObservation) =>
        diff.add({
          endpoint: o.route,
          requestId: o.id,
          primary: toDiffResponse(o.responses[DIFF_ROLES.primary]!),
          secondary: toDiffResponse(o.responses[DIFF_ROLES.secondary]!),
          candidate: toDiffResponse(o.responses[DIFF_ROLES.candidate]!),
        })
    : undefined
  const replay = await runReplay(file, { ...replayOptions, ...(onObservation ? { onObservation } : {}) })
  return { replay, ...(diff ? { diff: diff.result() } : {}) }
}

/** Where the second baseline of the target service answers (its proxy when it has one). */
function secondaryUrl(ctx: StepContext, service: string): string | undefined {
  const instance = secondaryInstance(service)
  return ctx.state.proxies?.get(instance)?.url ?? urlOf(ctx.state.plan!, instance)
}

export const replayStep: Step = {
  name: 'replay',
  skip: (ctx) => (ctx.spec.replay ? undefined : 'the spec has no replay section'),
  async run(ctx, signal) {
    const spec = ctx.spec.replay!
    const { file, ...options } = replayOptionsOf(spec, ctx.loaded.dir)
    const targets = ctx.state.targets!
    const urls = targets.proxied ?? targets.urls
    const secondary = ctx.spec.diff ? secondaryUrl(ctx, targets.service) : undefined
    const replayTargets = [
      { name: DIFF_ROLES.primary, url: urls['baseline']! },
      ...(secondary ? [{ name: DIFF_ROLES.secondary, url: secondary }] : []),
      { name: DIFF_ROLES.candidate, url: urls['candidate']! },
    ]
    // Alone, the replay is the traffic the canary judges; beside a scenario, it feeds the diff only.
    const judged = ctx.spec.traffic === undefined
    ctx.state.telemetry ??= {
      load: new SampleAggregator(),
      proxies: new SampleAggregator(),
      judgedFromMs: 0,
      judgedToMs: 0,
    }
    const telemetry = ctx.state.telemetry
    const sink: SampleSink = judged
      ? {
          record(sample) {
            if (sample.target !== DIFF_ROLES.secondary) telemetry.load.record(sample)
          },
        }
      : { record() {} }
    ctx.events.emit('replay.started', {
      file,
      targets: replayTargets,
      timing: options.timing,
      diff: secondary !== undefined,
    })
    const startedAt = Date.now()
    const { replay, diff } = await replayWithDiff(file, {
      ...options,
      targets: replayTargets,
      ...(ctx.spec.diff ? { diff: ctx.spec.diff } : {}),
      sink,
      signal,
      logger: ctx.logger,
      onProgress: (p) => {
        const line = `replay ${formatDuration(p.elapsedMs)}/${formatDuration(p.totalMs)} · ${p.sent}/${p.total} sent · ${p.inFlight} in flight`
        ctx.events.emit('traffic.progress', { line, elapsedMs: p.elapsedMs })
      },
    })
    ctx.events.emit('replay.finished', { result: replay })
    if (diff) {
      ctx.state.evidence['diff'] = diff
      ctx.events.emit('analysis.diff', diff)
    }
    if (judged) {
      telemetry.judgedFromMs = startedAt
      telemetry.judgedToMs = Date.now() + 1
      await recordTelemetry(ctx)
    }
  },
}
