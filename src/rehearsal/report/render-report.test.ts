import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { RehearsalEvent } from '../../core/types.ts'
import { escapeHtml, jsonForScript } from './html-escape.ts'
import { renderReport } from './render-report.ts'
import type { ChartSpec } from './report-charts.ts'
import { buildReportModel } from './report-model.ts'
import { earlyFailureFixture, rollbackFixture } from './testing/report-fixture.ts'

const HOSTILE_ROUTE = 'POST /</script><script>window.__pwned=1</script>\u2028'
const HOSTILE_PROJECT = '<img src=http://evil.invalid/x onerror=alert(1)>'

/** The inline scripts of a page, in order. */
function scripts(html: string): { attrs: string; body: string }[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1]!, body: m[2]! }))
}

function chartData(html: string): ChartSpec[] {
  const data = scripts(html).find((s) => s.attrs.includes('id="report-data"'))!
  return (JSON.parse(data.body) as { charts: ChartSpec[] }).charts
}

function canaryMetrics(input: ReturnType<typeof rollbackFixture>) {
  const final = input.events.filter((e) => e.type === 'analysis.canary').at(-1)!.data as {
    judgement: { metrics: { name: string; outcome: string; sentence: string }[] }
  }
  return final.judgement.metrics
}

describe('renderReport on a rollback with a latency regression on one route', () => {
  const input = rollbackFixture()
  const html = renderReport(input)

  it('opens with the verdict, its colour and the summary sentence', () => {
    expect(html).toMatch(/<header class="banner tone-bad" id="verdict">/)
    expect(html).toContain('<span class="verdict-word">ROLLBACK</span>')
    expect(input.record.summary).toMatch(
      /^rollback: canary gate failed — The candidate fails with score \d+: POST \/checkout latency/,
    )
    expect(html).toContain(escapeHtml(input.record.summary))
    expect(html).toContain(input.record.id)
  })

  it('lists every gate with its status and reasons', () => {
    for (const [kind, status] of [
      ['smoke', 'pass'],
      ['canary', 'fail'],
      ['slo', 'pass'],
      ['approval', 'pending'],
    ]) {
      expect(html).toMatch(new RegExp(`<strong>${kind}</strong>.*?<span class="badge \\w+">${status}</span>`))
    }
    expect(html).toContain('nobody has approved yet')
  })

  it('shows each canary metric with its route, figures, effect, outcome and sentence', () => {
    const metrics = canaryMetrics(input)
    expect(metrics.map((m) => [m.name, m.outcome])).toEqual([
      ['latency', 'pass'],
      ['latency GET /products', 'pass'],
      ['latency POST /checkout', 'high'],
      ['latency GET /cart/:id', 'insufficient-evidence'],
      ['checkout-tail', 'high'],
      ['errors', 'insufficient-evidence'],
    ])
    const table = html.slice(
      html.indexOf('<table class="metrics">'),
      html.indexOf('</table>', html.indexOf('<table class="metrics">')),
    )
    for (const m of metrics) expect(table).toContain(escapeHtml(m.sentence))
    const rows = table.split('<tr>').slice(2)
    // The per-route breakdown: the route gets its own column and leaves the metric's label.
    const checkoutRow = rows.find((row) => row.includes('per route') && row.includes('<code>POST /checkout</code>'))!
    expect(checkoutRow).toContain('<strong>latency</strong>')
    expect(checkoutRow).toMatch(/median 4\d\.\d ms<br>p99 \d+ ms<br>n = 1,200/)
    expect(checkoutRow).toMatch(/<strong>\+4\d%<\/strong><br><small>\(95% CI \+3\d% to \+4\d%\)<\/small>/)
    expect(checkoutRow).toContain('<span class="badge bad">high</span>')
    const tailRow = rows.find((row) => row.includes('<strong>checkout-tail</strong>'))!
    expect(tailRow).toContain('<code>POST /checkout</code>')
    expect(tailRow).toMatch(/p99 \d+ ms<br>n = 1,200/)
    expect(tailRow).not.toContain('per route')
    expect(rows.find((row) => row.includes('<strong>latency (all routes)</strong>'))).toContain(
      '<span class="muted">all</span>',
    )
    expect(rows.find((row) => row.includes('<strong>errors</strong>'))).toContain('<span class="tag">critical</span>')
    // The final look is shown, not the first.
    expect(html).toContain(' · final look')
    expect(html).toContain('0.042% (2 of 4,800)')
  })

  it('shows the SLOs with attainment against the baseline', () => {
    expect(html).toMatch(/<strong>availability<\/strong>.*?99%.*?99\.9\d+%/s)
    expect(html).toContain('requests under 120 ms')
  })

  it('draws a latency CDF per route in the telemetry, and the time series with the phases as bands', () => {
    const charts = chartData(html)
    const cdfs = charts.filter((c) => c.kind === 'cdf')
    expect(cdfs).toHaveLength(4) // all routes + three routes
    for (const c of cdfs) {
      expect(c.logX).toBe(true)
      expect(c.series.map((s) => s.label)).toEqual(['baseline', 'candidate'])
      for (const s of c.series) {
        expect(s.values).toHaveLength(c.x.length)
        expect(s.values.at(-1)).toBe(1)
        // A CDF never falls.
        expect(s.values.every((v, i) => i === 0 || v! >= s.values[i - 1]!)).toBe(true)
      }
    }
    expect(html).toMatch(/<code>POST \/checkout<\/code> <span class="badge bad">regressed<\/span>/)

    const times = charts.filter((c) => c.kind === 'time')
    expect(times.map((c) => c.yLabel)).toEqual(['requests/s', 'errors / requests', 'latency (ms)'])
    for (const c of times) {
      expect(c.bands.map((b) => [b.name, b.from, b.to])).toEqual([
        ['warm-up', 0, 10],
        ['steady', 10, 40],
        ['slow-payments', 40, 60],
      ])
    }
    // Counts per 1 s interval become requests per second; the warm-up ran at 20/s.
    const rps = times[0]!.series.find((s) => s.label === 'baseline')!.values
    expect(rps[0]).toBeGreaterThan(15)
    expect(rps[0]).toBeLessThan(25)
    expect(times[2]!.series.map((s) => s.label)).toEqual([
      'baseline p99',
      'candidate p99',
      'baseline p50',
      'candidate p50',
    ])
    // Every chart has an element to draw into, and every element a chart.
    const boxes = [...html.matchAll(/<div class="chart" id="([^"]+)"/g)].map((m) => m[1])
    expect(boxes).toEqual(charts.map((c) => c.id))
  })

  it('shows smoke results, the steps timeline, the phases, the load figures and the environment', () => {
    expect(html.match(/<code>GET \/healthz<\/code>/g)).toHaveLength(2)
    for (const step of ['provision', 'deploy', 'smoke', 'traffic', 'analyze', 'gates', 'teardown']) {
      expect(html).toContain(`<span class="step-name">${step}</span> <span class="badge good">passed</span>`)
    }
    expect(html).toMatch(/<strong>slow-payments<\/strong>.*?100\/s.*?1 fault rule/s)
    expect(html).toContain('4,800 arrivals over 1 min')
    expect(html).toContain('<code>api-candidate</code>')
  })

  it('is self-contained: inline styles and scripts only, scripts allowed by hash, no fetch allowed', () => {
    expect(html).not.toMatch(/<script[^>]+src=/)
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/)
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/)
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'")
    expect(csp).toContain("default-src 'none'")
    const executable = scripts(html).filter((s) => !s.attrs.includes('application/json'))
    expect(executable).toHaveLength(2) // uPlot and the report's own script
    for (const s of executable) {
      expect(csp).toContain(`'sha256-${createHash('sha256').update(s.body).digest('base64')}'`)
    }
    expect(html).toContain('uPlot')
  })
})

