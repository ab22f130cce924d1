/**
 * Proxy benchmark: the same trivial upstream (node:http, its own process) reached directly, through
 * Rehearse's proxy (measurement on, no fault rule), through @fastify/http-proxy and through
 * http-proxy — each proxy in its own process; load from wrk in another, with the same connection
 * count for all. Measures
 *
 * - maximum throughput (wrk as fast as responses come back) and the proxy process's CPU time per
 *   request (from /proc: what the proxy itself costs, whatever else runs on the machine);
 * - latency added at half of each proxy's maximum rate: wrk paced with a Lua `delay()`, the proxy
 *   and the direct path at the same pacing, p50/p99 from wrk's histogram (µs);
 * - the Rehearse proxy's RSS over a longer paced run.
 *
 * Run: `node bench/proxy-throughput.ts`. Knobs (environment): BENCH_REPEAT (5), CONNECTIONS (64),
 * SECONDS (8), RSS_SECONDS (180; 0 skips the RSS run), BENCH_PIN (1; 0 leaves every process
 * unpinned). Writes the "Proxy" section of bench/RESULTS.md. Needs wrk (`apt-get install -y wrk`).
 */
import { loadavg } from 'node:os'
import {
  cpuMs,
  machine,
  median,
  PINNED,
  rssBytes,
  runWrk,
  startChild,
  type WrkResult,
  writeResults,
} from './proxy-support.ts'

const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 5)
const CONNECTIONS = Number(process.env['CONNECTIONS'] ?? 64)
const SECONDS = Number(process.env['SECONDS'] ?? 8)
const RSS_SECONDS = Number(process.env['RSS_SECONDS'] ?? 180)
const PROXIES = ['rehearse', 'fastify', 'http-proxy', 'bare'] as const
const LABEL: Record<string, string> = {
  direct: 'direct (no proxy)',
  rehearse: 'Rehearse proxy',
  fastify: '@fastify/http-proxy',
  'http-proxy': 'http-proxy',
  bare: 'bare node:http + undici (floor)',
}

type Setup = { name: string; url: string; pid?: number }
type MaxRun = { rps: number; cpuUsPerRequest?: number }

const fmt = (n: number, digits = 0) => n.toFixed(digits)
const ms = (us: number) => (us / 1000).toFixed(2)

