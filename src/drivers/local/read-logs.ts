/**
 * @module drivers/local/read-logs
 * `logs` for the local driver: the lines of each selected instance's stdout and stderr files,
 * optionally only the last `tail` of each, and with `follow` the lines written afterwards, polled
 * every FOLLOW_POLL_MS until the signal aborts or the environment is down and fully read.
 *
 * The services write their files directly, so a line carries no time of its own: `at` is the
 * file's modification time for lines already written, and the time it was read when following.
 */
import { resolve } from 'node:path'
import { RehearseError } from '../../core/errors.ts'
import type { LogLine, LogOptions } from '../driver.ts'
import { delay } from './health-check.ts'
import { fileSize, fileTime, LOG_STREAMS, type LogStream, readLinesFrom, tailOffset } from './log-files.ts'
import { readRecords, requireRecords } from './process-records.ts'

/** How often a followed log is checked for new lines. */
export const FOLLOW_POLL_MS = 100

type Source = { instance: string; stream: LogStream; path: string; offset: number }

export async function* readLogs(
  stateDir: string,
  id: string,
  instance: string | undefined,
  options: LogOptions = {},
): AsyncGenerator<LogLine> {
  const dir = resolve(stateDir)
  const record = requireRecords(dir, id)
  const names = record.instances.map((i) => i.instance)
  if (instance !== undefined && !names.includes(instance)) {
    throw new RehearseError('DRIVER_UNKNOWN_SERVICE', `Environment "${id}" runs no "${instance}".`, {
      hint: `Use one of: ${names.join(', ')}.`,
      details: { instance, instances: names },
    })
  }
  const sources: Source[] = []
  for (const i of record.instances) {
    if (instance !== undefined && i.instance !== instance) continue
    for (const stream of LOG_STREAMS) {
      const path = i.logs[stream]
      const offset = options.tail === undefined ? 0 : await tailOffset(path, options.tail)
      sources.push({ instance: i.instance, stream, path, offset })
    }
  }

  const follow = options.follow === true
  for (const source of sources) {
    const at = await fileTime(source.path)
    for await (const { line, next } of readLinesFrom(source.path, source.offset, !follow)) {
      source.offset = next
      yield { instance: source.instance, stream: source.stream, at, line }
    }
  }
  if (!follow) return

  const signal = options.signal
  for (;;) {
    if (signal?.aborted) return
    // Read once more after the environment is seen down, so its last words are not lost.
    const state = readRecords(dir)?.state
    const over = state === undefined || state === 'stopped' || state === 'failed'
    for (const source of sources) {
      if ((await fileSize(source.path)) < source.offset) source.offset = 0 // truncated: started again
      const at = new Date().toISOString()
      for await (const { line, next } of readLinesFrom(source.path, source.offset, over)) {
        source.offset = next
        yield { instance: source.instance, stream: source.stream, at, line }
      }
    }
    if (over) return
    try {
      await delay(FOLLOW_POLL_MS, signal ?? new AbortController().signal)
    } catch {
      return
    }
  }
}
