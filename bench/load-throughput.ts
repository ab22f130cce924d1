/**
 * Maximum throughput of Rehearse's load generator against autocannon and wrk: the same trivial
 * node:http server in its own process, the same number of connections, several repetitions,
 * medians and ratios. autocannon and wrk run a closed loop (each connection sends as soon as its
 * previous response arrives); Rehearse runs an open model, so its figure is the highest arrival
 * rate it sustains — every arrival sent and answered, the run over within 10% of its schedule —
 * found by bisection between 0 and 120% of autocannon's figure (same repetition).
 *
 *   node bench/load-throughput.ts            (BENCH_REPEAT=3, CONNECTIONS=32, SECONDS=10)
 */
import { SampleAggregator } from '../src/telemetry/sample-aggregator.ts'
import { runLoad } from '../src/traffic/load/run-load.ts'
import { compileScenario } from '../src/traffic/template/request-template.ts'
import { autocannon, fmt, machine, median, pinSelf, REPEAT, startServer, writeResults, wrk } from './load-support.ts'

const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 32)
const SECONDS = Number(process.env['SECONDS'] ?? 10)
const PROBE_SECONDS = Number(process.env['PROBE_SECONDS'] ?? 5)
const PROBES = Number(process.env['PROBES'] ?? 7)

type Probe = { rate: number; ok: boolean; rps: number; cpu: number; late: number }

async function rehearseAt(url: string, rate: number, seconds: number): Promise<Probe> {
  const result = await runLoad(
    {
      targets: [{ name: 'bench', url }],
      scenario: compileScenario([{ request: 'GET /' }], { baseDir: '.', path: 'bench' }),
      phases: [{ name: 'max', durationMs: seconds * 1000, rate, arrivals: 'constant' }],
      connections: CONNECTIONS,
      timeoutMs: 10_000,
      maxInFlight: 100_000,
      seed: 1,
    },
    { sink: new SampleAggregator(), signal: AbortSignal.timeout((seconds + 30) * 1000) },
  )
  const t = result.targets[0]!
  // Kept up: every arrival sent and answered, and the run over within 10% of its schedule (a short
  // stall of this shared machine is caught up; a rate the generator cannot hold is not).
  const ok =
    t.dropped === 0 &&
    t.errors === 0 &&
    result.unsent === 0 &&
    t.responses >= 0.99 * result.arrivals &&
    result.elapsedMs <= seconds * 1000 * 1.1 + 500
  return { rate, ok, rps: t.throughput, cpu: result.saturation.cpuPercent, late: result.saturation.lateFraction }
}

async function rehearseMax(url: string, reference: number): Promise<Probe> {
  let lo = 0
  let hi = Math.round(reference * 1.2)
  let best: Probe = { rate: 0, ok: false, rps: 0, cpu: 0, late: 0 }
  for (let i = 0; i < PROBES; i++) {
    const mid = Math.round((lo + hi) / 2)
    const probe = await rehearseAt(url, mid, PROBE_SECONDS)
    console.log(
      `  rehearse probe ${mid}/s: ${probe.ok ? 'sustained' : 'not sustained'} (${fmt(probe.rps)} resp/s, late ${fmt(probe.late * 100, 1)}%, cpu ${fmt(probe.cpu)}%)`,
    )
    if (probe.ok) {
      best = probe
      lo = mid
    } else hi = mid
  }
  return best
}

pinSelf()
const server = await startServer()
const rows: Array<{ ac: number; wrk: number; rehearse: Probe }> = []
try {
  for (let rep = 1; rep <= REPEAT; rep++) {
    const ac = await autocannon(server.url, { connections: CONNECTIONS, seconds: SECONDS })
    console.log(`rep ${rep}: autocannon ${fmt(ac.rps)} req/s`)
    const w = await wrk(server.url, { connections: CONNECTIONS, seconds: SECONDS })
    console.log(`rep ${rep}: wrk ${fmt(w.rps)} req/s`)
    const r = await rehearseMax(server.url, ac.rps)
    console.log(`rep ${rep}: rehearse sustained ${fmt(r.rate)} arrivals/s (${fmt(r.rps)} resp/s)`)
    rows.push({ ac: ac.rps, wrk: w.rps, rehearse: r })
  }
} finally {
  await server.stop()
}

const acMedian = median(rows.map((r) => r.ac))
const wrkMedian = median(rows.map((r) => r.wrk))
const reMedian = median(rows.map((r) => r.rehearse.rps))
const table = [
  '| tool | model | req/s per repetition | median req/s | Rehearse ÷ tool |',
  '|---|---|---|---|---|',
  `| Rehearse \`runLoad\` | open, highest sustained rate (arrivals > 10 ms late: ${rows.map((r) => `${fmt(r.rehearse.late * 100, 1)}%`).join(', ')}) | ${rows.map((r) => fmt(r.rehearse.rps)).join(', ')} | ${fmt(reMedian)} | 1.00 |`,
  `| autocannon | closed loop | ${rows.map((r) => fmt(r.ac)).join(', ')} | ${fmt(acMedian)} | ${fmt(reMedian / acMedian, 2)} |`,
  `| wrk -t1 | closed loop | ${rows.map((r) => fmt(r.wrk)).join(', ')} | ${fmt(wrkMedian)} | ${fmt(reMedian / wrkMedian, 2)} |`,
].join('\n')
const body = `Machine: ${machine()}.
Command: \`node bench/load-throughput.ts\` — ${CONNECTIONS} connections, ${SECONDS} s per run, ${rows.length} repetitions, server \`bench/load-server.ts\` (node:http, keep-alive, 11-byte body) in its own process.
Rehearse's figure is the highest constant arrival rate it sustained (every arrival sent and answered, the run over within 10% of its schedule; bisection over ${PROBES} probes of ${PROBE_SECONDS} s between 0 and 1.2 × autocannon's figure of the same repetition) while recording every sample into a \`SampleAggregator\`; autocannon and wrk send as fast as responses come back.

${table}`
console.log(`\n${body}`)
writeResults('Maximum throughput', body)
