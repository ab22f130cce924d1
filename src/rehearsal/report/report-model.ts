/**
 * @module rehearsal/report/report-model
 * Reads a rehearsal's event log into the one view the HTML report and the JUnit file are rendered
 * from. Tolerant by design: a run that failed at provisioning has a record, a few step events and
 * nothing else, and still gets a report that says where it stopped.
 */
import type { GateOutcome, SmokeResult } from '../../gates/gate.ts'
import type { StoredSeries } from '../../store/store.ts'
import type { LoadResult } from '../../traffic/load/load-plan.ts'
import { type CanaryView, canaryView, type SloView, slosNotJudged, sloViews } from './judgement-views.ts'
import {
  bool,
  finite,
  isObject,
  type Json,
  list,
  numbers,
  objectOr,
  stripAnsi,
  text,
  texts,
} from './payload-readers.ts'
import type { ReportInput } from './report-input.ts'

export type StepStatus = 'passed' | 'failed' | 'skipped' | 'running' | 'unfinished' | 'not run'

export type StepView = {
  name: string
  status: StepStatus
  startedAt: number | null
  finishedAt: number | null
  ms: number | null
  /** The error message of a failed step, or why it was skipped. */
  detail: string | null
}

export type InstanceView = {
  instance: string
  version: string | null
  port: number | null
  cwd: string
  readyMs: number | null
}

export type CrashView = { instance: string; exitCode: number | null; signal: string | null; lastLines: string[] }

export type PhaseView = {
  name: string
  index: number
  at: number
  durationMs: number
  rate: number | null
  rampTo: number | null
  faults: number
  /** Whether the judge looked at this phase (warm-up is not); null when the log does not say. */
  judged: boolean | null
}

/** A latency histogram per side (`baseline`, `candidate`) for one route (null = all routes). */
export type DistributionView = { route: string | null; sides: Map<string, { values: number[]; counts: number[] }> }

/** How the rehearsal ended, as the banner shows it. */
export type Outcome = 'promote' | 'hold' | 'rollback' | 'failed' | 'interrupted' | 'running'

export type FailureView = { step: string; message: string; code: string | null; hint: string | null }

export type ReportModel = {
  id: string
  project: string
  status: string
  createdAt: string
  finishedAt: string | null
  specHash: string
  outcome: Outcome
  exitCode: number | null
  summary: string | null
  failure: FailureView | null
  steps: StepView[]
  instances: InstanceView[]
  crashes: CrashView[]
  smoke: SmokeResult[]
  phases: PhaseView[]
  traffic: LoadResult | null
  distributions: DistributionView[]
  canary: CanaryView | null
  slos: SloView[]
  /** SLOs that were configured but could not be judged, with why. */
  slosNotJudged: string[]
  gates: GateOutcome[]
  /** Whole-target series (`route: null`) only. */
  series: StoredSeries[]
  generatedAt: string
}

const OUTCOMES = new Set<Outcome>(['promote', 'hold', 'rollback', 'failed', 'interrupted', 'running'])

/** The report's view of one rehearsal. Never throws for a missing or malformed event. */
export function buildReportModel(input: ReportInput): ReportModel {
  const { record, events } = input
  const byType = new Map<string, Json[]>()
  for (const event of events) {
    if (!isObject(event.data)) continue
    const bucket = byType.get(event.type) ?? []
    bucket.push({ ...event.data, __at: Date.parse(event.at) })
    byType.set(event.type, bucket)
  }
  const all = (type: string): Json[] => byType.get(type) ?? []
  const last = (type: string): Json | undefined => all(type).at(-1)

  const started = last('rehearsal.started')
  const verdictEvent = last('verdict')
  const finished = last('rehearsal.finished')
  const verdict = text(verdictEvent?.['verdict']) ?? record.verdict
  const status = text(finished?.['status']) ?? record.status
  const outcome: Outcome = OUTCOMES.has(verdict as Outcome)
    ? (verdict as Outcome)
    : status === 'interrupted' || status === 'running'
      ? status
      : 'failed'

  return {
    id: record.id,
    project: record.project || text(started?.['project']) || '(unnamed project)',
    status,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    specHash: record.specHash || text(started?.['specHash']) || '',
    outcome,
    exitCode: finite(verdictEvent?.['exitCode']) ?? finite(finished?.['exitCode']) ?? record.exitCode,
    summary: text(verdictEvent?.['summary']) ?? text(finished?.['summary']) ?? record.summary,
    failure: failureOf(all('step.failed')),
    steps: stepsOf(events, texts(started?.['steps']), status),
    instances: instancesOf(last('environment.planned'), all('service.ready')),
    crashes: all('service.crashed').map((c) => ({
      instance: text(c['instance']) ?? '?',
      exitCode: finite(c['exitCode']),
      signal: text(c['signal']),
      lastLines: texts(c['lastLines']).map(stripAnsi),
    })),
    smoke: all('smoke.result').map(smokeOf),
    phases: phasesOf(all('phase.started')),
    traffic: trafficOf(last('traffic.finished')),
    distributions: distributionsOf(all('telemetry.distribution')),
    canary: canaryView(all('analysis.canary'), record.spec),
    slos: sloViews(last('analysis.slo')),
    slosNotJudged: slosNotJudged(last('analysis.slo')),
    gates: gatesOf(verdictEvent, all('gate.evaluated')),
    series: input.series.filter((s) => s.route === null).map((s) => ({ ...s, points: list(s.points).filter(isPoint) })),
    generatedAt: input.generatedAt ?? new Date().toISOString(),
  }
}

