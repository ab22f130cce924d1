/**
 * @module rehearsal/report/render-junit
 * The rehearsal as JUnit XML, for CI systems that show test results: one `<testsuite name="rehearse">`
 * with a test case for the verdict, each step, each gate, each canary metric and each SLO.
 *
 * Mapping: a failed gate, metric or SLO is a `<failure>` (its reasons or sentence as message and
 * body); a failed step is an `<error>` (the rehearsal itself broke); pending gates, metrics with no
 * data or insufficient evidence, inconclusive SLOs, muted metrics and steps not run are `<skipped>`
 * with the reason. A gate that warns passes here with its reasons in `<system-out>`; the verdict
 * case fails on hold or rollback, so the suite fails exactly when `rehearse run` exits non-zero.
 */
import { percent, signedPercent } from '../../analysis/explain-format.ts'
import type { ReportInput } from './report-input.ts'
import { buildReportModel, type ReportModel } from './report-model.ts'

type Result =
  | { kind: 'pass' }
  | { kind: 'failure' | 'error'; type: string; message: string; body: string }
  | { kind: 'skipped'; message: string }

type TestCase = { classname: string; name: string; seconds: number; result: Result; out?: string }

/** Renders valid JUnit XML (UTF-8, XML 1.0: characters XML cannot hold are written as `\uXXXX`). */
export function renderJunit(input: ReportInput): string {
  const model = buildReportModel(input)
  const cases = [
    verdictCase(model),
    ...stepCases(model),
    ...gateCases(model),
    ...metricCases(model),
    ...sloCases(model),
  ]
  const count = (kind: Result['kind']) => cases.filter((c) => c.result.kind === kind).length
  const ended = model.finishedAt ? Date.parse(model.finishedAt) : Number.NaN
  const seconds = Number.isFinite(ended) ? Math.max(0, (ended - Date.parse(model.createdAt)) / 1000) : 0
  const properties: [string, string][] = [
    ['rehearsal', model.id],
    ['project', model.project],
    ['outcome', model.outcome],
    ['exitCode', model.exitCode === null ? '' : String(model.exitCode)],
    ['summary', model.summary ?? ''],
    ...(model.canary?.score != null ? [['canaryScore', String(model.canary.score)] as [string, string]] : []),
  ]
  const totals = `tests="${cases.length}" failures="${count('failure')}" errors="${count('error')}" skipped="${count('skipped')}" time="${seconds.toFixed(3)}"`
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rehearse" ${totals}>`,
    `  <testsuite name="rehearse" ${totals} timestamp="${attr(model.createdAt.replace(/Z$/, ''))}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
    ...cases.map(renderCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ]
  return lines.join('\n')
}

function renderCase(c: TestCase): string {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${c.seconds.toFixed(3)}"`
  const parts: string[] = []
  const r = c.result
  if (r.kind === 'failure' || r.kind === 'error') {
    parts.push(`      <${r.kind} message="${attr(r.message)}" type="${attr(r.type)}">${text(r.body)}</${r.kind}>`)
  } else if (r.kind === 'skipped') {
    parts.push(`      <skipped message="${attr(r.message)}"/>`)
  }
  if (c.out) parts.push(`      <system-out>${text(c.out)}</system-out>`)
  return parts.length ? `${open}>\n${parts.join('\n')}\n    </testcase>` : `${open}/>`
}

function verdictCase(model: ReportModel): TestCase {
  const summary = model.summary ?? model.failure?.message ?? ''
  const base = { classname: 'rehearse', name: 'verdict', seconds: 0 }
  switch (model.outcome) {
    case 'promote':
      return { ...base, result: { kind: 'pass' }, out: summary }
    case 'hold':
    case 'rollback':
      return { ...base, result: { kind: 'failure', type: model.outcome, message: summary, body: summary } }
    case 'running':
      return { ...base, result: { kind: 'skipped', message: 'the rehearsal is still running: no verdict yet' } }
    default: {
      const f = model.failure
      const body = f
        ? `step ${f.step} failed${f.code ? ` [${f.code}]` : ''}: ${f.message}${f.hint ? `\nhint: ${f.hint}` : ''}`
        : summary
      return { ...base, result: { kind: 'error', type: model.outcome, message: summary || body, body } }
    }
  }
}

