/**
 * Rate accuracy: asked for a fixed rate, how many requests per second does the server actually
 * get, and how even are they? Rehearse (constant and Poisson arrivals) against autocannon's
 * `-R` (overall rate). wrk has no rate control (wrk2 does, but Debian does not ship it).
 * The server counts requests per wall-clock second; the first and last second are left out.
 *
 *   node bench/load-rate-accuracy.ts        (BENCH_REPEAT=3, RATES=1000,5000, SECONDS=10)
 */
import { SampleAggregator } from '../src/telemetry/sample-aggregator.ts'
import type { ArrivalMode } from '../src/traffic/load/load-plan.ts'
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
  serverStats,
  startServer,
  writeResults,
} from './load-support.ts'

const RATES = (process.env['RATES'] ?? '1000,5000').split(',').map(Number)
const SECONDS = Number(process.env['SECONDS'] ?? 10)
const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 32)

type Accuracy = { ratio: number; cv: number; cvTenth: number; late?: number }

/** Counts per bucket from the first to the last, with the empty buckets the server did not list. */
function dense(buckets: Array<[number, number]>): number[] {
  if (buckets.length === 0) return []
  const first = buckets[0]![0]
  const out = new Array<number>(buckets.at(-1)![0] - first + 1).fill(0)
  for (const [key, n] of buckets) out[key - first] = n
  return out
}

function variation(counts: number[]): { mean: number; cv: number } {
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length
  const sd = Math.sqrt(counts.reduce((a, n) => a + (n - mean) ** 2, 0) / Math.max(1, counts.length - 1))
  return { mean, cv: sd / mean }
}

/**
 * Mean per-second count ÷ rate, and the coefficients of variation of the counts per second and
 * per 100 ms (the first and last second left out).
 */
async function measure(url: string, rate: number): Promise<Accuracy> {
  const stats = await serverStats(url)
  const seconds = variation(dense(stats.perSecond).slice(1, -1))
  const tenths = variation(dense(stats.perTenth).slice(10, -10))
  return { ratio: seconds.mean / rate, cv: seconds.cv, cvTenth: tenths.cv }
}

async function rehearse(url: string, rate: number, arrivals: ArrivalMode): Promise<Accuracy> {
  await resetServer(url)
  const result = await runLoad(
    {
      targets: [{ name: 'bench', url }],
      scenario: compileScenario([{ request: 'GET /' }], { baseDir: '.', path: 'bench' }),
      phases: [{ name: 'fixed', durationMs: SECONDS * 1000, rate, arrivals }],
      connections: CONNECTIONS,
      timeoutMs: 10_000,
      maxInFlight: 10_000,
      seed: 1,
    },
    { sink: new SampleAggregator(), signal: AbortSignal.timeout((SECONDS + 30) * 1000) },
  )
  return { ...(await measure(url, rate)), late: result.saturation.lateFraction }
}

async function ac(url: string, rate: number): Promise<Accuracy> {
  await resetServer(url)
  await autocannon(url, { connections: CONNECTIONS, seconds: SECONDS, rate })
  return measure(url, rate)
}

pinSelf()
const server = await startServer()
const results = new Map<string, Accuracy[]>()
const add = (key: string, a: Accuracy) => {
  results.set(key, [...(results.get(key) ?? []), a])
  console.log(
    `${key}: ${fmt(a.ratio * 100, 1)}% of the rate, cv ${fmt(a.cv * 100, 1)}% per s, ${fmt(a.cvTenth * 100, 1)}% per 100 ms${a.late !== undefined ? `, late ${fmt(a.late * 100, 2)}%` : ''}`,
  )
}
try {
  for (let rep = 1; rep <= REPEAT; rep++) {
    for (const rate of RATES) {
      add(`Rehearse constant @${rate}/s`, await rehearse(server.url, rate, 'constant'))
      add(`Rehearse poisson @${rate}/s`, await rehearse(server.url, rate, 'poisson'))
      add(`autocannon -R @${rate}/s`, await ac(server.url, rate))
    }
  }
} finally {
  await server.stop()
}

const rows = [...results].map(([key, runs]) => {
  const late = runs[0]?.late !== undefined ? `${fmt(median(runs.map((r) => r.late!)) * 100, 2)}%` : '-'
  const pct = (pick: (a: Accuracy) => number, digits = 1) => `${fmt(median(runs.map(pick)) * 100, digits)}%`
  return `| ${key} | ${pct((r) => r.ratio)} | ${pct((r) => r.cv)} | ${pct((r) => r.cvTenth)} | ${late} |`
})
const body = `Machine: ${machine()}.
Command: \`node bench/load-rate-accuracy.ts\` — rates ${RATES.join(' and ')}/s for ${SECONDS} s, ${CONNECTIONS} connections, ${REPEAT} repetitions (medians shown). Measured at the server: requests per wall-clock second and per 100 ms, the first and last second left out. autocannon's per-second counts are exact by construction: each connection sends its share of the rate as fast as it can from the start of each second, then waits for the next (lib/httpClient.js), so its requests bunch up inside the second — which a per-second count cannot see. A Poisson process varies by nature: a coefficient of variation of 1/√(expected count) — ${RATES.map((r) => `${fmt(100 / Math.sqrt(r), 1)}% per second and ${fmt(100 / Math.sqrt(r / 10), 1)}% per 100 ms at ${r}/s`).join('; ')}.

| generator @ rate | server got (mean per second ÷ rate) | variation per second (CV) | variation per 100 ms (CV) | arrivals sent > 10 ms late |
|---|---|---|---|---|
${rows.join('\n')}`
console.log(`\n${body}`)
writeResults('Rate accuracy', body)
