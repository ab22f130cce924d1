/**
 * What shadowing costs the primary: the same open-model stream (Rehearse's load generator, a fixed
 * rate) goes through Rehearse's proxy without a mirror, with a mirror to a fast shadow, with the
 * shadow's answers kept for the response diff, and with a shadow that takes 300 ms per answer (the
 * bounded queue then drops copies). The primary's latency — from each request's intended start —
 * is compared by its median and p99. Every server and the proxy run in processes of their own.
 *
 *   node bench/mirror-overhead.ts            # RATE (1000), SECONDS (10), BENCH_REPEAT (3)
 *
 * Writes its table under "## Shadow" in bench/RESULTS.md (other sections are left alone).
 * Internal roles, started by the script itself: `--role proxy CONFIG_JSON`, `--role upstream DELAY_MS`.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { Sample, SampleSink } from '../src/core/types.ts'
import { runLoad } from '../src/traffic/load/run-load.ts'
import type { MirrorOptions } from '../src/traffic/proxy/proxy.ts'
import { startProxy } from '../src/traffic/proxy/start-proxy.ts'
import { compileScenario } from '../src/traffic/template/request-template.ts'

const SELF = fileURLToPath(import.meta.url)
const RESULTS = fileURLToPath(new URL('RESULTS.md', import.meta.url))
const RATE = Number(process.env['RATE'] ?? 1000)
const SECONDS = Number(process.env['SECONDS'] ?? 10)
const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 3)
const SLOW_MS = 300

// --- roles ------------------------------------------------------------------------------------

const roleAt = process.argv.indexOf('--role')
if (roleAt !== -1) {
  // A role outlives nothing: when the benchmark goes away (Ctrl-C, a crash), so does the role.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0)
  }, 500).unref()
  const role = process.argv[roleAt + 1]
  const arg = process.argv[roleAt + 2] ?? ''
  if (role === 'upstream') await upstreamRole(Number(arg))
  else if (role === 'proxy') await proxyRole(JSON.parse(arg) as ProxyConfig)
  else throw new Error(`unknown role ${role}`)
} else {
  await main()
}

/** `200 hello world`, after `delayMs`. */
async function upstreamRole(delayMs: number): Promise<void> {
  const body = Buffer.from('hello world')
  const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume()
    const answer = () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
      res.end(body)
    }
    if (delayMs > 0) setTimeout(answer, delayMs)
    else answer()
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    console.log(
      JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }),
    )
  })
  process.on('SIGTERM', () => {
    server.close()
    server.closeAllConnections()
  })
}

type ProxyConfig = { primary: string; shadow?: string; observe?: boolean }

/** Rehearse's proxy with measurement on (a counting sink) and, when asked, a mirror. */
async function proxyRole(config: ProxyConfig): Promise<void> {
  let samples = 0
  let observed = 0
  const sink: SampleSink = {
    record() {
      samples++
    },
  }
  const mirror: MirrorOptions | undefined = config.shadow
    ? {
        targets: { shadow: config.shadow },
        ...(config.observe
          ? {
              onResponses: () => {
                observed++
              },
            }
          : {}),
      }
    : undefined
  const proxy = await startProxy({ targets: { baseline: config.primary }, sink, ...(mirror ? { mirror } : {}) })
  console.log(JSON.stringify({ url: proxy.url }))
  process.on('SIGTERM', () => {
    const stats = proxy.mirroring()
    console.log(JSON.stringify({ stats: { samples, observed, shadow: stats?.targets['shadow'] ?? null } }))
    void proxy.close().then(() => process.exit(0))
  })
}

// --- the benchmark ----------------------------------------------------------------------------

type Running = { url: string; child: ChildProcess; output: () => string; stop(): Promise<void> }

