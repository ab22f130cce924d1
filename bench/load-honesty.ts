/**
 * Honesty under a stall (coordinated omission): the server freezes its whole process for 1 s in
 * the middle of a 10 s run at 500 requests/s. A user arriving during the freeze waits until it
 * ends, so the true latency distribution follows from the schedule: a request due at t inside the
 * freeze [s, e] takes (e − t) plus the normal service time. What p99 does each tool report?
 * Rehearse measures from the intended start. autocannon `-R` and wrk measure from the send — a
 * connection stuck in the freeze sends nothing, so the requests that would have suffered are never
 * sent — and each patches its histogram afterwards with synthetic samples (see the note in the
 * output).
 *
 *   node bench/load-honesty.ts              (BENCH_REPEAT=3, RATE=500, SECONDS=10, STALL_MS=1000)
 */
import { SampleAggregator } from '../src/telemetry/sample-aggregator.ts'
import { runLoad } from '../src/traffic/load/run-load.ts'
import { compileScenario } from '../src/traffic/template/request-template.ts'
import {
  autocannon,
  fmt,
  machine,
  median,
  pinSelf,
  REPEAT,
  resetServer,
  type ServerStats,
  serverStats,
  startServer,
  writeResults,
  wrk,
} from './load-support.ts'

const RATE = Number(process.env['RATE'] ?? 500)
const SECONDS = Number(process.env['SECONDS'] ?? 10)
const STALL_MS = Number(process.env['STALL_MS'] ?? 1000)
const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 16)

/** p99 (ms) of the latencies users at RATE/s would see, from the schedule and the server's freeze. */
function truthP99(stats: ServerStats, baseMs: number): number {
  const first = stats.firstMs!
  const { startMs, endMs } = stats.stall!
  const latencies: number[] = []
  for (let k = 0; k < RATE * SECONDS; k++) {
    const t = first + (k * 1000) / RATE
    latencies.push(baseMs + (t >= startMs && t < endMs ? endMs - t : 0))
  }
  latencies.sort((a, b) => a - b)
  return latencies[Math.ceil(0.99 * latencies.length) - 1]!
}

type Row = { reported: number; truth: number; requests: number }

async function rehearse(url: string): Promise<Row & { serviceP99: number; baseMs: number }> {
  await resetServer(url)
  const result = await runLoad(
    {
      targets: [{ name: 'bench', url }],
      scenario: compileScenario([{ request: 'GET /' }], { baseDir: '.', path: 'bench' }),
      phases: [{ name: 'fixed', durationMs: SECONDS * 1000, rate: RATE, arrivals: 'constant' }],
      connections: CONNECTIONS,
      timeoutMs: 10_000,
      maxInFlight: 10_000,
      seed: 1,
    },
    { sink: new SampleAggregator(), signal: AbortSignal.timeout((SECONDS + 30) * 1000) },
  )
  const t = result.targets[0]!
  const stats = await serverStats(url)
  return {
    reported: t.latencyMs!.p99,
    serviceP99: t.serviceTimeMs!.p99,
    baseMs: t.serviceTimeMs!.p50,
    truth: truthP99(stats, t.serviceTimeMs!.p50),
    requests: t.responses,
  }
}

/** Runs another tool; the truth's normal service time is Rehearse's median from the same repetition. */
async function tool(url: string, baseMs: number, run: () => Promise<{ p99: number; requests: number }>): Promise<Row> {
  await resetServer(url)
  const r = await run()
  const stats = await serverStats(url)
  return { reported: r.p99, truth: truthP99(stats, baseMs), requests: r.requests }
}

pinSelf()
const server = await startServer([
  '--stall-after',
  String((SECONDS * 1000) / 2 - STALL_MS / 2),
  '--stall-for',
  String(STALL_MS),
])
const rows = {
  rehearse: [] as Array<Row & { serviceP99: number; baseMs: number }>,
  autocannon: [] as Row[],
  wrk: [] as Row[],
}
try {
  for (let rep = 1; rep <= REPEAT; rep++) {
    const r = await rehearse(server.url)
    rows.rehearse.push(r)
    console.log(
      `rep ${rep}: Rehearse p99 ${fmt(r.reported)} ms (service time p99 ${fmt(r.serviceP99)} ms), truth ${fmt(r.truth)} ms`,
    )
    const a = await tool(server.url, r.baseMs, () =>
      autocannon(server.url, { connections: CONNECTIONS, seconds: SECONDS, rate: RATE }),
    )
    rows.autocannon.push(a)
    console.log(`rep ${rep}: autocannon -R ${RATE} p99 ${fmt(a.reported)} ms, truth ${fmt(a.truth)} ms`)
    const w = await tool(server.url, r.baseMs, () => wrk(server.url, { connections: CONNECTIONS, seconds: SECONDS }))
    rows.wrk.push(w)
    console.log(`rep ${rep}: wrk p99 ${fmt(w.reported, 1)} ms, truth ${fmt(w.truth)} ms`)
  }
} finally {
  await server.stop()
}

const line = (name: string, runs: Row[]) => {
  const reported = median(runs.map((r) => r.reported))
  const truth = median(runs.map((r) => r.truth))
  return `| ${name} | ${runs.map((r) => fmt(r.reported, 1)).join(', ')} | ${fmt(reported, 1)} | ${fmt(truth)} | ${fmt(reported / truth, 2)} | ${fmt(median(runs.map((r) => r.requests)))} |`
}
const body = `Machine: ${machine()}.
Command: \`node bench/load-honesty.ts\` — ${RATE} requests/s for ${SECONDS} s over ${CONNECTIONS} connections; the server freezes its process for ${STALL_MS} ms half way (a busy loop, like a stop-the-world pause). ${REPEAT} repetitions, medians.
"Truth" is the p99 that users arriving at ${RATE}/s would have seen: computed from the schedule and the freeze the server reports (a request due inside the freeze waits for its end), plus the server's normal median service time. wrk runs a closed loop (it has no rate control), so its truth is the same users' truth, not what wrk sent; note that wrk 4 corrects its histogram after the fact (\`stats_correct\` adds the samples a stalled connection would have sent at its mean interval), which is why its p99 comes close. autocannon \`-R\` measures from the send and applies HdrHistogram's at-record correction with an expected interval of \`ceil(1 / rate-per-connection)\` = 1 ms (lib/run.js of autocannon 9.0.0), which adds synthetic samples out of proportion with the real schedule.

| tool | p99 reported per repetition (ms) | median p99 reported | truth p99 (ms) | reported ÷ truth | responses |
|---|---|---|---|---|---|
${line('Rehearse (from intended start)', rows.rehearse)}
${line(`autocannon -R ${RATE}`, rows.autocannon)}
${line('wrk (closed loop)', rows.wrk)}

Rehearse's service-time p99 (from the send, what the tools that do not correct report): ${rows.rehearse.map((r) => fmt(r.serviceP99, 1)).join(', ')} ms.`
console.log(`\n${body}`)
writeResults('Honesty under a 1 s stall (coordinated omission)', body)
