/**
 * @module traffic/replay/run-replay
 * Replays a capture at one or more targets. A first pass validates the whole file (a malformed
 * line fails before any request is sent) and learns its span and identities; the staging
 * credentials are prepared; then the exchanges are sent in recorded order on an open-model
 * schedule — the recorded times divided by a speed factor, or rescaled to a target rate, which
 * keeps the bursts — each one to every target at the same moment. Requests of one session stay in
 * order: one waits for its session's previous request to be answered by every target, and its
 * latency then counts from its release rather than from its slot. Memory stays bounded: a small
 * reorder window, a bounded queue per session, a cap on requests in flight.
 */
import { abortError, RehearseError, throwIfAborted } from '../../core/errors.ts'
import type { CapturedExchange } from '../capture/capture.ts'
import { routeKey } from '../capture/route-key.ts'
import { checkTargets, type TargetUrlRule } from '../load/target-pool.ts'
import type { ObservedResponse } from './observed-response.ts'
import { notReplayable, prepareRequest } from './prepare-request.ts'
import type { ReplayObservation, ReplayOptions, ReplayResult, ReplayTiming } from './replay.ts'
import { authRules, prepareReplayAuth } from './replay-auth.ts'
import { ReplayTargetRunner } from './replay-target.ts'
import { captureExchanges, scanCapture } from './scan-capture.ts'

/** Exchanges held to put a capture written slightly out of order (by end time) back in start order. */
const REORDER_WINDOW = 4096
/** Requests waiting for their session, at most, over all sessions. */
const MAX_HELD = 100_000
const LATE_MS = 10
/** Time given to the first request, so that the schedule does not start late. */
const LEAD_MS = 20

type Pending = { exchange: CapturedExchange; due: number; seq: number }
type SessionState = { busy: boolean; queue: Pending[] }

/** A replay target is plain http, with no credentials, query or fragment. */
const REPLAY_TARGET_URL: TargetUrlRule = {
  form: 'http://host:port',
  hint: 'Use a URL such as http://127.0.0.1:8080.',
  accepts: (url) => url.protocol === 'http:' && !url.search && !url.hash && !url.username,
}

function invalid(message: string, hint: string, path?: string): RehearseError {
  return new RehearseError('REPLAY_INVALID_OPTIONS', message, { hint, ...(path ? { location: { path } } : {}) })
}

/** Throws REPLAY_INVALID_OPTIONS for options a replay cannot run with. */
export function validateReplayOptions(options: Pick<ReplayOptions, 'targets' | 'timing'>): void {
  if (options.targets.length === 0) throw invalid('The replay has no target.', 'Give at least one --target URL.')
  checkTargets(options.targets, REPLAY_TARGET_URL, invalid)
  const timing = options.timing
  if (timing && 'speed' in timing && !(timing.speed > 0 && Number.isFinite(timing.speed)))
    throw invalid(
      `The speed must be a positive factor, got ${timing.speed}.`,
      'Use --speed 2x (twice as fast) or 0.5x.',
    )
  if (timing && 'rate' in timing && !(timing.rate > 0 && Number.isFinite(timing.rate)))
    throw invalid(`The rate must be positive, got ${timing.rate}.`, 'Use --rate 50/s.')
}