async function start(role: string, arg: string): Promise<Running> {
  const child = spawn(process.execPath, [SELF, '--role', role, arg], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} did not start in 20 s`)), 20_000)
    const poll = setInterval(() => {
      const line = out.split('\n').find((l) => l.startsWith('{"url"'))
      if (line) {
        clearTimeout(timer)
        clearInterval(poll)
        resolve((JSON.parse(line) as { url: string }).url)
      }
    }, 20)
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)))
  })
  return {
    url,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }),
  }
}

type Measured = { p50: number; p99: number; errors: number; late: number; shadow?: Record<string, number> | null }

/** Latency of the primary at RATE for SECONDS through `url`, from intended start, in ms. */
async function measure(url: string): Promise<Omit<Measured, 'shadow'>> {
  const latencies: number[] = []
  const sink: SampleSink = {
    record(sample: Sample) {
      latencies.push(sample.latencyUs / 1000)
    },
  }
  const result = await runLoad(
    {
      targets: [{ name: 'primary', url }],
      scenario: compileScenario([{ request: 'GET /products/42' }], { baseDir: '.', path: 'scenario' }),
      // One second of warm-up (connections, JIT), then the measured stretch.
      phases: [
        { name: 'warm-up', durationMs: 1000, rate: RATE, arrivals: 'constant' },
        { name: 'steady', durationMs: SECONDS * 1000, rate: RATE, arrivals: 'poisson' },
      ],
      connections: 64,
      timeoutMs: 10_000,
      maxInFlight: 10_000,
      seed: 11,
    },
    { sink, signal: AbortSignal.timeout((SECONDS + 30) * 1000) },
  )
  const measured = latencies.slice(RATE).sort((a, b) => a - b)
  const at = (q: number) => measured[Math.min(measured.length - 1, Math.floor(q * measured.length))] ?? Number.NaN
  return { p50: at(0.5), p99: at(0.99), errors: result.targets[0]!.errors, late: result.late }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

async function main(): Promise<void> {
  const started = loadavg()
  const primary = await start('upstream', '0')
  const fast = await start('upstream', '0')
  const slow = await start('upstream', String(SLOW_MS))
  const configs: Array<{ name: string; config?: ProxyConfig }> = [
    { name: 'direct (no proxy)' },
    { name: 'proxy, no mirror', config: { primary: primary.url } },
    { name: 'proxy, mirror to a fast shadow', config: { primary: primary.url, shadow: fast.url } },
    {
      name: 'proxy, mirror, answers kept for the diff',
      config: { primary: primary.url, shadow: fast.url, observe: true },
    },
    { name: `proxy, mirror to a shadow taking ${SLOW_MS} ms`, config: { primary: primary.url, shadow: slow.url } },
  ]
  const runs = new Map<string, Measured[]>(configs.map((c) => [c.name, []]))
  try {
    for (let r = 0; r < REPEAT; r++) {
      for (const { name, config } of configs) {
        const proxy = config ? await start('proxy', JSON.stringify(config)) : undefined
        const m = await measure(proxy?.url ?? primary.url)
        let shadow: Record<string, number> | null | undefined
        if (proxy) {
          await proxy.stop()
          const line = proxy
            .output()
            .split('\n')
            .find((l) => l.startsWith('{"stats"'))
          shadow = line ? (JSON.parse(line) as { stats: { shadow: Record<string, number> | null } }).stats.shadow : null
        }
        runs.get(name)!.push({ ...m, ...(shadow === undefined ? {} : { shadow }) })
        console.error(`${name} #${r + 1}: p50 ${m.p50.toFixed(3)} ms, p99 ${m.p99.toFixed(3)} ms`)
      }
    }
  } finally {
    await Promise.all([primary.stop(), fast.stop(), slow.stop()])
  }

  const base = median(runs.get('proxy, no mirror')!.map((m) => m.p50))
  const baseP99 = median(runs.get('proxy, no mirror')!.map((m) => m.p99))
  const rows = configs.map(({ name }) => {
    const ms = runs.get(name)!
    const p50 = median(ms.map((m) => m.p50))
    const p99 = median(ms.map((m) => m.p99))
    const shadow = ms[ms.length - 1]!.shadow
    const copies = shadow ? `${shadow['mirrored']} sent, ${shadow['dropped']} dropped` : '—'
    const vs = name.startsWith('proxy, mirror')
      ? `${(p50 - base >= 0 ? '+' : '') + ((p50 - base) * 1000).toFixed(0)} µs (${(p50 / base).toFixed(2)}×)`
      : name === 'proxy, no mirror'
        ? '—'
        : ''
    const vs99 = name.startsWith('proxy, mirror') ? `${(p99 / baseP99).toFixed(2)}×` : ''
    return `| ${name} | ${ms.map((m) => m.p50.toFixed(3)).join(', ')} | ${p50.toFixed(3)} | ${vs} | ${p99.toFixed(3)} | ${vs99} | ${copies} | ${ms.reduce((n, m) => n + m.errors, 0)} |`
  })
  const section = `## Shadow

Run with \`node bench/mirror-overhead.ts\` (${REPEAT} repetitions, ${RATE} requests/s for ${SECONDS} s after 1 s of warm-up, Poisson arrivals).

Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${started.map((n) => n.toFixed(1)).join(' ')} (other processes share this machine).
Setup: the primary and the shadows (node:http, keep-alive, 11-byte body; the slow one answers after ${SLOW_MS} ms) and the proxy each in a process of their own; Rehearse's load generator in the benchmark's process sends GET requests (safe, so they are mirrored) at a fixed rate and measures the primary's latency from each request's intended start. The mirror runs with its defaults (queue of 256 per shadow, copies dropped beyond it); "answers kept for the diff" also copies both answers for \`onResponses\`.

| path | primary p50 per repetition (ms) | median p50 (ms) | p50 vs no mirror | median p99 (ms) | p99 vs no mirror | mirrored copies (last run) | errors |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`
  console.log(section)
  writeSection(section)
}

/** Replaces (or appends) the `## Shadow` section of bench/RESULTS.md, re-read just before writing. */
function writeSection(section: string): void {
  const current = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const start = current.indexOf('\n## Shadow\n')
  let next: string
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section.trimEnd()}\n`
  } else {
    const after = current.indexOf('\n## ', start + 1)
    next = `${current.slice(0, start)}\n${section.trimEnd()}\n${after === -1 ? '' : current.slice(after)}`
  }
  writeFileSync(RESULTS, next)
}
