/**
 * @module rehearsal/report/judgement-sections
 * The parts of the report that judge: the verdict banner, the gates, the canary metric table and
 * the SLOs. Each metric row carries the judge's own sentence, so the report explains itself.
 */
import {
  attainmentPercent,
  ciLabel,
  count,
  percent,
  pValueText,
  quantity,
  rateText,
  relativeInterval,
  signedPercent,
} from '../../analysis/explain-format.ts'
import type { SideSummary } from '../../analysis/types.ts'
import { escapeHtml } from './html-escape.ts'
import type { MetricView, SloSideView } from './judgement-views.ts'
import { badge, formatDuration, formatNumber, formatTime, reasonList, section, table, toneOf } from './report-format.ts'
import type { Outcome, ReportModel } from './report-model.ts'

/** What each outcome means, after the verdict word. */
const HEADLINES: Record<Outcome, string> = {
  promote: 'the candidate may go to production',
  hold: 'a person should look before promoting',
  rollback: 'the candidate failed a gate',
  failed: 'the rehearsal could not finish',
  interrupted: 'the rehearsal was stopped before a verdict',
  running: 'no verdict yet',
}

export function headerSection(model: ReportModel): string {
  const ended = model.finishedAt ? Date.parse(model.finishedAt) : Number.NaN
  const duration = Number.isFinite(ended) ? ended - Date.parse(model.createdAt) : null
  const failure = model.failure
  const meta: [string, string][] = [
    ['Project', escapeHtml(model.project)],
    ['Rehearsal', `<code>${escapeHtml(model.id)}</code>`],
    ['Status', escapeHtml(model.status)],
    ['Started', formatTime(model.createdAt)],
    ['Finished', formatTime(model.finishedAt)],
    ['Duration', formatDuration(duration)],
    ['Exit code', model.exitCode === null ? '—' : escapeHtml(model.exitCode)],
    [
      'Spec',
      model.specHash
        ? `<code title="${escapeHtml(model.specHash)}">${escapeHtml(model.specHash.slice(0, 12))}</code>`
        : '—',
    ],
  ]
  if (model.canary?.score !== null && model.canary?.score !== undefined) {
    meta.push(['Canary score', `${escapeHtml(formatNumber(model.canary.score, 1))} / 100`])
  }
  return `<header class="banner tone-${toneOf(model.outcome)}" id="verdict">
<p class="eyebrow">Rehearsal report · ${escapeHtml(model.project)}</p>
<h1><span class="verdict-word">${escapeHtml(model.outcome.toUpperCase())}</span> <span class="headline">${escapeHtml(HEADLINES[model.outcome])}</span></h1>
${model.summary ? `<p class="summary">${escapeHtml(model.summary)}</p>` : ''}
${
  failure
    ? `<p class="failure"><strong>Step ${escapeHtml(failure.step)} failed${failure.code ? ` [${escapeHtml(failure.code)}]` : ''}:</strong> ${escapeHtml(failure.message)}${failure.hint ? `<br><span class="hint">hint: ${escapeHtml(failure.hint)}</span>` : ''}</p>`
    : ''
}
</header>
<dl class="meta">${meta.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`
}

export function gatesSection(model: ReportModel): string {
  const rows = model.gates.map((g) => [
    `<strong>${escapeHtml(g.kind)}</strong>${g.critical ? ' <span class="tag">critical</span>' : ''}`,
    badge(g.status),
    reasonList(g.reasons),
  ])
  return section(
    'gates',
    'Gates',
    rows.length ? table(['Gate', 'Status', 'Reasons'], rows, 'gates') : '',
    model.outcome === 'failed' || model.outcome === 'interrupted'
      ? 'No gate was evaluated: the rehearsal stopped before the gates step.'
      : 'No gate was evaluated.',
  )
}