describe('renderReport on a rehearsal that failed early', () => {
  const input = earlyFailureFixture()
  const html = renderReport(input)

  it('says where it stopped and why, with the crashed service and its last lines', () => {
    expect(html).toContain('<span class="verdict-word">FAILED</span>')
    expect(html).toContain(
      'Step deploy failed [DRIVER_SERVICE_CRASHED]:</strong> api-baseline exited while the rehearsal ran (exit code 1).',
    )
    expect(html).toContain('hint: See its log: rehearse logs api-baseline')
    expect(html).toContain('<code>api-baseline</code> exited with code 1</strong>')
    // ANSI colour codes are gone from the log lines.
    expect(html).toContain('\nError: connect ECONNREFUSED 127.0.0.1:5432\n')
    expect(html).not.toContain('\u001b')
  })

  it('marks the steps that never ran and explains the empty sections', () => {
    expect(html).toContain('<span class="step-name">deploy</span> <span class="badge bad">failed</span>')
    expect(html).toContain('<span class="step-name">smoke</span> <span class="badge neutral">not run</span>')
    expect(html).toContain('No gate was evaluated: the rehearsal stopped before the gates step.')
    expect(html).toContain('The canary judge did not run in this rehearsal.')
    expect(html).toContain('No latency distribution was recorded')
    expect(chartData(html)).toEqual([])
  })

  it('orders the steps as the pipeline does: planned steps, then teardown', () => {
    const names = [...html.matchAll(/<span class="step-name">([^<]+)<\/span>/g)].map((m) => m[1])
    expect(names).toEqual(['provision', 'deploy', 'smoke', 'gates', 'teardown'])
  })

  it('renders even from a record alone, and from events with unreadable payloads', () => {
    const bare = renderReport({ record: input.record, events: [], series: [] })
    expect(bare).toContain('FAILED')
    const junk: RehearsalEvent[] = [
      'verdict',
      'gate.evaluated',
      'analysis.canary',
      'analysis.slo',
      'telemetry.distribution',
      'phase.started',
      'smoke.result',
      'traffic.finished',
      'environment.planned',
      'service.crashed',
      'step.failed',
    ].flatMap((type, i) => [
      { rehearsalId: input.record.id, seq: 2 * i + 1, at: 'not a time', type, data: null },
      {
        rehearsalId: input.record.id,
        seq: 2 * i + 2,
        at: input.record.createdAt,
        type,
        data: { judgement: 7, gates: 'x', values: [1, 'a'], instances: {}, result: { targets: 3 } },
      },
    ])
    const model = buildReportModel({ record: input.record, events: junk, series: [] })
    expect(model.canary).toBeNull()
    expect(model.distributions).toEqual([])
    expect(model.traffic).toBeNull()
    expect(() => renderReport({ record: input.record, events: junk, series: [] })).not.toThrow()
  })
})

