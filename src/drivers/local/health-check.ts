/**
 * @module drivers/local/health-check
 * Probes a starting service until it is healthy: an HTTP GET (2xx/3xx), a TCP connect, or a
 * shell command that exits 0. The first probe runs at once, then one every `intervalMs`, until
 * `timeoutMs` after the start. Each probe is bounded too, so a service that accepts a connection
 * and never answers cannot stall the wait.
 */
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { connect } from 'node:net'
import type { HealthCheck } from '../driver.ts'

export type ProbeTarget = {
  host: string
  port: number
  health: HealthCheck
  cwd: string
  env: Record<string, string | undefined>
}

/** The longest a single probe may take when the interval is shorter. */
const MIN_PROBE_TIMEOUT_MS = 1_000
const MIN_INTERVAL_MS = 10

/**
 * Resolves true once a probe passes, false when `timeoutMs` (counted from `startedAt`) passes
 * first. Rejects with the signal's reason as soon as `signal` aborts.
 */
export async function waitUntilHealthy(target: ProbeTarget, startedAt: number, signal: AbortSignal): Promise<boolean> {
  const { timeoutMs } = target.health
  // A zero interval would probe in a tight loop.
  const intervalMs = Math.max(MIN_INTERVAL_MS, target.health.intervalMs)
  const deadline = startedAt + timeoutMs
  for (;;) {
    signal.throwIfAborted()
    const remaining = deadline - Date.now()
    if (remaining <= 0) return false
    const probeTimeout = Math.min(remaining, Math.max(MIN_PROBE_TIMEOUT_MS, intervalMs))
    const probeStarted = Date.now()
    if (await probe(target, probeTimeout, signal)) return true
    signal.throwIfAborted()
    const wait = Math.min(intervalMs - (Date.now() - probeStarted), deadline - Date.now())
    if (wait > 0) await delay(wait, signal)
  }
}

/** One probe; true when healthy. Never rejects except through `signal`. */
export function probe(target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const { health } = target
  if (health.http !== undefined) return probeHttp(target.host, target.port, health.http, timeoutMs, signal)
  if (health.command !== undefined) return probeCommand(health.command, target, timeoutMs, signal)
  // tcp: true, or no check given: a listening port is the least a service with a port must show.
  return probeTcp(target.host, target.port, timeoutMs, signal)
}

function probeHttp(host: string, port: number, path: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return settle(signal, timeoutMs, (done) => {
    // agent: false — a fresh connection per probe, so no pooled socket outlives the wait.
    const req = request({ host, port, path, method: 'GET', agent: false, headers: { 'user-agent': 'rehearse-health' } })
    req.on('response', (res) => {
      res.resume()
      done(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 400)
    })
    req.on('error', () => done(false))
    req.end()
    return () => req.destroy()
  })
}

function probeTcp(host: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return settle(signal, timeoutMs, (done) => {
    const socket = connect({ host, port })
    socket.on('connect', () => done(true))
    socket.on('error', () => done(false))
    return () => socket.destroy()
  })
}

function probeCommand(command: string, target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return settle(signal, timeoutMs, (done) => {
    // Its own process group, so a probe that hangs is killed with everything it started.
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: target.cwd,
      env: target.env,
      detached: true,
      stdio: 'ignore',
    })
    let exited = false
    child.on('error', () => done(false))
    child.on('exit', (code) => {
      exited = true
      done(code === 0)
    })
    return () => {
      if (exited || child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/**
 * Runs `start` and resolves with the first value it reports, or false after `timeoutMs`; rejects
 * when `signal` aborts. The cleanup `start` returns always runs.
 */
function settle(
  signal: AbortSignal,
  timeoutMs: number,
  start: (done: (healthy: boolean) => void) => () => void,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let finished = false
    let cleanup: () => void = () => {}
    const finish = (healthy: boolean | Error): void => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      cleanup()
      if (healthy instanceof Error) reject(healthy)
      else resolve(healthy)
    }
    const onAbort = (): void =>
      finish(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)))
    const timer = setTimeout(() => finish(false), timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    cleanup = start(finish)
    if (finished) cleanup()
  })
}

/** setTimeout as a promise that rejects with the signal's reason on abort. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