function stepCases(model: ReportModel): TestCase[] {
  return model.steps.map((s) => {
    const base = { classname: 'rehearse.step', name: s.name, seconds: (s.ms ?? 0) / 1000 }
    switch (s.status) {
      case 'passed':
        return { ...base, result: { kind: 'pass' } }
      case 'failed':
        return {
          ...base,
          result: { kind: 'error', type: 'step-failed', message: s.detail ?? 'the step failed', body: s.detail ?? '' },
        }
      case 'skipped':
        return { ...base, result: { kind: 'skipped', message: `skipped: ${s.detail ?? 'not needed by this spec'}` } }
      case 'not run':
        return { ...base, result: { kind: 'skipped', message: 'not run: the rehearsal stopped before this step' } }
      default:
        return {
          ...base,
          result: {
            kind: 'error',
            type: 'step-unfinished',
            message: `the step did not finish (${s.status})`,
            body: '',
          },
        }
    }
  })
}

function gateCases(model: ReportModel): TestCase[] {
  return model.gates.map((g) => {
    const base = { classname: 'rehearse.gate', name: g.kind, seconds: 0 }
    const reasons = g.reasons.join('\n')
    switch (g.status) {
      case 'pass':
        return { ...base, result: { kind: 'pass' }, ...(reasons ? { out: reasons } : {}) }
      case 'warn':
        return {
          ...base,
          result: { kind: 'pass' },
          out: `warning (the verdict holds for a person to look):\n${reasons}`,
        }
      case 'fail':
        return {
          ...base,
          result: {
            kind: 'failure',
            type: g.critical ? 'critical-gate' : 'gate',
            message: g.reasons[0] ?? 'the gate failed',
            body: reasons,
          },
        }
      default:
        return {
          ...base,
          result: { kind: 'skipped', message: `pending: ${g.reasons[0] ?? 'the gate has not decided yet'}` },
        }
    }
  })
}

function metricCases(model: ReportModel): TestCase[] {
  return (model.canary?.metrics ?? []).map((m) => {
    const base = { classname: 'rehearse.canary', name: m.route ? `${m.label} [${m.route}]` : m.label, seconds: 0 }
    const effect = m.effect
      ? `effect ${Number.isFinite(m.effect.estimate) ? signedPercent(m.effect.estimate) : 'from 0'} (${(m.effect.interval.level * 100).toFixed(0)}% CI ${bound(m.effect.interval.lower)} to ${bound(m.effect.interval.upper)})`
      : 'no effect estimate'
    const body = [
      m.sentence,
      effect,
      m.tolerance === null ? '' : `tolerance ${percent(m.tolerance)}`,
      m.test ? `test: ${m.test}` : '',
    ]
      .filter(Boolean)
      .join('\n')
    if (m.muted && m.outcome !== 'pass')
      return { ...base, result: { kind: 'skipped', message: `muted (${m.outcome}): ${m.sentence}` } }
    if (m.outcome === 'pass') return { ...base, result: { kind: 'pass' }, out: body }
    if (m.outcome === 'high' || m.outcome === 'low') {
      return {
        ...base,
        result: { kind: 'failure', type: m.critical ? `critical-${m.outcome}` : m.outcome, message: m.sentence, body },
      }
    }
    return { ...base, result: { kind: 'skipped', message: `${m.outcome}: ${m.sentence}` } }
  })
}

function bound(value: number): string {
  return Number.isFinite(value) ? signedPercent(value) : value > 0 ? '+∞' : '−∞'
}

function sloCases(model: ReportModel): TestCase[] {
  return model.slos.map((s) => {
    const base = { classname: 'rehearse.slo', name: s.name, seconds: 0 }
    if (s.status === 'pass') return { ...base, result: { kind: 'pass' }, out: s.sentence }
    if (s.status === 'fail')
      return { ...base, result: { kind: 'failure', type: 'slo', message: s.sentence, body: s.sentence } }
    return { ...base, result: { kind: 'skipped', message: `${s.status}: ${s.sentence}` } }
  })
}

/** Characters XML 1.0 cannot hold at all: C0 controls but tab/newline/CR, U+FFFE/U+FFFF, lone surrogates. */
const NOT_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to replace
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function xmlSafe(value: string): string {
  return value.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Element text. */
function text(value: string): string {
  return xmlSafe(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}

/** A double-quoted attribute value; line breaks and tabs kept as character references. */
function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')
}
