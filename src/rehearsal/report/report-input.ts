/**
 * @module rehearsal/report/report-input
 * What the rehearsal report is made from — the stored record, its event log and its stored series —
 * and the shapes of the event payloads the report reads. Types only.
 *
 * The event log is the truth: every figure in the HTML report and the JUnit file comes from these
 * events. A rehearsal that failed early has few of them, so every payload is read defensively
 * (`report-model.ts`); the types below say what a complete run writes.
 */

import type { CanaryJudgement, SloJudgement } from '../../analysis/types.ts'
import type { RehearsalEvent } from '../../core/types.ts'
import type { GateOutcome, SmokeResult } from '../../gates/gate.ts'
import type { RehearsalRecord, StoredSeries } from '../../store/store.ts'
import type { LoadResult } from '../../traffic/load/load-plan.ts'

/** Everything `renderReport` and `renderJunit` need; `buildReport` reads it from the store. */
export type ReportInput = {
  record: RehearsalRecord
  /** The rehearsal's events in `seq` order (only the types in `REPORT_EVENT_TYPES` are read). */
  events: RehearsalEvent[]
  /** Stored series of the rehearsal; only whole-target series (`route: null`) are charted. */
  series: StoredSeries[]
  /** When the report was made (ISO); shown in the footer. Default: now. */
  generatedAt?: string
}

/** `rehearsal.started` */
export type RehearsalStartedData = { project: string; specHash: string; steps: string[] }

/** One instance of `environment.planned`; `version` is null for a service shared by both sides. */
export type PlannedInstance = { instance: string; version: string | null; port: number; cwd: string }

/** `environment.planned` */
export type EnvironmentPlannedData = { instances: PlannedInstance[] }

/** `service.ready` */
export type ServiceReadyData = { instance: string; ms: number }

/** `service.crashed` */
export type ServiceCrashedData = {
  instance: string
  exitCode: number | null
  signal: string | null
  lastLines: string[]
}

/** `smoke.result` */
export type SmokeResultData = SmokeResult

/** `phase.started`: one traffic phase; `at` is epoch ms. */
export type PhaseStartedData = {
  name: string
  index: number
  at: number
  durationMs: number
  rate: number
  rampTo?: number
  faults: unknown[]
}

/** `traffic.finished` */
export type TrafficFinishedData = { result: LoadResult }

/** `telemetry.distribution`: a latency histogram as (value, count) buckets; `route: null` is all routes. */
export type TelemetryDistributionData = {
  target: 'baseline' | 'candidate'
  route: string | null
  unit: 'ms'
  values: number[]
  counts: number[]
}

/** `analysis.canary`: one look of the judge; the report uses the `final` one, else the last. */
export type AnalysisCanaryData = { judgement: CanaryJudgement; look: number; final: boolean }

/** `analysis.slo` */
export type AnalysisSloData = { judgements: SloJudgement[] }

/** `gate.evaluated` */
export type GateEvaluatedData = GateOutcome

/** `verdict` */
export type VerdictData = { verdict: string; exitCode: number; summary: string; gates: GateOutcome[] }

/** `step.started`, `step.finished` (with `ms`), `step.failed` (with `error`), `step.skipped` (with `reason`). */
export type StepEventData = { step: string; ms?: number; error?: unknown; reason?: string }