/** A small binary heap by start time (then file order). */
class StartOrder {
  readonly #items: Pending[] = []
  get size(): number {
    return this.#items.length
  }
  push(item: Pending): void {
    const a = this.#items
    a.push(item)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(a[i]!, a[parent]!)) break
      ;[a[i], a[parent]] = [a[parent]!, a[i]!]
      i = parent
    }
  }
  pop(): Pending | undefined {
    const a = this.#items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && before(a[l]!, a[m]!)) m = l
        if (r < a.length && before(a[r]!, a[m]!)) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m]!, a[i]!]
        i = m
      }
    }
    return top
  }
}
const before = (a: Pending, b: Pending) =>
  a.exchange.timing.startedAtMs < b.exchange.timing.startedAtMs ||
  (a.exchange.timing.startedAtMs === b.exchange.timing.startedAtMs && a.seq < b.seq)

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal))
    const onAbort = () => {
      clearTimeout(timer)
      reject(abortError(signal))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** The factor applied to recorded gaps, from the timing asked for and the capture's own rate. */
export function speedFor(timing: ReplayTiming, replayable: number, spanMs: number): number {
  if ('speed' in timing) return timing.speed
  // N requests at R per second take (N − 1) / R seconds.
  if (replayable < 2 || spanMs <= 0) return Number.POSITIVE_INFINITY
  return (spanMs / 1000) * (timing.rate / (replayable - 1))
}

/**
 * Replays the capture at `path`; resolves when every request has been answered (or has timed
 * out). @throws RehearseError REPLAY_INVALID_OPTIONS, CAPTURE_MALFORMED (with its line, before
 * anything is sent), FILE_NOT_FOUND, REPLAY_EMPTY, REPLAY_AUTH_INVALID, REPLAY_LOGIN_FAILED,
 * INTERRUPTED.
 */
export async function runReplay(path: string, options: ReplayOptions): Promise<ReplayResult> {
  validateReplayOptions(options)
  const { signal } = options
  throwIfAborted(signal)
  const timing: ReplayTiming = options.timing ?? { speed: 1 }
  const timeoutMs = options.timeoutMs ?? 10_000
  const scan = await scanCapture(path, {
    signal,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    rules: authRules(options.auth),
  })
  if (scan.replayable === 0) {
    throw new RehearseError(
      'REPLAY_EMPTY',
      `${path} holds no exchange that can be replayed (${scan.exchanges} read).`,
      {
        hint: 'Check the file with `rehearse capture inspect`; requests whose body was cut at capture cannot be replayed.',
        location: { file: path },
        details: { skipped: scan.skipped },
      },
    )
  }
  const auth = await prepareReplayAuth(options.auth, scan.identities, {
    signal,
    cwd: options.cwd ?? process.cwd(),
    ...(options.logger ? { logger: options.logger } : {}),
  })
  const spanMs = scan.lastMs - scan.firstMs
  const speed = speedFor(timing, scan.replayable, spanMs)
  // Without a span to rescale (one exchange, or all at one instant), a rate spaces them evenly.
  const evenGapMs = 'rate' in timing && !Number.isFinite(speed) ? 1000 / timing.rate : undefined
  const shift = options.shiftTimestamps !== false
  const observe = options.onObservation !== undefined
  const runners = options.targets.map(
    (target) =>
      new ReplayTargetRunner(target, {
        sink: options.sink,
        connections: options.connections ?? 64,
        timeoutMs,
        maxInFlight: options.maxInFlight ?? 1000,
        observe,
        maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
      }),
  )

  const sessions = new Map<string, SessionState>()
  // Distinct sessions seen (counted up to a bound; idle sessions leave `sessions`).
  const seenSessions = new Set<string>()
  let held = 0
  let heldForSession = 0
  let sent = 0
  let late = 0
  let dropped = 0
  let inFlight = 0
  let firstSend = Number.NaN
  let lastSend = Number.NaN
  let lastDue = 0
  let seq = 0
  let stopping = false
  let onIdle: (() => void) | undefined
  const skipped: Record<string, number> = {}

  // Set when the first exchange is scheduled (after the reorder window has filled).
  let t0 = Number.NaN
  const totalMs =
    evenGapMs !== undefined ? evenGapMs * (scan.replayable - 1) : Number.isFinite(speed) ? spanMs / speed : 0

  const settleSession = (session: string | undefined) => {
    if (session === undefined) return
    const state = sessions.get(session)
    if (!state) return
    const next = state.queue.shift()
    if (next && !stopping) {
      held--
      fire(next, true)
      return
    }
    if (next) {
      // The replay is ending: what still waits for its session is not sent.
      held -= state.queue.length + 1
      dropped += state.queue.length + 1
    }
    sessions.delete(session)
  }

  const fire = (item: Pending, releasedBySession: boolean) => {
    const { exchange } = item
    const now = performance.now()
    const intended = t0 + item.due
    if (!releasedBySession && now - intended > LATE_MS) late++
    const start = releasedBySession ? now : Math.min(intended, now)
    const atEpoch = performance.timeOrigin + start
    const prepared = prepareRequest(exchange, {
      auth,
      shift: shift
        ? {
            offsetMs: Math.round(atEpoch - exchange.timing.startedAtMs),
            recordedAtMs: exchange.timing.startedAtMs,
            ...(options.epochWindowMs === undefined ? {} : { epochWindowMs: options.epochWindowMs }),
          }
        : undefined,
      headers: options.auth?.headers,
    })
    const route = routeKey(prepared.method, exchange.request.url)
    sent++
    if (Number.isNaN(firstSend)) firstSend = now
    lastSend = now
    const responses: Record<string, ObservedResponse> = {}
    let outstanding = runners.length
    let incomplete = false
    inFlight++
    const done = (target: string, observed: ObservedResponse | undefined) => {
      if (observed) responses[target] = observed
      else incomplete = true
      if (--outstanding > 0) return
      inFlight--
      if (incomplete) dropped++
      else if (observe) {
        const observation: ReplayObservation = {
          id: exchange.id,
          method: prepared.method,
          url: prepared.path,
          route,
          ...(exchange.session === undefined ? {} : { session: exchange.session }),
          responses,
        }
        try {
          options.onObservation!(observation)
        } catch (error) {
          options.logger?.error({ err: error }, 'the replay observer failed')
        }
      }
      settleSession(exchange.session)
      if (inFlight === 0 && held === 0) onIdle?.()
    }
    // The targets take turns going first, so that no target always pays for another's send.
    const first = sent % runners.length
    for (let i = 0; i < runners.length; i++) {
      runners[(first + i) % runners.length]!.send(prepared, route, start, atEpoch, done)
    }
  }

  const arrive = (item: Pending) => {
    const session = item.exchange.session
    if (session !== undefined) {
      let state = sessions.get(session)
      if (state?.busy) {
        if (held >= MAX_HELD) {
          dropped++
          return
        }
        state.queue.push(item)
        held++
        heldForSession++
        return
      }
      if (!state) {
        state = { busy: false, queue: [] }
        sessions.set(session, state)
        if (seenSessions.size < MAX_HELD) seenSessions.add(session)
      }
      state.busy = true
    }
    fire(item, false)
  }

  let index = 0
  const schedule = async (item: Pending) => {
    const startedAt = item.exchange.timing.startedAtMs
    let due =
      evenGapMs !== undefined ? index * evenGapMs : Number.isFinite(speed) ? (startedAt - scan.firstMs) / speed : 0
    index++
    if (Number.isNaN(t0)) t0 = performance.now() + LEAD_MS
    // Beyond the reorder window, an exchange recorded earlier than one already sent goes now.
    if (due < lastDue) due = lastDue
    lastDue = due
    item.due = due
    const wait = t0 + due - performance.now()
    if (wait > 1) await sleep(wait - 0.5, signal)
    arrive(item)
  }

  const progressTimer = options.onProgress
    ? setInterval(() => {
        options.onProgress!({
          elapsedMs: Number.isNaN(t0) ? 0 : performance.now() - t0,
          totalMs,
          sent,
          total: scan.replayable,
          inFlight: runners.reduce((n, r) => n + r.inFlight, 0),
        })
      }, options.progressIntervalMs ?? 1000)
    : undefined

  try {
    const order = new StartOrder()
    for await (const exchange of captureExchanges(path, {
      signal,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
    })) {
      const reason = notReplayable(exchange)
      if (reason) {
        skipped[reason] = (skipped[reason] ?? 0) + 1
        continue
      }
      order.push({ exchange, due: 0, seq: seq++ })
      if (order.size > REORDER_WINDOW) await schedule(order.pop()!)
    }
    while (order.size > 0) await schedule(order.pop()!)
    // Drain: every request ends by itself (undici's timeouts); the deadline is a backstop.
    if (inFlight > 0 || held > 0) {
      const idle = new Promise<void>((resolve) => {
        onIdle = resolve
      })
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2 * timeoutMs + 1000)
      })
      let onAbort: (() => void) | undefined
      const aborted = new Promise<void>((_, reject) => {
        onAbort = () => reject(abortError(signal))
        signal.addEventListener('abort', onAbort, { once: true })
      })
      try {
        await Promise.race([idle, deadline, aborted])
      } finally {
        clearTimeout(timer)
        if (onAbort) signal.removeEventListener('abort', onAbort)
      }
    }
  } finally {
    stopping = true
    if (progressTimer) clearInterval(progressTimer)
    await Promise.allSettled(runners.map((r) => r.destroy()))
  }
  throwIfAborted(signal)

  const elapsedMs = performance.now() - t0
  const epoch0 = performance.timeOrigin + t0
  const sendSpan = lastSend - firstSend
  return {
    file: path,
    exchanges: scan.exchanges,
    replayed: sent,
    skipped: { ...scan.skipped, ...skipped },
    dropped,
    late,
    heldForSession,
    sessions: seenSessions.size,
    startedAt: epoch0,
    recordedSpanMs: Math.max(0, spanMs),
    scheduledMs: totalMs,
    elapsedMs,
    speed,
    recordedRate: spanMs > 0 ? ((scan.replayable - 1) * 1000) / spanMs : 0,
    ...('rate' in timing ? { requestedRate: timing.rate } : {}),
    achievedRate: sent > 1 && sendSpan > 0 ? ((sent - 1) * 1000) / sendSpan : 0,
    identities: auth?.identities ?? 0,
    targets: runners.map((r) => r.result()),
  }
}
