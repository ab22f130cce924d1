/**
 * @module rehearsal/rejudge
 * `rehearse rejudge <id>`: the analysis and the gates of a stored rehearsal worked out again with
 * the spec as it is now (new tolerances, metrics, SLO objectives, gates), from its event log
 * alone: the latency distributions and error counts it recorded, its SLIs, its smoke results.
 * The new verdict is recorded as a `rehearsal.rejudged` event; the original verdict stays as it
 * was, so the audit trail shows both.
 */
import { toSloObjective } from '../analysis/analysis-schema.ts'
import { judgeCanary } from '../analysis/canary-judge.ts'
import type { Sli, SliPoint } from '../analysis/types.ts'
import type { RehearsalEvent } from '../core/types.ts'
import type { CanaryEvidence } from '../gates/canary-gate.ts'
import { type Decision, decideVerdict } from '../gates/decide-verdict.ts'
import { evaluateGates } from '../gates/evaluate-gates.ts'
import type { GateOutcome } from '../gates/gate.ts'
import type { Store } from '../store/store.ts'
import { EventLog } from './event-log.ts'
import { canaryInputs, type DistributionEvent, recordedSource } from './evidence.ts'
import { loadRehearsalSpec } from './rehearsal-spec.ts'
import { gateContextFromEvents } from './replay-gates.ts'
import { judgeSlo, type SloEvidence } from './steps/analyze-step.ts'

type SliEvent = {
  name: string
  kind: Sli['kind']
  thresholdMs: number | null
  route: string | null
  durationMs: number
  candidate: SliPoint[]
  baseline: SliPoint[]
}

export type RejudgeOutcome = Decision & { id: string; previous: string | null; gates: GateOutcome[] }

const of = <T>(events: readonly RehearsalEvent[], type: string) =>
  events.filter((e) => e.type === type).map((e) => e.data as T)

export async function rejudgeRehearsal(options: {
  store: Store
  cwd: string
  file?: string | undefined
  id: string
  signal: AbortSignal
}): Promise<RejudgeOutcome> {
  const { store } = options
  const record = await store.findRehearsal(options.id)
  const loaded = loadRehearsalSpec(options.cwd, options.file)
  const spec = loaded.spec
  const events = await store.readEvents(record.id)
  const context = gateContextFromEvents(events, {
    rehearsalId: record.id,
    project: spec.name,
    dir: loaded.dir,
    approvals: await store.listApprovals(record.id),
  })
  const evidence: Record<string, unknown> = { ...context.evidence }

  const distributions = of<DistributionEvent>(events, 'telemetry.distribution')
  if (distributions.length) {
    const inputs = canaryInputs(spec.analysis, recordedSource(distributions), true)
    const { state: _state, ...judgement } = judgeCanary(inputs.config, inputs.data)
    evidence['canary'] = { judgement, breakdown: inputs.breakdown } satisfies CanaryEvidence
  }

  const slis = of<SliEvent>(events, 'analysis.sli')
  if (slis.length || spec.slos) {
    const slo: SloEvidence = { judgements: [], notJudged: [] }
    for (const [name, sloSpec] of Object.entries(spec.slos ?? {})) {
      const { objective, kind } = toSloObjective(name, sloSpec)
      const recorded = slis.find(
        (s) =>
          s.name === name &&
          s.kind === kind &&
          (s.thresholdMs ?? undefined) === objective.thresholdMs &&
          (s.route ?? undefined) === sloSpec.route,
      )
      if (!recorded) {
        slo.notJudged.push(
          `${name}: the rehearsal recorded no ${kind} SLI with this threshold and route; run it again to judge it`,
        )
        continue
      }
      const sli = (points: SliPoint[]): Sli => ({ kind, points })
      slo.judgements.push(
        judgeSlo(
          { objective, candidate: sli(recorded.candidate), baseline: sli(recorded.baseline) },
          spec.analysis?.alpha,
          recorded.durationMs,
          spec.slos ?? {},
        ),
      )
    }
    evidence['slo'] = slo
  }

  const gates = await evaluateGates(spec.gates, { ...context, evidence }, options.signal)
  const crash = of<GateOutcome>(events, 'gate.evaluated').find((g) => g.kind === 'health' && g.status === 'fail')
  const all = crash ? [crash, ...gates] : gates
  const decision = decideVerdict(all)
  const log = new EventLog(store, record.id)
  log.emit('rehearsal.rejudged', { ...decision, gates: all, specHash: loaded.hash, previous: record.verdict })
  await log.flush()
  return { id: record.id, previous: record.verdict, gates: all, ...decision }
}