async function main(): Promise<void> {
  const description = machine()
  console.log(description)
  const upstream = await startChild<{ url: string }>(0, 'bench/proxy-upstream.ts', [])
  const children = [upstream]
  // Ctrl-C must not leave the upstream and the proxies running.
  const onSignal = () => void Promise.all(children.map((child) => child.stop())).then(() => process.exit(130))
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const setups: Setup[] = [{ name: 'direct', url: upstream.info.url }]
    let rehearseChild: (typeof children)[number] | undefined
    for (const kind of PROXIES) {
      const flags = kind === 'rehearse' ? ['--expose-gc'] : []
      const args = [kind, upstream.info.url]
      const child = await startChild<{ url: string; pid: number }>(1, 'bench/proxy-servers.ts', args, flags)
      if (kind === 'rehearse') rehearseChild = child
      children.push(child)
      setups.push({ name: kind, url: child.info.url, pid: child.info.pid })
    }

    for (const setup of setups) await runWrk(setup.url, { connections: CONNECTIONS, seconds: 3 }) // warm-up (JIT, pools)

    // Maximum throughput: rotate the order each repetition so that drift on the machine spreads evenly.
    const max = new Map<string, MaxRun[]>(setups.map((s) => [s.name, []]))
    for (let rep = 0; rep < REPEAT; rep++) {
      for (let i = 0; i < setups.length; i++) {
        const setup = setups[(i + rep) % setups.length]!
        const before = setup.pid ? cpuMs(setup.pid) : 0
        const result = await runWrk(setup.url, { connections: CONNECTIONS, seconds: SECONDS })
        const run: MaxRun = { rps: result.rps }
        if (setup.pid) run.cpuUsPerRequest = ((cpuMs(setup.pid) - before) * 1000) / result.requests
        max.get(setup.name)!.push(run)
        console.log(
          `max ${setup.name} rep ${rep + 1}: ${fmt(result.rps)} req/s${run.cpuUsPerRequest ? `, ${fmt(run.cpuUsPerRequest, 1)} µs CPU/request` : ''}`,
        )
      }
    }
    const maxRps = (name: string) => median(max.get(name)!.map((r) => r.rps))
    const cpuPerRequest = (name: string) => median(max.get(name)!.map((r) => r.cpuUsPerRequest ?? 0))

    // Latency at half of each proxy's maximum: the proxy and the direct path under the same pacing.
    const latency = new Map<string, { proxy: WrkResult[]; direct: WrkResult[]; delayMs: number }>()
    for (const setup of setups.slice(1)) {
      if (setup.name === 'bare') continue // a reference for throughput, not a contender
      const target = maxRps(setup.name) / 2
      const delayMs = Math.max(1, Math.round((CONNECTIONS * 1000) / target))
      const runs = { proxy: [] as WrkResult[], direct: [] as WrkResult[], delayMs }
      for (let rep = 0; rep < REPEAT; rep++) {
        const pair = rep % 2 === 0 ? (['proxy', 'direct'] as const) : (['direct', 'proxy'] as const)
        for (const which of pair) {
          const url = which === 'proxy' ? setup.url : setups[0]!.url
          const result = await runWrk(url, { connections: CONNECTIONS, seconds: SECONDS, delayMs })
          runs[which].push(result)
          console.log(
            `paced ${which === 'proxy' ? setup.name : `direct (for ${setup.name})`} rep ${rep + 1}: ${fmt(result.rps)} req/s, p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms`,
          )
        }
      }
      latency.set(setup.name, runs)
    }

    // Memory of the Rehearse proxy over a longer run at half its maximum.
    let rssLine = 'RSS run skipped (RSS_SECONDS=0).'
    if (RSS_SECONDS > 0) {
      const rehearse = setups.find((s) => s.name === 'rehearse')!
      const delayMs = latency.get('rehearse')!.delayMs
      const samples: number[] = []
      const heap: number[] = []
      rehearseChild!.child.stdout!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (line.startsWith('{"heapUsed"')) heap.push((JSON.parse(line) as { heapUsed: number }).heapUsed)
        }
      })
      let tick = 0
      const timer = setInterval(() => {
        samples.push(rssBytes(rehearse.pid!))
        // Every 30 s: the heap still in use after a full collection (one GC pause, twice a minute).
        if (++tick % 30 === 0) rehearseChild!.child.kill('SIGUSR2')
      }, 1000)
      const start = rssBytes(rehearse.pid!)
      const result = await runWrk(rehearse.url, { connections: CONNECTIONS, seconds: RSS_SECONDS, delayMs })
      clearInterval(timer)
      rehearseChild!.child.kill('SIGUSR2')
      await new Promise((resolve) => setTimeout(resolve, 500))
      const MiB = 2 ** 20
      const half = samples.slice(samples.length >> 1)
      const slope = half.length > 1 ? ((half.at(-1)! - half[0]!) / MiB / (half.length - 1)) * 60 : 0
      rssLine =
        `RSS of the Rehearse proxy process during ${RSS_SECONDS} s at ${fmt(result.rps)} req/s ` +
        `(${result.requests} requests, ${result.errors} errors): ${fmt(start / MiB, 1)} MiB before, ` +
        `median ${fmt(median(samples) / MiB, 1)} MiB, max ${fmt(Math.max(...samples) / MiB, 1)} MiB, ` +
        `last ${fmt(samples.at(-1)! / MiB, 1)} MiB; change over the second half ${slope >= 0 ? '+' : ''}${fmt(slope, 2)} MiB/min. ` +
        `V8 heap in use after a full GC, every 30 s: ${heap.map((b) => fmt(b / MiB, 1)).join(', ')} MiB ` +
        `(a leak would make this climb; RSS also grows when V8 merely keeps a larger heap). ` +
        `A ${Math.round(RSS_SECONDS / 60)}-minute run shows a plateau, not the absence of a slow leak over hours.`
      console.log(rssLine)
    }

    // Tables.
    const rehearseMax = maxRps('rehearse')
    const throughputRows = setups.map((s) => {
      const runs = max.get(s.name)!
      return `| ${LABEL[s.name]} | ${runs.map((r) => fmt(r.rps)).join(', ')} | ${fmt(maxRps(s.name))} | ${fmt(
        maxRps(s.name) / maxRps('direct'),
        2,
      )} | ${s.name === 'direct' ? '—' : fmt(rehearseMax / maxRps(s.name), 2)} | ${s.pid ? fmt(cpuPerRequest(s.name), 1) : '—'} |`
    })
    const latencyRows = [...latency].map(([name, runs]) => {
      const p = (list: WrkResult[], key: 'p50' | 'p99') => median(list.map((r) => r[key]))
      const rate = median(runs.proxy.map((r) => r.rps))
      return `| ${LABEL[name]} | ${fmt(rate)} | ${ms(p(runs.proxy, 'p50'))} / ${ms(p(runs.proxy, 'p99'))} | ${ms(
        p(runs.direct, 'p50'),
      )} / ${ms(p(runs.direct, 'p99'))} | ${ms(p(runs.proxy, 'p50') - p(runs.direct, 'p50'))} | ${ms(
        p(runs.proxy, 'p99') - p(runs.direct, 'p99'),
      )} |`
    })
    // Ratios within each repetition (the runs of one repetition are minutes apart at most), then their median.
    const perRep = (a: string, b: string, of: (r: MaxRun) => number) =>
      max.get(a)!.map((run, i) => of(run) / of(max.get(b)![i]!))
    const throughputRatios = perRep('rehearse', 'fastify', (r) => r.rps)
    const cpuRatios = perRep('fastify', 'rehearse', (r) => r.cpuUsPerRequest ?? 0)
    const rehearseLatency = latency.get('rehearse')!
    const addedP99 = median(rehearseLatency.proxy.map((r) => r.p99)) - median(rehearseLatency.direct.map((r) => r.p99))
    const section = `## Proxy

Run with \`node bench/proxy-throughput.ts\` (${REPEAT} repetitions, ${CONNECTIONS} connections, ${SECONDS} s per run).

Machine: ${description}; at the end ${loadavg()
      .map((n) => n.toFixed(1))
      .join(
        ' ',
      )}. A load average above the core count means other processes shared the machine during the run: the throughput and latency figures then carry their noise; CPU per request much less so.
Setup: the upstream \`bench/proxy-upstream.ts\` (node:http, keep-alive, 11-byte body) and each proxy (\`bench/proxy-servers.ts\`) in their own processes; load from \`wrk -t1 -c${CONNECTIONS}\` in another${
      PINNED
        ? '; proxies pinned to core 1, the upstream and wrk to core 0 (taskset), so a proxy has a core of its own and the direct path is the ceiling of what core 0 can feed'
        : ''
    }. Rehearse: \`startProxy\`, measurement on (every sample into an HDR histogram), no fault rule. @fastify/http-proxy: fastify with the plugin's defaults (undici upstream). http-proxy: node-http-proxy on node:http with a keep-alive agent. bare: node:http copying status, headers and body through one undici Pool and nothing else (no header hygiene, no measurement, no error answers) — not a usable proxy, the floor of the node:http + undici architecture.

### Maximum throughput

| path | req/s per repetition | median req/s | ÷ direct | Rehearse ÷ this | proxy CPU µs per request (median) |
|---|---|---|---|---|---|
${throughputRows.join('\n')}

"Proxy CPU µs per request" is the proxy process's user + system CPU time (from /proc) divided by the requests of the run: the proxy's own cost, which the other processes on the machine do not change much. With a core to itself, a proxy's ceiling is about 10⁶ ÷ that number requests per second.

### Latency added at half the maximum rate

Each proxy paced at about half its median maximum (wrk with a random per-connection \`delay()\` of the right mean, so that the connections do not fire in step); the direct path under the same pacing right before or after it. Latency from wrk (from the send to the end of the response), medians of the repetitions, milliseconds.

| path | rate (req/s) | p50 / p99 through the proxy | p50 / p99 direct | added p50 | added p99 |
|---|---|---|---|---|---|
${latencyRows.join('\n')}

### Memory

${rssLine}

### Against the targets

- Throughput, Rehearse ÷ @fastify/http-proxy: **${fmt(median(throughputRatios), 2)}** (median of the per-repetition ratios ${throughputRatios
      .map((r) => fmt(r, 2))
      .join(', ')}; ratio of the medians ${fmt(rehearseMax / maxRps('fastify'), 2)}) — target ≥ 1.5.
- CPU per request, @fastify/http-proxy ÷ Rehearse: **${fmt(median(cpuRatios), 2)}** (per repetition ${cpuRatios.map((r) => fmt(r, 2)).join(', ')}); Rehearse ÷ the bare floor: ${fmt(
      cpuPerRequest('rehearse') / cpuPerRequest('bare'),
      2,
    )}.
- Added p99 at half the maximum rate: **${ms(addedP99)} ms** — target ≤ 1 ms.

### Reading these numbers

- **Where a request's time goes.** A CPU profile of the Rehearse proxy under this load (\`node --cpu-prof\`, taken while building it, on this machine) put about half of its busy time in the two socket writes each request needs — the request to the upstream and the response to the client, kernel time on loopback — about 10% in undici, 5% in node:http and 2% in Rehearse's own code. In this run its CPU per request was ${fmt(
      cpuPerRequest('rehearse') / cpuPerRequest('bare'),
      2,
    )} × that of the bare node:http + undici floor, and @fastify/http-proxy's ${fmt(
      cpuPerRequest('fastify') / cpuPerRequest('bare'),
      2,
    )} ×.
- **Throughput is shared.** wrk, the upstream and the proxy run on the same two cores, so a proxy's throughput also pays for the others' CPU and for whatever else runs on the machine; the per-repetition spread above shows how much. The CPU-per-request ratio approximates the ratio of the proxies' capacities when a proxy has a core to itself and the rest keeps up.
- **Latency.** With a load average above the core count, the p99 of every path swings by milliseconds to hundreds of milliseconds between repetitions; the target (≤ 1 ms added at p99) can only be judged from a run on a quiet machine.
`
    console.log(`\n${section}`)
    writeResults(section)
  } finally {
    await Promise.all(children.map((child) => child.stop()))
  }
}

await main()
