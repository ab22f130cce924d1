/**
 * @module rehearsal/report/run-sections
 * The parts of the report that show what happened: latency distributions, time series with the
 * traffic phases, the load generator's figures, smoke results, the steps timeline, the
 * environment and any crash with the last lines its service wrote. Chart sections return the
 * chart data for the page's script alongside their HTML.
 */
import { count, percent } from '../../analysis/explain-format.ts'
import { escapeHtml } from './html-escape.ts'
import { type ChartSpec, cdfChart, histogramQuantile, sideOrder, timeCharts } from './report-charts.ts'
import { badge, formatDuration, formatNumber, formatTime, section, table } from './report-format.ts'
import type { ReportModel } from './report-model.ts'

export type SectionWithCharts = { html: string; charts: ChartSpec[] }

/** The chart element; the page's script draws into it. */
function chartBox(id: string, label: string): string {
  return `<div class="chart" id="${escapeHtml(id)}" role="img" aria-label="${escapeHtml(label)}"></div>`
}

export function distributionSection(model: ReportModel): SectionWithCharts {
  const regressed = new Set(
    (model.canary?.metrics ?? [])
      .filter((m) => !m.muted && (m.outcome === 'high' || m.outcome === 'low'))
      .map((m) => m.route ?? ''),
  )
  const charts: ChartSpec[] = []
  const cards: string[] = []
  for (const distribution of model.distributions) {
    const chart = cdfChart(`latency-cdf-${charts.length}`, distribution)
    if (!chart) continue
    charts.push(chart)
    const name = distribution.route === null ? 'All routes' : distribution.route
    const flag = regressed.has(distribution.route ?? '') ? ' <span class="badge bad">regressed</span>' : ''
    const rows = [...distribution.sides.entries()]
      .sort(([a], [b]) => sideOrder(a, b))
      .map(([target, { values, counts }]) => [
        `<span class="swatch" data-target="${escapeHtml(target)}"></span>${escapeHtml(target)}`,
        escapeHtml(count(counts.reduce((s, c) => s + c, 0))),
        ...[0.5, 0.95, 0.99].map((q) => ms(histogramQuantile(values, counts, q))),
      ])
    cards.push(`<figure class="chart-card">
<figcaption>${distribution.route === null ? '<strong>All routes</strong>' : `<code>${escapeHtml(name)}</code>`}${flag}</figcaption>
${chartBox(chart.id, `Latency distribution (CDF) of ${name}, baseline vs candidate`)}
${table(['Side', 'Requests', 'p50', 'p95', 'p99'], rows, 'mini')}
</figure>`)
  }
  const intro = cards.length
    ? '<p class="muted">Share of requests answered within a latency (log scale). A candidate curve to the right of the baseline is slower.</p>'
    : ''
  return {
    html: section(
      'latency',
      'Latency distributions',
      cards.length ? `${intro}<div class="grid">${cards.join('\n')}</div>` : '',
      'No latency distribution was recorded (no traffic ran).',
    ),
    charts,
  }
}

export function timeSeriesSection(model: ReportModel): SectionWithCharts {
  const charts = timeCharts('timeseries', model.series, model.phases)
  const cards = charts.map(
    (c) => `<figure class="chart-card wide">
<figcaption><strong>${escapeHtml(c.title)}</strong></figcaption>
${chartBox(c.id, `${c.title} per target over time, traffic phases shaded`)}
</figure>`,
  )
  const phases = model.phases.length
    ? `<h3>Traffic phases</h3>${table(
        ['Phase', 'Started', 'Duration', 'Rate', 'Faults'],
        model.phases.map((p) => [
          `<strong>${escapeHtml(p.name)}</strong>${p.judged === false ? ' <span class="tag">not judged</span>' : ''}`,
          formatTime(p.at),
          formatDuration(p.durationMs),
          p.rate === null
            ? '—'
            : `${escapeHtml(formatNumber(p.rate, 1))}/s${p.rampTo === null ? '' : ` → ${escapeHtml(formatNumber(p.rampTo, 1))}/s`}`,
          p.faults
            ? escapeHtml(`${p.faults} fault rule${p.faults === 1 ? '' : 's'}`)
            : '<span class="muted">none</span>',
        ]),
      )}`
    : ''
  const html = `${cards.join('\n')}${phases}${trafficTable(model)}`
  return {
    html: section('timeseries', 'Traffic over time', html, 'No time series was stored (no traffic ran).'),
    charts: charts.map(({ title: _title, ...chart }) => chart),
  }
}

