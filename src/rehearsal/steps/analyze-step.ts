/**
 * @module rehearsal/steps/analyze-step
 * The final judgement of the candidate: the canary judge over the judged window (every metric,
 * overall and per route) and every SLO, each recorded as an event with its explanation.
 */

import { type SloSpec, toSloObjective } from '../../analysis/analysis-schema.ts'
import { judgeCanary } from '../../analysis/canary-judge.ts'
import { evaluateSlo } from '../../analysis/slo.ts'
import type { SloJudgement } from '../../analysis/types.ts'
import type { CanaryEvidence } from '../../gates/canary-gate.ts'
import { aggregatorSource, canaryInputs, type SloInput, sloInputs } from '../evidence.ts'
import type { Step } from '../step.ts'

export type SloEvidence = { judgements: SloJudgement[]; notJudged: string[] }

export const analyzeStep: Step = {
  name: 'analyze',
  skip: (ctx) => (ctx.spec.traffic || ctx.spec.replay ? undefined : 'no traffic ran, so there is nothing to compare'),
  async run(ctx) {
    const telemetry = ctx.state.telemetry!
    const window = { fromMs: telemetry.judgedFromMs, toMs: telemetry.judgedToMs }
    const inputs = canaryInputs(ctx.spec.analysis, aggregatorSource(telemetry.load, window), true)
    const judgement = judgeCanary(inputs.config, inputs.data)
    const { state: _state, ...recorded } = judgement
    const evidence: CanaryEvidence = { judgement: recorded, breakdown: inputs.breakdown }
    ctx.state.evidence['canary'] = evidence
    ctx.events.emit('analysis.canary', { ...evidence, look: 0, final: true })

    const slos = ctx.spec.slos ?? {}
    const inputs2 = sloInputs(slos, telemetry.load, window)
    for (const input of inputs2) {
      // The SLIs themselves, so that `rehearse rejudge` can judge them again against new objectives.
      ctx.events.emit('analysis.sli', {
        name: input.objective.name,
        kind: input.candidate.kind,
        thresholdMs: input.objective.thresholdMs ?? null,
        route: slos[input.objective.name]?.route ?? null,
        durationMs: window.toMs - window.fromMs,
        candidate: input.candidate.points,
        baseline: input.baseline.points,
      })
    }
    const judgements = inputs2.map((input) =>
      judgeSlo(input, ctx.spec.analysis?.alpha, window.toMs - window.fromMs, slos),
    )
    const notJudged = Object.entries(slos)
      .filter(([name, spec]) => toSloObjective(name, spec).kind === 'custom')
      .map(([name]) => `${name}: custom SLOs read a metric provider's series, which this rehearsal does not query`)
    const slo: SloEvidence = { judgements, notJudged }
    ctx.state.evidence['slo'] = slo
    ctx.events.emit('analysis.slo', slo)
  },
}

/** One SLO's judgement (the run and `rehearse rejudge` judge alike). */
export function judgeSlo(
  input: SloInput,
  alpha: number | undefined,
  durationMs: number,
  slos: Record<string, SloSpec>,
): SloJudgement {
  return evaluateSlo(input.objective, input.candidate, input.baseline, {
    alpha: alpha ?? 0.05,
    durationMs,
    ...windowsOf(slos[input.objective.name]),
  })
}

function windowsOf(spec: Parameters<typeof toSloObjective>[1] | undefined) {
  if (!spec) return {}
  const { windows } = toSloObjective('slo', spec)
  return windows ? { windows } : {}
}
