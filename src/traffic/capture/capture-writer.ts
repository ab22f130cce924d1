/**
 * @module traffic/capture/capture-writer
 * Writes a capture file safely: lines go to a temporary file in the same directory (optionally
 * through gzip), which is renamed over the target only when `close` succeeds. An error, an abort
 * or a crash leaves the target as it was and removes the temporary file.
 */
import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Writable } from 'node:stream'
import { finished, pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { abortError, isRehearseError, RehearseError } from '../../core/errors.ts'
import type { CapturedExchange, CaptureWriter } from './capture.ts'
import { serializeExchange } from './capture-format.ts'

export type CaptureWriterOptions = {
  /** Compress with gzip; by default when the path ends in `.gz`. */
  gzip?: boolean
  /** Aborting discards the file (as `abort()` does). */
  signal?: AbortSignal
}

/** Opens a capture for writing. Fails at once when the target's directory is missing or read-only. */
export async function createCaptureWriter(path: string, options: CaptureWriterOptions = {}): Promise<CaptureWriter> {
  const { signal } = options
  if (signal?.aborted) throw abortError(signal)
  const gzip = options.gzip ?? path.endsWith('.gz')
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  let handle: FileHandle
  try {
    handle = await open(tmp, 'wx')
  } catch (error) {
    throw writeError(path, error)
  }
  const file = handle.createWriteStream()
  const gz = gzip ? createGzip() : undefined
  const head: Writable = gz ?? file
  const done = gz ? pipeline(gz, file) : finished(file)
  let failure: unknown
  done.catch((error: unknown) => {
    failure ??= error
  })
  let state: 'open' | 'closed' | 'aborted' = 'open'
  let count = 0
  let closing: Promise<void> | undefined
  let discarding: Promise<void> | undefined
  let drained: Promise<void> | undefined
  // A function, so that TypeScript does not narrow `state` across the await in write().
  const isAborted = () => state === 'aborted'

  const discard = async (): Promise<void> => {
    head.destroy()
    file.destroy()
    await done.catch(() => {})
    await rm(tmp, { force: true })
  }
  const onAbort = () => {
    if (state === 'open') {
      state = 'aborted'
      discarding = discard()
    }
  }
  signal?.addEventListener('abort', onAbort, { once: true })

  return {
    path,
    get count() {
      return count
    },
    get bufferedBytes() {
      return head.writableLength
    },
    async write(exchange: CapturedExchange): Promise<void> {
      if (state !== 'open')
        throw signal?.aborted ? abortError(signal) : new Error(`capture writer for ${path} is ${state}`)
      if (failure) throw writeError(path, failure)
      count++
      if (head.write(serializeExchange(exchange))) return
      // One shared wait for 'drain' however many writers are behind (no listener per write).
      drained ??= new Promise<void>((resolve) => {
        const done = () => {
          head.off('drain', done)
          head.off('close', done)
          drained = undefined
          resolve()
        }
        head.on('drain', done)
        head.on('close', done)
      })
      await drained
      if (isAborted()) throw signal?.aborted ? abortError(signal) : new Error(`capture writer for ${path} was aborted`)
      if (failure) throw writeError(path, failure)
    },
    close(): Promise<void> {
      if (state === 'aborted') return Promise.reject(signal?.aborted ? abortError(signal) : new Error('aborted'))
      closing ??= (async () => {
        state = 'closed'
        signal?.removeEventListener('abort', onAbort)
        head.end()
        try {
          await done
          if (failure) throw failure
          await rename(tmp, path)
        } catch (error) {
          await rm(tmp, { force: true })
          throw writeError(path, error)
        }
      })()
      return closing
    },
    async abort(): Promise<void> {
      if (state === 'aborted') return discarding
      if (state === 'closed') {
        // Closing may already have renamed the file into place: an abort after close changes nothing.
        await closing?.catch(() => {})
        return
      }
      state = 'aborted'
      signal?.removeEventListener('abort', onAbort)
      discarding = discard()
      await discarding
    },
  }
}

function writeError(path: string, error: unknown): RehearseError {
  if (isRehearseError(error)) return error
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new RehearseError('CAPTURE_OUTPUT_UNWRITABLE', `Cannot write the capture ${path}: ${code}.`, {
      location: { file: path },
      hint: 'Check that the output directory exists and is writable.',
      cause: error,
    })
  }
  return new RehearseError('CAPTURE_WRITE_FAILED', `Writing the capture ${path} failed: ${String(error)}.`, {
    location: { file: path },
    hint: 'Check free disk space; nothing was left at the output path.',
    cause: error,
  })
}
