/**
 * Helpers of the proxy benchmark: child processes that print one JSON line when ready, wrk runs
 * (as fast as possible, or paced with a Lua `delay()`), a process's CPU time and RSS from /proc,
 * medians, the machine, and the "Proxy" section of bench/RESULTS.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TASKSET = process.env['BENCH_PIN'] !== '0' && existsSync('/usr/bin/taskset') && cpus().length >= 2
export const PINNED = TASKSET

/** `[cmd, ...args]` pinned to a core when taskset exists (proxies on core 1; upstream and wrk on core 0). */
export function pinned(core: 0 | 1, cmd: string, args: string[]): [string, string[]] {
  return TASKSET ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]
}

export type Child<T> = { info: T; child: ChildProcess; stop(): Promise<void> }

/** Spawns a node script that prints a JSON line when it is ready; resolves with that line. */
export async function startChild<T>(
  core: 0 | 1,
  script: string,
  args: string[],
  nodeFlags: string[] = [],
): Promise<Child<T>> {
  const [cmd, argv] = pinned(core, process.execPath, [...nodeFlags, join(ROOT, script), ...args])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] })
  const info = await new Promise<T>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 20 s`)), 20_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        clearTimeout(timer)
        resolve(JSON.parse(line) as T)
      }
    })
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
  return {
    info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }),
  }
}

const LUA = `
local delay_ms = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if delay_ms > 0 then
  -- Uniform in [0, 2 × delay]: the same mean, but the connections drift apart instead of firing in
  -- step (a fixed delay keeps all of them in phase, and the bursts' queueing swamps the latency).
  math.randomseed(os.time())
  function delay() return math.random(0, 2 * delay_ms) end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50":%d,"p99":%d,"p999":%d,"mean":%.1f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.mean))
end
`
let luaFile: string | undefined

export type WrkResult = {
  requests: number
  durationUs: number
  errors: number
  non2xx: number
  /** Latency percentiles and mean from the send, microseconds (wrk's own histogram). */
  p50: number
  p99: number
  p999: number
  mean: number
  rps: number
}

/**
 * Runs wrk (one thread) against `url`. With `delayMs`, every connection waits a random time of that
 * mean before each request (wrk's Lua `delay()`), which paces the run at about
 * connections ÷ (delay + latency).
 */
export function runWrk(
  url: string,
  options: { connections: number; seconds: number; delayMs?: number },
): Promise<WrkResult> {
  if (luaFile === undefined) {
    luaFile = join(mkdtempSync(join(tmpdir(), 'rehearse-bench-')), 'report.lua')
    writeFileSync(luaFile, LUA)
  }
  const [cmd, args] = pinned(0, 'wrk', [
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    luaFile,
    `${url}/`,
  ])
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, WRK_DELAY_MS: String(options.delayMs ?? 0) },
    })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'))
      if (code !== 0 || !line) return reject(new Error(`wrk failed (${code}): ${out}`))
      const result = JSON.parse(line) as Omit<WrkResult, 'rps'>
      resolve({ ...result, rps: result.requests / (result.durationUs / 1e6) })
    })
  })
}

/** User + system CPU time of a process so far, milliseconds (Linux /proc). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Resident set size of a process, bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? 0) * 1024
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function version(pkg: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string })
    .version
}

/** One line about the machine and the tools. */
export function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU'
  let wrk = 'wrk'
  try {
    wrk = execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      .split('\n')[0]!
      .split(' [')[0]!
  } catch (error) {
    wrk = String((error as { stdout?: string }).stdout ?? 'wrk')
      .split('\n')[0]!
      .split(' [')[0]!
  }
  return (
    `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${wrk}, ` +
    `undici ${version('undici')}, fastify ${version('fastify')}, @fastify/http-proxy ${version('@fastify/http-proxy')}, ` +
    `http-proxy ${version('http-proxy')}; load average at start ${loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`
  )
}

/** Replaces (or appends) the `## Proxy` section of bench/RESULTS.md, leaving the others alone. */
export function writeResults(section: string): void {
  const file = join(ROOT, 'bench', 'RESULTS.md')
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const start = current.indexOf('\n## Proxy\n')
  let next: string
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section.trimEnd()}\n`
  } else {
    const after = current.indexOf('\n## ', start + 1)
    next = `${current.slice(0, start)}\n${section.trimEnd()}\n${after === -1 ? '' : current.slice(after)}`
  }
  writeFileSync(file, next)
}
