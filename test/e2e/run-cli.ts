/**
 * `runCli()`: runs the `rehearse` command as a user would (a real child process on the project's
 * Node), and returns its exit code and output. End-to-end tests use nothing else to drive the CLI.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/rehearse.js', import.meta.url))
/** The Node 24 the project brings (the tests may be started by another one). */
export const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url))

export type CliResult = {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  pid: number
}

export type RunCliOptions = {
  cwd?: string
  env?: Record<string, string | undefined>
  timeoutMs?: number
  /** Called once the process is spawned (to signal it, say). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void
  /** Called for each chunk of stdout+stderr as it arrives. */
  onOutput?: (text: string, child: import('node:child_process').ChildProcess) => void
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
      options.onOutput?.(d, child)
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      options.onOutput?.(d, child)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
    options.onSpawn?.(child)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, pid: child.pid ?? -1 })
    })
  })
}
