import { describe, expect, it } from 'vitest'
import type { Sample } from '../../core/types.ts'
import { GeneratorMetrics } from './generator-metrics.ts'

const sample = (over: Partial<Sample>): Sample => ({
  at: 0,
  target: 'baseline',
  route: 'GET /',
  status: 200,
  latencyUs: 3000,
  bytes: 1,
  ...over,
})

// Prometheus text format 0.0.4: `# HELP`/`# TYPE` comments, then `name{label="value",…} number`.
const SAMPLE_LINE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^"\\])*",?)*\})? (-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|\+Inf|-Inf|NaN))$/

function parseExposition(text: string): Map<string, number> {
  const values = new Map<string, number>()
  const typed = new Set<string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      typed.add(type[1]!)
      continue
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue
    const m = SAMPLE_LINE.exec(line)
    if (!m) throw new Error(`not a valid exposition line: ${line}`)
    const family = m[1]!.replace(/_(bucket|sum|count)$/, '')
    if (!typed.has(m[1]!) && !typed.has(family)) throw new Error(`sample before its # TYPE: ${line}`)
    values.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]))
  }
  return values
}

describe('GeneratorMetrics', () => {
  it('exposes requests, latency, late, dropped, in-flight and saturation in valid text format', async () => {
    const metrics = new GeneratorMetrics()
    for (let i = 0; i < 25; i++) metrics.sink.record(sample({}))
    for (let i = 0; i < 5; i++) metrics.sink.record(sample({ status: 503, latencyUs: 2_000_000 }))
    metrics.sink.record(sample({ target: 'candidate', status: 0, latencyUs: 0, cause: 'dropped' }))
    metrics.sink.record(sample({ target: 'candidate', status: 0, latencyUs: 10_000_000, cause: 'timeout' }))
    metrics.late('baseline', 3)
    metrics.setInFlight('baseline', 7)
    metrics.setTargetRate(200)
    metrics.setSaturation({ eventLoopDelayP99Ms: 12, eventLoopDelayMaxMs: 40, cpuRatio: 0.5 })
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
    const values = parseExposition(await metrics.text())

    expect(values.get('rehearse_load_requests_total{target="baseline",status_class="2xx",cause=""}')).toBe(25)
    expect(values.get('rehearse_load_requests_total{target="baseline",status_class="5xx",cause=""}')).toBe(5)
    expect(values.get('rehearse_load_requests_total{target="candidate",status_class="none",cause="dropped"}')).toBe(1)
    expect(values.get('rehearse_load_dropped_total{target="candidate"}')).toBe(1)
    expect(values.get('rehearse_load_late_total{target="baseline"}')).toBe(3)
    expect(values.get('rehearse_load_in_flight{target="baseline"}')).toBe(7)
    expect(values.get('rehearse_load_target_rate')).toBe(200)
    expect(values.get('rehearse_load_event_loop_delay_seconds{stat="p99"}')).toBe(0.012)
    expect(values.get('rehearse_load_cpu_ratio')).toBe(0.5)
    // the histogram: 30 observations for baseline, 25 of them within 5 ms, all within 2.5 s
    expect(values.get('rehearse_load_latency_seconds_count{target="baseline"}')).toBe(30)
    expect(values.get('rehearse_load_latency_seconds_bucket{le="0.005",target="baseline"}')).toBe(25)
    expect(values.get('rehearse_load_latency_seconds_bucket{le="2.5",target="baseline"}')).toBe(30)
    expect(values.get('rehearse_load_latency_seconds_bucket{le="+Inf",target="baseline"}')).toBe(30)
    // the dropped request has no latency; the timeout has one
    expect(values.get('rehearse_load_latency_seconds_count{target="candidate"}')).toBe(1)
  })

  it('keeps registries apart: two instances do not clash', async () => {
    const a = new GeneratorMetrics()
    const b = new GeneratorMetrics()
    a.sink.record(sample({}))
    expect(await b.text()).not.toMatch(/target="baseline"/)
  })
})
