/**
 * @module traffic/replay/scan-capture
 * The replayer's first pass over a capture, before anything is sent: every line is validated (a
 * malformed file fails here, with its line, and no request has gone out), and the pass learns
 * what the schedule and the auth need — how many exchanges can be replayed, the recorded time
 * span, and the identities whose credentials must be prepared.
 */
import { throwIfAborted } from '../../core/errors.ts'
import type { CapturedExchange } from '../capture/capture.ts'
import { readCapture } from '../capture/capture-reader.ts'
import { notReplayable } from './prepare-request.ts'
import { type CapturedIdentity, collectIdentities } from './replay-auth.ts'

export type CaptureScan = {
  /** Exchanges read (at most `limit`). */
  exchanges: number
  replayable: number
  /** Not replayable, by reason. */
  skipped: Record<string, number>
  /** Earliest and latest start among the replayable exchanges, epoch ms. */
  firstMs: number
  lastMs: number
  /** Identities of the credential tokens found, by their hex. */
  identities: Map<string, CapturedIdentity>
}

/** Yields the first `limit` exchanges of a capture. */
export async function* captureExchanges(
  path: string,
  options: { signal?: AbortSignal; limit?: number },
): AsyncGenerator<CapturedExchange> {
  let count = 0
  const limit = options.limit ?? Number.POSITIVE_INFINITY
  if (limit <= 0) return
  for await (const { exchange } of readCapture(path, options.signal ? { signal: options.signal } : {})) {
    yield exchange
    if (++count >= limit) return
  }
}

/** Reads the capture once. @throws RehearseError CAPTURE_MALFORMED, FILE_NOT_FOUND. */
export async function scanCapture(
  path: string,
  options: { signal?: AbortSignal; limit?: number; rules: ReadonlySet<string> },
): Promise<CaptureScan> {
  const scan: CaptureScan = {
    exchanges: 0,
    replayable: 0,
    skipped: {},
    firstMs: Number.POSITIVE_INFINITY,
    lastMs: Number.NEGATIVE_INFINITY,
    identities: new Map(),
  }
  for await (const exchange of captureExchanges(path, options)) {
    scan.exchanges++
    if (scan.exchanges % 1000 === 0) throwIfAborted(options.signal)
    const reason = notReplayable(exchange)
    if (reason) {
      scan.skipped[reason] = (scan.skipped[reason] ?? 0) + 1
      continue
    }
    scan.replayable++
    const at = exchange.timing.startedAtMs
    if (at < scan.firstMs) scan.firstMs = at
    if (at > scan.lastMs) scan.lastMs = at
    if (options.rules.size > 0) {
      const { url, headers, body } = exchange.request
      collectIdentities(url, options.rules, scan.identities)
      for (const value of Object.values(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) collectIdentities(v, options.rules, scan.identities)
      }
      if (body?.encoding === 'utf8') collectIdentities(body.data, options.rules, scan.identities)
    }
  }
  return scan
}
