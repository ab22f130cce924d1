/**
 * @module drivers/local/service-process
 * Starting one service as a process: `/bin/sh -c <command>` in its cwd, leading its own process
 * group (so the group can be signalled as one), with stdout and stderr opened straight onto its
 * log files (so nothing of it depends on the process that started it staying alive).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { closeSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { RehearseError } from '../../core/errors.ts'
import type { ServicePlan } from '../driver.ts'
import type { LogStream } from './log-files.ts'

/**
 * Spawns the service. Synchronous up to the spawn, so the caller can record the pid before
 * anything else runs. Throws DRIVER_SPAWN_FAILED when there is no command or no such cwd; when
 * the spawn itself fails, `pid` is undefined and the child emits `error` (see `spawnFailure`).
 */
export function spawnService(
  service: ServicePlan,
  env: Record<string, string | undefined>,
  logs: Record<LogStream, string>,
): ChildProcess {
  const { command } = service
  if (command === undefined || command.trim() === '') {
    throw new RehearseError('DRIVER_SPAWN_FAILED', `"${service.instance}" has no command to run.`, {
      hint:
        service.image === undefined
          ? `Add command: to services.${service.service}.`
          : `"${service.instance}" only names an image; the local driver runs commands, so add command: to it.`,
      details: { instance: service.instance },
    })
  }
  assertDirectory(service)
  mkdirSync(dirname(logs.stdout), { recursive: true })
  const stdout = openSync(logs.stdout, 'w', 0o600)
  let stderr: number | undefined
  try {
    stderr = openSync(logs.stderr, 'w', 0o600)
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: service.cwd,
      env,
      // Its own session and process group: Ctrl-C in the terminal reaches Rehearse, not the
      // service (Rehearse stops it), and one signal to the group reaches all it forked.
      detached: true,
      stdio: ['ignore', stdout, stderr],
    })
    // The service must not keep a `rehearse up` process alive; exit events still arrive while it lives.
    child.unref()
    return child
  } finally {
    // The child has its own copies of the descriptors.
    closeSync(stdout)
    if (stderr !== undefined) closeSync(stderr)
  }
}

/** The `error` a child whose spawn failed emits, as DRIVER_SPAWN_FAILED. */
export function spawnFailure(child: ChildProcess, service: ServicePlan): Promise<RehearseError> {
  return new Promise((resolve) => {
    child.once('error', (cause) => {
      resolve(
        new RehearseError('DRIVER_SPAWN_FAILED', `"${service.instance}" could not be started: ${cause.message}`, {
          hint: `Check command and cwd of services.${service.service}.`,
          details: { instance: service.instance, command: service.command, cwd: service.cwd },
          cause,
        }),
      )
    })
  })
}

function assertDirectory(service: ServicePlan): void {
  let isDirectory = false
  try {
    isDirectory = statSync(service.cwd).isDirectory()
  } catch {
    isDirectory = false
  }
  if (!isDirectory) {
    throw new RehearseError(
      'DRIVER_SPAWN_FAILED',
      `The working directory of "${service.instance}" does not exist: ${service.cwd}`,
      {
        hint: `Check cwd of services.${service.service} (or of its version); relative paths are relative to rehearse.yaml.`,
        details: { instance: service.instance, cwd: service.cwd },
      },
    )
  }
}
