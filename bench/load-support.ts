/**
 * Helpers of the load-generator benchmarks: the server in its own process (with BENCH_PIN=1 and
 * `taskset`, pinned to one core and the tools to the other), autocannon and wrk as child processes, medians,
 * a description of the machine, and the "Load generator" section of bench/RESULTS.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const REPEAT = Number(process.env['BENCH_REPEAT'] ?? 3)
/** Pinning helps on a quiet machine and hurts on a shared one (a busy core cannot be left): opt in. */
const TASKSET = process.env['BENCH_PIN'] === '1' && existsSync('/usr/bin/taskset') && cpus().length >= 2

/** `[cmd, ...args]` pinned to a core when possible (server on core 1, load tools on core 0). */
export function pinned(core: 0 | 1, cmd: string, args: string[]): [string, string[]] {
  return TASKSET ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args]
}

/** Pins this process (the Rehearse generator runs in it) to core 0. */
export function pinSelf(): void {
  if (TASKSET) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' })
}

export type BenchServer = { url: string; child: ChildProcess; stop(): Promise<void> }

/** Starts bench/load-server.ts in its own process and waits for its URL. */
export async function startServer(extra: string[] = []): Promise<BenchServer> {
  const [cmd, args] = pinned(1, process.execPath, [`${ROOT}bench/load-server.ts`, ...extra])
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error('load-server did not start in 10 s')), 10_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.startsWith('{'))
      if (line) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { url: string }).url)
      }
    })
    child.once('exit', (code) => reject(new Error(`load-server exited with ${code}`)))
  })
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }),
  }
}

export type ServerStats = {
  total: number
  firstMs?: number
  perSecond: Array<[number, number]>
  perTenth: Array<[number, number]>
  stall?: { startMs: number; endMs: number }
}

export async function serverStats(url: string): Promise<ServerStats> {
  return (await (await fetch(`${url}/__stats`)).json()) as ServerStats
}

export async function resetServer(url: string): Promise<void> {
  await (await fetch(`${url}/__reset`, { method: 'POST' })).text()
}

/** Runs a command to its end (at most `limitMs`) and returns its stdout. */
export function run(cmd: string, args: string[], limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err.slice(-500)}`))
    })
  })
}

export type ToolResult = { rps: number; p50: number; p99: number; requests: number }

/** autocannon (own process, one worker): closed loop, or a fixed overall rate with `rate`. */
export async function autocannon(
  url: string,
  opts: { connections: number; seconds: number; rate?: number },
): Promise<ToolResult> {
  const args = [
    `${ROOT}node_modules/autocannon/autocannon.js`,
    '-c',
    String(opts.connections),
    '-d',
    String(opts.seconds),
    '--json',
  ]
  if (opts.rate) args.push('-R', String(opts.rate))
  const [cmd, full] = pinned(0, process.execPath, [...args, url])
  const json = JSON.parse(await run(cmd, full, (opts.seconds + 30) * 1000)) as {
    requests: { average: number; total: number }
    latency: { p50: number; p99: number }
  }
  return { rps: json.requests.average, p50: json.latency.p50, p99: json.latency.p99, requests: json.requests.total }
}

/** wrk (closed loop, one thread), with its latency distribution. */
export async function wrk(url: string, opts: { connections: number; seconds: number }): Promise<ToolResult> {
  const [cmd, args] = pinned(0, 'wrk', ['-t1', `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', url])
  const out = await run(cmd, args, (opts.seconds + 30) * 1000)
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const requests = Number(/(\d+) requests in/.exec(out)?.[1])
  const ms = (label: string) => {
    const m = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out)
    if (!m) return Number.NaN
    return Number(m[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[m[2]!]!
  }
  return { rps, p50: ms('50'), p99: ms('99'), requests }
}

export function median(values: number[]): number {
  const s = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')

export function machine(): string {
  const cpu = cpus()
  const wrkVersion = (() => {
    try {
      return execFileSync('wrk', ['-v'], { encoding: 'utf8' }).split('\n')[0]!.split(' ')[1]
    } catch (error) {
      return /wrk (\S+)/.exec(String((error as { stdout?: string }).stdout))?.[1] ?? 'absent'
    }
  })()
  const autocannonVersion = (
    JSON.parse(readFileSync(`${ROOT}node_modules/autocannon/package.json`, 'utf8')) as { version: string }
  ).version
  return `${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, autocannon ${autocannonVersion}, wrk ${wrkVersion}${TASKSET ? '; server pinned to core 1, load tools to core 0 (taskset)' : ''}; load average at the start ${loadavg()[0]!.toFixed(1)} (other processes share this machine)`
}

/**
 * Writes `body` as the `### title` subsection of the `## Load generator` section of
 * bench/RESULTS.md, leaving every other section (the proxy's, say) as it is. `BENCH_WRITE=0` skips it.
 */
export function writeResults(title: string, body: string): void {
  if (process.env['BENCH_WRITE'] === '0') return // a trial run: print, keep RESULTS.md as it is
  const file = `${ROOT}bench/RESULTS.md`
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n'
  const section = '## Load generator'
  if (!text.includes(`\n${section}\n`))
    text = `${text.trimEnd()}\n\n${section}\n\nRun with \`node bench/<file>.ts\`; see bench/README.md.\n`
  const start = text.indexOf(`\n${section}\n`) + 1
  const nextSection = text.indexOf('\n## ', start + section.length)
  const end = nextSection < 0 ? text.length : nextSection + 1
  let block = text.slice(start, end)
  const heading = `### ${title}`
  const sub = `${heading}\n\n${body.trim()}\n\n`
  const at = block.indexOf(`\n${heading}\n`)
  if (at >= 0) {
    const after = block.indexOf('\n### ', at + heading.length + 1)
    block = block.slice(0, at + 1) + sub + (after < 0 ? '' : block.slice(after + 1))
  } else {
    block = `${block.trimEnd()}\n\n${sub}`
  }
  text = text.slice(0, start) + block.trimEnd() + (nextSection < 0 ? '\n' : '\n\n') + text.slice(end)
  writeFileSync(file, text)
}
