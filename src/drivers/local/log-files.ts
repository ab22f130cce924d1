/**
 * @module drivers/local/log-files
 * The services' output on disk. Each instance writes straight into two files of its own,
 * `<stateDir>/logs/<instance>.stdout.log` and `.stderr.log` (the files are its stdout and stderr,
 * no pipe through Rehearse), so it keeps logging when the process that started it is gone.
 * Reading is by byte offset and newline, in bounded chunks, so a large log is never loaded whole.
 */
import { open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { LogLine } from '../driver.ts'

export type LogStream = LogLine['stream']
export const LOG_STREAMS: readonly LogStream[] = ['stdout', 'stderr']

const CHUNK = 64 * 1024
const NEWLINE = 0x0a

/** Log file paths for every instance; names are made filesystem-safe and kept distinct. */
export function logPaths(stateDir: string, instances: readonly string[]): Map<string, Record<LogStream, string>> {
  const used = new Set<string>()
  const paths = new Map<string, Record<LogStream, string>>()
  for (const instance of instances) {
    const safe = instance.replace(/[^A-Za-z0-9._@-]/g, '_')
    let name = safe
    for (let n = 2; used.has(name); n++) name = `${safe}-${n}`
    used.add(name)
    paths.set(instance, {
      stdout: join(stateDir, 'logs', `${name}.stdout.log`),
      stderr: join(stateDir, 'logs', `${name}.stderr.log`),
    })
  }
  return paths
}

/** The last `count` lines of a file (a final line without newline counts); [] if it does not exist. */
export async function readLastLines(path: string, count: number): Promise<string[]> {
  if (count <= 0) return []
  const lines: string[] = []
  for await (const { line } of readLinesFrom(path, await tailOffset(path, count), true)) lines.push(line)
  return lines
}

/**
 * The byte offset at which the last `count` lines of a file begin: 0 for fewer lines (or no
 * file), the file's size for count 0. Walks back from the end in chunks.
 */
export async function tailOffset(path: string, count: number): Promise<number> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch {
    return 0
  }
  try {
    const { size } = await handle.stat()
    if (count <= 0) return size
    // A newline in the last byte ends the last line; it does not start a new one.
    let seen = 0
    let position = size
    const buffer = Buffer.alloc(CHUNK)
    while (position > 0) {
      const length = Math.min(CHUNK, position)
      position -= length
      await handle.read(buffer, 0, length, position)
      for (let i = length - 1; i >= 0; i--) {
        if (buffer[i] !== NEWLINE || position + i === size - 1) continue
        seen++
        if (seen === count) return position + i + 1
      }
    }
    return 0
  } finally {
    await handle.close()
  }
}

/** Size of a file, 0 when it does not exist. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

/** Modification time of a file, or now when it does not exist. */
export async function fileTime(path: string): Promise<string> {
  try {
    return (await stat(path)).mtime.toISOString()
  } catch {
    return new Date().toISOString()
  }
}

/**
 * Reads a file from `offset` in chunks and yields its complete lines, each with the offset just
 * after it. A trailing partial line is yielded only when `final` is set (nothing more will come).
 */
export async function* readLinesFrom(
  path: string,
  offset: number,
  final: boolean,
): AsyncGenerator<{ line: string; next: number }> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(path, 'r')
  } catch {
    return
  }
  try {
    let position = offset
    let carry: Buffer = Buffer.alloc(0)
    const buffer = Buffer.alloc(CHUNK)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position)
      if (bytesRead === 0) break
      const data = Buffer.concat([carry, buffer.subarray(0, bytesRead)])
      const base = position - carry.length
      position += bytesRead
      let start = 0
      for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
        const line = stripCr(data.toString('utf8', start, i))
        start = i + 1
        yield { line, next: base + start }
      }
      carry = Buffer.from(data.subarray(start))
    }
    if (final && carry.length > 0) yield { line: stripCr(carry.toString('utf8')), next: position }
  } finally {
    await handle.close()
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line
}
