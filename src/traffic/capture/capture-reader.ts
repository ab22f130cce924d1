/**
 * @module traffic/capture/capture-reader
 * Streams a capture file line by line with bounded memory: gzip is detected by its magic bytes
 * (not the file name), each line is validated, and a bad line stops the read with
 * `CAPTURE_MALFORMED` and its line number.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { abortError, isRehearseError, RehearseError } from '../../core/errors.ts'
import type { CaptureReader, CaptureRecord } from './capture.ts'
import { isGzip, parseCaptureLine } from './capture-format.ts'

export type CaptureReaderOptions = {
  signal?: AbortSignal
  /** A line longer than this is malformed rather than buffered (default 64 MiB). */
  maxLineBytes?: number
}

/** Reads a capture file; iterate it with `for await`. */
export function readCapture(path: string, options: CaptureReaderOptions = {}): CaptureReader {
  return {
    path,
    async *[Symbol.asyncIterator](): AsyncIterator<CaptureRecord> {
      let line = 0
      for await (const text of readLines(path, options)) {
        line++
        if (text.trim() === '') continue
        yield { line, exchange: parseCaptureLine(text, { file: path, line }) }
      }
    },
  }
}

/**
 * Opens a file that may be gzip-compressed (by its magic bytes) as a byte stream. Throws
 * `FILE_NOT_FOUND` when it does not exist.
 */
export async function openMaybeGzip(path: string, signal?: AbortSignal): Promise<{ stream: Readable; gzip: boolean }> {
  const head = Buffer.alloc(2)
  try {
    const handle = await open(path, 'r')
    try {
      await handle.read(head, 0, 2, 0)
    } finally {
      await handle.close()
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new RehearseError('FILE_NOT_FOUND', `No such file: ${path}.`, {
        location: { file: path },
        hint: 'Check the path.',
        cause: error,
      })
    }
    throw error
  }
  const file = createReadStream(path, signal ? { signal } : {})
  const gzip = isGzip(head)
  if (!gzip) return { stream: file, gzip }
  return { stream: pipeline(file, createGunzip(), () => {}), gzip }
}

/**
 * The lines of a (possibly gzip) text file, without their line ends, with at most
 * `maxLineBytes` buffered. A corrupt gzip stream becomes `CAPTURE_MALFORMED` at the line reached.
 */
export async function* readLines(path: string, options: CaptureReaderOptions = {}): AsyncGenerator<string> {
  const { signal } = options
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024
  const { stream, gzip } = await openMaybeGzip(path, signal)
  let pending: Buffer[] = []
  let pendingBytes = 0
  let line = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0
      for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl)
        const bytes = pending.length ? Buffer.concat([...pending, piece]) : piece
        pending = []
        pendingBytes = 0
        start = nl + 1
        line++
        if (bytes.length > maxLineBytes) throw tooLong(path, line, maxLineBytes)
        yield stripCr(bytes.toString('utf8'))
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start))
        pendingBytes += chunk.length - start
        if (pendingBytes > maxLineBytes) throw tooLong(path, line + 1, maxLineBytes)
      }
    }
    if (pendingBytes > 0) yield stripCr(Buffer.concat(pending).toString('utf8'))
  } catch (error) {
    if (isRehearseError(error)) throw error
    if (signal?.aborted) throw abortError(signal)
    const code = (error as NodeJS.ErrnoException).code
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new RehearseError(
        'CAPTURE_MALFORMED',
        `${path} is not a complete gzip stream (it ends or breaks after line ${line}).`,
        {
          location: { file: path, line: line + 1 },
          hint: 'The file was cut short or corrupted; re-create it, or decompress what is left with `zcat`.',
          cause: error,
        },
      )
    }
    throw error
  } finally {
    stream.destroy()
  }
}

function stripCr(text: string): string {
  return text.endsWith('\r') ? text.slice(0, -1) : text
}

function tooLong(path: string, line: number, max: number): RehearseError {
  return new RehearseError('CAPTURE_MALFORMED', `Line ${line} of ${path} is longer than ${max} bytes.`, {
    location: { file: path, line },
    hint: 'A capture line holds one exchange; bodies are cut at maxBodySize when capturing. Is this a capture file?',
  })
}
