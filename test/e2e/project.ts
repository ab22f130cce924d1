/**
 * Throw-away projects for the end-to-end tests: a temporary directory with a rehearse.yaml whose
 * services are the tiny fixture server, run with the same Node as the tests.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NODE } from './run-cli.ts'

export const SERVER = fileURLToPath(new URL('./fixtures/svc/server.js', import.meta.url))
/** The command line of a fixture service (these paths hold no spaces). */
export const serve = `${NODE} ${SERVER}`

export function tempProject(spec: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rehearse-e2e-'))
  writeFileSync(join(dir, 'rehearse.yaml'), spec)
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Every pid the driver recorded for the project's environments. */
export function recordedPids(dir: string): number[] {
  const envs = join(dir, '.rehearse', 'envs')
  const pids: number[] = []
  let names: string[] = []
  try {
    names = readdirSync(envs)
  } catch {
    return pids
  }
  for (const name of names) {
    for (const file of readdirSync(join(envs, name)).filter((f) => f.endsWith('.json'))) {
      const text = readFileSync(join(envs, name, file), 'utf8')
      for (const m of text.matchAll(/"pid"\s*:\s*(\d+)/g)) pids.push(Number(m[1]))
    }
  }
  return pids
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Processes whose command line contains `marker` (to find a service by a unique env-free token). */
export function processesWith(marker: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes(marker)) found.push(Number(entry))
    } catch {
      // gone already
    }
  }
  return found
}