describe('escaping', () => {
  const input = rollbackFixture({
    checkoutRoute: HOSTILE_ROUTE,
    project: HOSTILE_PROJECT,
    extraReason: '"><svg onload=alert(2)>&amp;',
    crashLines: ['</pre><script>window.__pwned=2</script>', 'ok'],
  })
  const html = renderReport(input)

  it('leaves no markup from the data in the page', () => {
    expect(scripts(html)).toHaveLength(3) // data, uPlot, the report's script: nothing injected
    expect(html).not.toContain('window.__pwned=1</script>')
    expect(html).not.toMatch(/<img|<svg/i)
    expect(html).toContain(escapeHtml('POST /</script><script>window.__pwned=1</script>'))
    expect(html).toContain('&lt;img src=http://evil.invalid/x onerror=alert(1)&gt;')
    expect(html).toContain('&quot;&gt;&lt;svg onload=alert(2)&gt;&amp;amp;')
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt;')
  })

  it('embeds JSON that cannot close its script element and reads back unchanged', () => {
    const value = { name: '</script><!-- <script>', sep: '\u2028\u2029', amp: 'a&b' }
    const json = jsonForScript(value)
    expect(json).not.toMatch(/<|>|&|\u2028|\u2029/)
    expect(JSON.parse(json)).toEqual(value)
  })
})
