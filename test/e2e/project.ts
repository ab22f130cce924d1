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

/** Every process the driver recorded for the project's environments, as pid and start time. */
export function recordedPids(dir: string): Array<{ pid: number; startTime: string }> {
  const envs = join(dir, '.rehearse', 'envs')
  const found: Array<{ pid: number; startTime: string }> = []
  let names: string[] = []
  try {
    names = readdirSync(envs)
  } catch {
    return found
  }
  for (const name of names) {
    for (const file of readdirSync(join(envs, name)).filter((f) => f.endsWith('.json'))) {
      const record = JSON.parse(readFileSync(join(envs, name, file), 'utf8')) as {
        instances?: Array<{ pid?: number; startTime?: string }>
      }
      for (const i of record.instances ?? [])
        if (i.pid && i.startTime) found.push({ pid: i.pid, startTime: i.startTime })
    }
  }
  return found
}

/** Whether that very process (not a later one that reused its pid) is still running. */
export function alive(process: { pid: number; startTime: string }): boolean {
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8')
    // Field 22 (starttime) comes after the command name in parentheses, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] === process.startTime && fields[0] !== 'Z'
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