export function canarySection(model: ReportModel): string {
  const canary = model.canary
  if (!canary) return section('canary', 'Canary analysis', '', 'The canary judge did not run in this rehearsal.')
  const score =
    canary.score === null
      ? 'no score'
      : `score <strong>${escapeHtml(formatNumber(canary.score, 1))}</strong> / 100${
          canary.thresholds
            ? ` (pass ≥ ${escapeHtml(canary.thresholds.pass)}, marginal ≥ ${escapeHtml(canary.thresholds.marginal)})`
            : ''
        }`
  const look = canary.final
    ? ' · final look'
    : ` · ${canary.look === null ? 'not the final look' : `look ${escapeHtml(canary.look)}, not the final one`}`
  const srm = canary.srm?.mismatch
    ? `<p class="callout tone-bad">Sample-ratio mismatch: baseline got ${escapeHtml(count(canary.srm.baseline ?? 0))} requests, candidate ${escapeHtml(count(canary.srm.candidate ?? 0))}. The split is not what was asked for, so the comparison itself is suspect.</p>`
    : ''
  const rows = canary.metrics.map((m) => [
    `<strong>${escapeHtml(m.label)}</strong>${m.critical ? ' <span class="tag">critical</span>' : ''}${m.muted ? ' <span class="tag">muted</span>' : ''}${m.breakdown ? ' <span class="tag" title="one route of a metric also judged over all routes">per route</span>' : ''}<br><small class="muted">${escapeHtml(m.kind)}, ${escapeHtml(m.direction)}${m.tolerance === null ? '' : `, tolerance ${escapeHtml(percent(m.tolerance))}`}</small>`,
    m.route ? `<code>${escapeHtml(m.route)}</code>` : '<span class="muted">all</span>',
    sideFigures(m, m.baseline),
    sideFigures(m, m.candidate),
    effectCell(m),
    badge(m.outcome, m.muted ? 'neutral' : toneOf(m.outcome)),
    `${escapeHtml(m.sentence)}${statistics(m)}`,
  ])
  return section(
    'canary',
    'Canary analysis',
    `<p class="lead">${badge(canary.verdict)} ${score}${look} · mode ${escapeHtml(canary.mode)}</p>
${canary.summary ? `<p>${escapeHtml(canary.summary)}</p>` : ''}
${srm}
${table(['Metric', 'Route', 'Baseline', 'Candidate', 'Effect', 'Outcome', 'Explanation'], rows, 'metrics')}`,
  )
}

/** The test and its corrected p-value, unless the sentence already names them. */
function statistics(m: MetricView): string {
  const parts: string[] = []
  if (m.test && !m.sentence.includes(m.test)) parts.push(m.test)
  if (m.adjustedPValue !== null) parts.push(`adjusted ${pValueText(m.adjustedPValue)}`)
  return parts.length ? `<br><small class="muted">${escapeHtml(parts.join(' · '))}</small>` : ''
}

function sideFigures(m: MetricView, s: SideSummary): string {
  if (m.kind === 'rate') {
    if (s.events !== undefined && s.trials !== undefined) return escapeHtml(rateText(s.events, s.trials))
    return s.rate === undefined ? '—' : escapeHtml(percent(s.rate))
  }
  const parts: string[] = []
  if (m.kind === 'quantile' && s.quantile !== undefined) {
    parts.push(`p${Math.round((m.quantile ?? 0.99) * 1000) / 10} ${quantity(s.quantile, m.unit)}`)
  } else {
    if (s.median !== undefined) parts.push(`median ${quantity(s.median, m.unit)}`)
    if (s.p99 !== undefined) parts.push(`p99 ${quantity(s.p99, m.unit)}`)
  }
  if (s.n > 0) parts.push(`n = ${count(s.n)}`)
  return parts.length ? parts.map(escapeHtml).join('<br>') : '<span class="muted">no data</span>'
}

function effectCell(m: MetricView): string {
  if (!m.effect) return '<span class="muted">—</span>'
  const { estimate, interval } = m.effect
  const main = Number.isFinite(estimate) ? signedPercent(estimate) : 'from 0'
  return `<strong>${escapeHtml(main)}</strong><br><small>${escapeHtml(relativeInterval(interval, 'change'))}</small>`
}

export function sloSection(model: ReportModel): string {
  const rows = model.slos.map((s) => [
    `<strong>${escapeHtml(s.name)}</strong>`,
    s.objective === null ? '—' : escapeHtml(attainmentPercent(s.objective)),
    sloSide(s.candidate),
    sloSide(s.baseline),
    s.candidate?.burnRate == null
      ? '—'
      : `${escapeHtml(formatNumber(s.candidate.burnRate, 2))}×${
          s.candidate.budgetUsed == null
            ? ''
            : `<br><small class="muted">${escapeHtml(percent(s.candidate.budgetUsed))} of budget</small>`
        }${s.firing.length ? `<br><small>would alert: ${escapeHtml(s.firing.join(', '))}</small>` : ''}`,
    badge(s.status),
    escapeHtml(s.sentence),
  ])
  return section(
    'slos',
    'SLOs',
    `${rows.length ? table(['SLO', 'Objective', 'Candidate', 'Baseline', 'Burn rate', 'Status', 'Explanation'], rows, 'slos') : ''}${
      model.slosNotJudged.length
        ? `<p class="muted">Not judged:</p><ul class="reasons">${model.slosNotJudged.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
        : ''
    }`,
    'No SLO was judged in this rehearsal.',
  )
}

function sloSide(side: SloSideView | null): string {
  if (!side || side.attainment === null) return '<span class="muted">—</span>'
  const interval = side.interval
    ? `<br><small class="muted">${escapeHtml(ciLabel(side.interval.level))} ${escapeHtml(attainmentPercent(side.interval.lower))}–${escapeHtml(attainmentPercent(side.interval.upper))}</small>`
    : ''
  const counts =
    side.good !== null && side.valid !== null
      ? `<br><small class="muted">${escapeHtml(count(side.good))} of ${escapeHtml(count(side.valid))} good</small>`
      : ''
  return `${escapeHtml(attainmentPercent(side.attainment))}${interval}${counts}`
}