function failureOf(failed: Json[]): FailureView | null {
  const first = failed.find((f) => text(f['step']) !== 'teardown') ?? failed[0]
  if (!first) return null
  const error = first['error']
  const e = objectOr(error)
  return {
    step: text(first['step']) ?? '?',
    message: text(e['message']) ?? (typeof error === 'string' ? error : 'the step failed'),
    code: text(e['code']),
    hint: text(e['hint']),
  }
}

function stepsOf(events: ReportInput['events'], planned: string[], status: string): StepView[] {
  const steps = new Map<string, StepView>()
  for (const event of events) {
    if (!event.type.startsWith('step.') || !isObject(event.data)) continue
    const name = text(event.data['step'])
    if (!name) continue
    const at = Date.parse(event.at)
    const step = steps.get(name) ?? {
      name,
      status: 'running',
      startedAt: null,
      finishedAt: null,
      ms: null,
      detail: null,
    }
    steps.set(name, step)
    if (event.type === 'step.started') step.startedAt = at
    else if (event.type === 'step.finished' || event.type === 'step.failed') {
      step.status = event.type === 'step.finished' ? 'passed' : 'failed'
      step.finishedAt = at
      step.ms = finite(event.data['ms'])
      if (event.type === 'step.failed') {
        const error = event.data['error']
        step.detail = text(objectOr(error)['message']) ?? (typeof error === 'string' ? error : null)
      }
    } else if (event.type === 'step.skipped') {
      step.status = 'skipped'
      step.startedAt = at
      step.finishedAt = at
      step.detail = text(event.data['reason'])
    }
  }
  for (const step of steps.values()) {
    if (step.status === 'running' && status !== 'running') step.status = 'unfinished'
    if (step.ms === null && step.startedAt !== null && step.finishedAt !== null)
      step.ms = step.finishedAt - step.startedAt
  }
  // The pipeline's order: the planned steps (run or not), then the others (teardown) as they came.
  const ordered = planned.map(
    (name): StepView =>
      steps.get(name) ?? { name, status: 'not run', startedAt: null, finishedAt: null, ms: null, detail: null },
  )
  return [...ordered, ...[...steps.values()].filter((s) => !planned.includes(s.name))]
}

function instancesOf(planned: Json | undefined, ready: Json[]): InstanceView[] {
  const readyMs = new Map(ready.map((r) => [text(r['instance']), finite(r['ms'])]))
  return list(planned?.['instances'])
    .filter(isObject)
    .map((i) => {
      const instance = text(i['instance']) ?? '?'
      return {
        instance,
        version: text(i['version']),
        port: finite(i['port']),
        cwd: text(i['cwd']) ?? '',
        readyMs: readyMs.get(instance) ?? null,
      }
    })
}

function smokeOf(s: Json): SmokeResult {
  const error = text(s['error'])
  return {
    version: text(s['version']) ?? '?',
    instance: text(s['instance']) ?? '?',
    method: text(s['method']) ?? '?',
    path: text(s['path']) ?? '?',
    expected: finite(s['expected']) ?? 0,
    status: finite(s['status']) ?? 0,
    ms: finite(s['ms']) ?? 0,
    ...(error ? { error } : {}),
  }
}

function phasesOf(phases: Json[]): PhaseView[] {
  const views: PhaseView[] = []
  for (const p of phases) {
    const at = finite(p['at'])
    const durationMs = finite(p['durationMs'])
    if (at === null || durationMs === null) continue
    views.push({
      name: text(p['name']) ?? `phase ${views.length + 1}`,
      index: finite(p['index']) ?? views.length,
      at,
      durationMs,
      rate: finite(p['rate']),
      rampTo: finite(p['rampTo']),
      faults: list(p['faults']).length,
      judged: typeof p['judged'] === 'boolean' ? p['judged'] : null,
    })
  }
  return views.sort((a, b) => a.at - b.at)
}

function trafficOf(event: Json | undefined): LoadResult | null {
  const result = event?.['result']
  if (!isObject(result) || !Array.isArray(result['targets'])) return null
  return { ...(result as LoadResult), targets: result['targets'].filter(isObject) as LoadResult['targets'] }
}

function distributionsOf(events: Json[]): DistributionView[] {
  const byRoute = new Map<string | null, DistributionView>()
  for (const d of events) {
    const target = text(d['target'])
    const values = numbers(d['values'])
    const counts = numbers(d['counts'])
    if (!target || !values || !counts || values.length !== counts.length) continue
    const route = text(d['route'])
    const view = byRoute.get(route) ?? { route, sides: new Map() }
    view.sides.set(target, { values, counts: counts.map((c) => Math.max(0, c)) })
    byRoute.set(route, view)
  }
  // All routes first, then the routes by name.
  return [...byRoute.values()].sort((a, b) =>
    a.route === null ? -1 : b.route === null ? 1 : a.route < b.route ? -1 : a.route > b.route ? 1 : 0,
  )
}

/** The gates the verdict was decided on; without a verdict (a run that stopped), those evaluated. */
function gatesOf(verdict: Json | undefined, evaluated: Json[]): GateOutcome[] {
  const source = verdict && Array.isArray(verdict['gates']) ? verdict['gates'].filter(isObject) : evaluated
  return source.map((g) => {
    const status = text(g['status'])
    return {
      kind: text(g['kind']) ?? '?',
      critical: bool(g['critical']),
      // An unreadable status is not a pass.
      status: status === 'pass' || status === 'warn' || status === 'fail' || status === 'pending' ? status : 'pending',
      reasons: texts(g['reasons']).map(stripAnsi),
      ...(g['details'] === undefined ? {} : { details: g['details'] }),
    }
  })
}

/** A stored point with a finite time and value (the store keeps non-finite values as null). */
function isPoint(p: unknown): p is [number, number] {
  return Array.isArray(p) && finite(p[0]) !== null && finite(p[1]) !== null
}
