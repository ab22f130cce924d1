/**
 * @module gates/run-command
 * Runs a user's command (a `command` gate, a promote or rollback action) through the shell, in
 * its own process group, with a time limit: the exit code decides, and the last lines of its
 * output (stdout and stderr as they came) say why. A command that overruns its limit or is
 * interrupted is stopped with everything it started (SIGTERM, then SIGKILL).
 */
import { spawn } from 'node:child_process'

export type CommandRun = {
  /** The exit code, or null when the process was ended by a signal or never started. */
  exitCode: number | null
  /** The signal that ended it, if one did. */
  signal: string | null
  /** It ran past its time limit and was stopped. */
  timedOut: boolean
  /** It was stopped because the caller's signal aborted (Ctrl-C). */
  interrupted: boolean
  /** Why it could not be started (no shell, no such directory). */
  spawnError?: string
  ms: number
  /** The last lines of its combined output. */
  lastLines: string[]
}

export type RunCommandOptions = {
  command: string
  cwd: string
  /** Added to the environment of this process. */
  env?: Record<string, string>
  timeoutMs: number
  signal: AbortSignal
  /** How many trailing output lines to keep. Default 20. */
  keepLines?: number
}

/** Time between SIGTERM and SIGKILL when a command has to be stopped. */
const GRACE_MS = 2_000
/** How long to wait for the output pipes after the process exited (a background child may hold them). */
const DRAIN_MS = 2_000
const MAX_LINE = 500

/** Runs `command` with `sh -c` and resolves when it has ended (it never rejects). */
export function runCommand(options: RunCommandOptions): Promise<CommandRun> {
  const started = performance.now()
  const tail = new LineTail(options.keepLines ?? 20)
  return new Promise((resolve) => {
    let timedOut = false
    let interrupted = false
    let settled = false
    const timers: NodeJS.Timeout[] = []
    const child = spawn(options.command, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      shell: true,
      detached: true, // its own process group: stopping it stops what it started
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const finish = (run: Omit<CommandRun, 'ms' | 'lastLines' | 'timedOut' | 'interrupted'>) => {
      if (settled) return
      settled = true
      for (const timer of timers) clearTimeout(timer)
      options.signal.removeEventListener('abort', onAbort)
      tail.end()
      resolve({ ...run, timedOut, interrupted, ms: Math.round(performance.now() - started), lastLines: tail.lines() })
    }
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal)
      } catch {
        // already gone
      }
    }
    const stop = () => {
      killGroup('SIGTERM')
      timers.push(setTimeout(() => killGroup('SIGKILL'), GRACE_MS))
    }
    const onAbort = () => {
      interrupted = true
      stop()
    }
    child.stdout.setEncoding('utf8').on('data', (d: string) => tail.push(d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => tail.push(d))
    child.on('error', (error) => finish({ exitCode: null, signal: null, spawnError: error.message }))
    child.on('exit', (code, signal) => {
      // 'close' waits for the pipes; a background child that keeps them open must not hang us.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy()
          child.stderr.destroy()
          finish({ exitCode: code, signal })
        }, DRAIN_MS),
      )
    })
    child.on('close', (code, signal) => finish({ exitCode: code, signal }))
    timers.push(
      setTimeout(() => {
        timedOut = true
        stop()
      }, options.timeoutMs),
    )
    if (options.signal.aborted) onAbort()
    else options.signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Keeps the last `keep` complete lines of a stream of text chunks. */
class LineTail {
  #keep: number
  #lines: string[] = []
  #partial = ''

  constructor(keep: number) {
    this.#keep = keep
  }

  push(chunk: string): void {
    const parts = (this.#partial + chunk).split(/\r?\n/)
    this.#partial = (parts.pop() ?? '').slice(-MAX_LINE * 4)
    for (const line of parts) this.#add(line)
  }

  end(): void {
    if (this.#partial) this.#add(this.#partial)
    this.#partial = ''
  }

  lines(): string[] {
    return [...this.#lines]
  }

  #add(line: string): void {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line
    if (!text.trim()) return
    this.#lines.push(text)
    if (this.#lines.length > this.#keep) this.#lines.shift()
  }
}

/** How a run ended, for reasons and messages: "exited with code 2 after 1.3 s". */
export function describeRun(run: CommandRun, timeoutMs: number): string {
  const after = `after ${formatSeconds(run.ms)}`
  if (run.spawnError) return `could not be started: ${run.spawnError}`
  if (run.timedOut) return `did not finish within ${formatSeconds(timeoutMs)} and was stopped`
  if (run.interrupted) return `was interrupted ${after}`
  if (run.signal) return `was killed by ${run.signal} ${after}`
  return `exited with code ${run.exitCode} ${after}`
}

function formatSeconds(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}
