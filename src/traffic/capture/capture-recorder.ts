/**
 * @module traffic/capture/capture-recorder
 * Live capture for the proxy's record step: sample a request by its headers before its body is
 * buffered, then redact and append the exchange without ever waiting on the disk. When the file
 * falls behind, exchanges are dropped and counted rather than held in memory, so a slow disk can
 * neither slow the proxied traffic nor grow the heap. Nothing unredacted is ever written.
 */
import type { CapturedBody, CapturedExchange, HeaderLookup, RedactionSummary } from './capture.ts'
import { DEFAULT_MAX_BODY_BYTES, encodeBody } from './capture-format.ts'
import { createSampler, type SamplingConfig } from './capture-sampler.ts'
import { createCaptureWriter } from './capture-writer.ts'
import { createRedactor, type RedactionConfig } from './redactor.ts'

export type CaptureRecorderOptions = {
  redaction?: RedactionConfig
  sampling?: SamplingConfig
  /** Bodies are cut at this size (default 1 MiB). */
  maxBodyBytes?: number
  /** Compress with gzip; by default when the path ends in `.gz`. */
  gzip?: boolean
  /** Exchanges are dropped while more than this many bytes wait for the disk (default 16 MiB). */
  maxBufferedBytes?: number
  /** Aborting discards the capture. */
  signal?: AbortSignal
  /** Source of randomness for sampling (tests). */
  random?: () => number
}

export type CaptureRecorderStats = {
  path: string
  recorded: number
  /** Requests the sampler left out. */
  sampledOut: number
  /** Exchanges dropped because the file was behind. */
  dropped: number
  redactions: RedactionSummary
}

export interface CaptureRecorder {
  /** Whether to record a request with these (lower-cased) headers; call before buffering bodies. */
  sample(headers: HeaderLookup): boolean
  /** A body for an exchange, cut at the configured size. */
  encodeBody(bytes: Uint8Array, contentType: string | undefined): CapturedBody
  /** Redacts and appends; never waits. False when the exchange was dropped. */
  record(exchange: CapturedExchange): boolean
  stats(): CaptureRecorderStats
  /** Flushes and moves the capture into place; rejects if any write failed. */
  close(): Promise<CaptureRecorderStats>
  /** Discards the capture. */
  abort(): Promise<void>
}

/** Opens a capture file for live recording. */
export async function createCaptureRecorder(
  path: string,
  options: CaptureRecorderOptions = {},
): Promise<CaptureRecorder> {
  const maxBodyBytes = options.maxBodyBytes ?? options.redaction?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024
  const redactor = createRedactor({ ...options.redaction, maxBodyBytes })
  const sampler = createSampler(options.sampling, options.random)
  const writer = await createCaptureWriter(path, {
    ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  let sampledOut = 0
  let dropped = 0
  let open = true
  let failure: unknown
  const stats = (): CaptureRecorderStats => ({
    path,
    recorded: writer.count,
    sampledOut,
    dropped,
    redactions: redactor.summary(),
  })
  return {
    sample(headers: HeaderLookup): boolean {
      const keep = sampler.sample(headers)
      if (!keep) sampledOut++
      return keep
    },
    encodeBody: (bytes, contentType) => encodeBody(bytes, { contentType, maxBytes: maxBodyBytes }),
    record(exchange: CapturedExchange): boolean {
      if (!open || failure !== undefined || writer.bufferedBytes > maxBuffered) {
        dropped++
        return false
      }
      writer.write(redactor.redactExchange(exchange)).catch((error: unknown) => {
        failure ??= error
      })
      return true
    },
    stats,
    async close(): Promise<CaptureRecorderStats> {
      open = false
      if (failure !== undefined) {
        await writer.abort()
        throw failure
      }
      await writer.close()
      return stats()
    },
    async abort(): Promise<void> {
      open = false
      await writer.abort()
    },
  }
}