function trafficTable(model: ReportModel): string {
  const traffic = model.traffic
  if (!traffic) return ''
  const rows = [...traffic.targets]
    .sort((a, b) => sideOrder(String(a.name), String(b.name)))
    .map((t) => [
      `<strong>${escapeHtml(t.name)}</strong>`,
      escapeHtml(count(t.requests ?? 0)),
      `${escapeHtml(formatNumber(t.throughput, 1))}/s`,
      `${escapeHtml(count(t.errors ?? 0))} (${escapeHtml(percent(t.errorRate ?? 0))})`,
      ms(t.latencyMs?.p50 ?? null),
      ms(t.latencyMs?.p99 ?? null),
      escapeHtml(count(t.dropped ?? 0)),
    ])
  const saturation = traffic.saturation?.saturated
    ? `<p class="callout tone-warn">The load generator was saturated: ${escapeHtml((traffic.saturation.reasons ?? []).join('; '))}. Latencies include its own delay.</p>`
    : ''
  return `<h3>Load generator</h3>
<p class="muted">${escapeHtml(count(traffic.arrivals ?? 0))} arrivals over ${escapeHtml(formatDuration(traffic.durationMs ?? null))}, each sent to every target; latency measured from the intended start.</p>
${table(['Target', 'Requests', 'Throughput', 'Errors', 'p50', 'p99', 'Dropped'], rows)}${saturation}`
}

export function smokeSection(model: ReportModel): string {
  const rows = model.smoke.map((s) => {
    const ok = !s.error && s.status === s.expected
    return [
      escapeHtml(s.version),
      `<code>${escapeHtml(s.method)} ${escapeHtml(s.path)}</code>`,
      escapeHtml(s.expected),
      s.status ? escapeHtml(s.status) : '<span class="muted">no answer</span>',
      ms(s.ms),
      `${badge(ok ? 'ok' : 'fail')}${s.error ? ` ${escapeHtml(s.error)}` : ''}`,
    ]
  })
  return section(
    'smoke',
    'Smoke checks',
    rows.length ? table(['Version', 'Request', 'Expected', 'Got', 'Time', 'Result'], rows) : '',
    'No smoke check ran.',
  )
}

export function stepsSection(model: ReportModel): string {
  const timed = model.steps.filter((s) => s.startedAt !== null)
  const start = Math.min(Date.parse(model.createdAt), ...timed.map((s) => s.startedAt!))
  const end = Math.max(start + 1, ...timed.map((s) => s.finishedAt ?? s.startedAt!))
  const span = end - start
  const rows = model.steps.map((s) => {
    const left = s.startedAt === null ? 0 : ((s.startedAt - start) / span) * 100
    const width = s.startedAt === null ? 0 : Math.max(0.5, (((s.finishedAt ?? end) - s.startedAt) / span) * 100)
    const bar =
      s.startedAt === null
        ? ''
        : `<span class="bar ${s.status.replace(' ', '-')}" style="left:${left.toFixed(2)}%;width:${Math.min(width, 100 - left).toFixed(2)}%"></span>`
    return `<li class="step">
<span class="step-name">${escapeHtml(s.name)}</span> ${badge(s.status)} <span class="muted">${formatDuration(s.ms)}</span>
<span class="track">${bar}</span>${s.detail ? `\n<span class="step-detail">${escapeHtml(s.detail)}</span>` : ''}
</li>`
  })
  return section(
    'steps',
    'Steps',
    rows.length
      ? `<ol class="timeline">${rows.join('\n')}</ol><p class="muted">Bars span ${formatDuration(span)} from the start of the rehearsal.</p>`
      : '',
    'No step started.',
  )
}

export function environmentSection(model: ReportModel): string {
  const crashed = new Set(model.crashes.map((c) => c.instance))
  const rows = model.instances.map((i) => [
    `<code>${escapeHtml(i.instance)}</code>${crashed.has(i.instance) ? ` ${badge('crashed')}` : ''}`,
    i.version ? escapeHtml(i.version) : '<span class="muted">shared</span>',
    i.port === null ? '—' : escapeHtml(i.port),
    `<code>${escapeHtml(i.cwd)}</code>`,
    i.readyMs === null ? '<span class="muted">not ready</span>' : formatDuration(i.readyMs),
  ])
  const crashes = model.crashes.map(
    (c) => `<div class="crash">
<p><strong><code>${escapeHtml(c.instance)}</code> ${c.signal ? `was killed by ${escapeHtml(c.signal)}` : `exited with code ${escapeHtml(c.exitCode ?? '?')}`}</strong> while the rehearsal ran.</p>
${c.lastLines.length ? `<pre class="log">${c.lastLines.map(escapeHtml).join('\n')}</pre>` : '<p class="muted">It wrote nothing before it stopped.</p>'}
</div>`,
  )
  const html = `${rows.length ? table(['Instance', 'Version', 'Port', 'Directory', 'Ready in'], rows) : ''}${crashes.length ? `<h3>Crashes</h3>${crashes.join('\n')}` : ''}`
  return section('environment', 'Environment', html, 'No environment was planned.')
}

function ms(value: number | null): string {
  return value === null ? '—' : `${escapeHtml(formatNumber(value, value < 10 ? 2 : 1))} ms`
}
