/**
 * @module traffic/proxy/fault-interceptor
 * Faults, per request: each active rule that matches fires with its probability (and while fewer
 * than `maxActive` requests are under it). Every rule that fires applies — delays add up, the
 * first terminal one (abort, hang, reset) ends the request instead of the upstream, bandwidth and
 * closeAfterBytes shape the upstream's response. A request no rule fires on goes through untouched:
 * the only cost of an idle rule is its matcher.
 */
import { performance } from 'node:perf_hooks'
import type { UniformRandom as Random } from '../../core/seeded-random.ts'
import { type CompiledFault, DEFAULT_HANG_MS, type FaultSet } from './fault-set.ts'
import type {
  Dispatch,
  ProxyController,
  ProxyHandler,
  ProxyInterceptor,
  ProxyRequest,
  ResponseHeaders,
} from './proxy.ts'
import { FaultError } from './proxy-errors.ts'

/** Pacing step of a bandwidth limit: the response goes out in slices of about this many ms' worth. */
const PACING_MS = 50
const MAX_SLICE = 16 * 1024

/**
 * One request under one or more faults. It is the handler of the upstream request and the
 * controller the downstream handlers see, so it can hold, shape or end the response and still
 * pass a client's abort through.
 */
class FaultedRequest implements ProxyHandler, ProxyController {
  readonly #request: ProxyRequest
  readonly #next: ProxyHandler
  readonly #dispatch: Dispatch
  readonly #fired: CompiledFault[]
  readonly #terminal: CompiledFault | undefined
  readonly #random: Random
  #upstream: ProxyController | null = null
  #timer: NodeJS.Timeout | undefined
  #finished = false
  #aborted = false
  #reason: Error | null = null
  #paused = false
  // Response shaping.
  #bytesPerSecond = Number.POSITIVE_INFINITY
  #closeAfter = Number.POSITIVE_INFINITY
  #sent = 0
  #queue: Buffer[] = []
  #nextSendAt = 0
  #upstreamPaused = false
  #pendingEnd: ResponseHeaders | null = null
  #pendingCut = false

  constructor(
    request: ProxyRequest,
    next: ProxyHandler,
    dispatch: Dispatch,
    fired: CompiledFault[],
    terminal: CompiledFault | undefined,
    random: Random,
  ) {
    this.#random = random
    this.#request = request
    this.#next = next
    this.#dispatch = dispatch
    this.#fired = fired
    this.#terminal = terminal
  }

  start(): void {
    let delay = 0
    for (const fault of this.#fired) {
      const rule = fault.rule
      if (rule.delay !== undefined) delay += Math.max(0, rule.delay + (rule.jitter ?? 0) * (2 * this.#random() - 1))
      if (rule.bandwidth !== undefined) this.#bytesPerSecond = Math.min(this.#bytesPerSecond, rule.bandwidth)
      if (rule.closeAfterBytes !== undefined) this.#closeAfter = Math.min(this.#closeAfter, rule.closeAfterBytes)
    }
    // The downstream handlers get this object as their controller from the start, so a client
    // that leaves during a delay or a hang cancels it.
    this.#next.onRequestStart(this, {})
    if (delay > 0) this.#timer = setTimeout(() => this.#afterDelay(), delay)
    else this.#afterDelay()
  }

  #afterDelay(): void {
    this.#timer = undefined
    if (this.#finished) return
    const terminal = this.#terminal
    if (terminal === undefined) {
      this.#dispatch(this.#request, this)
    } else if (terminal.abort !== undefined) {
      const { status, headers, body } = terminal.abort
      this.#request.cause = 'fault-injected'
      this.#finish()
      this.#next.onResponseStart(this, status, headers, undefined)
      if (body.length > 0) this.#next.onResponseData(this, body)
      this.#next.onResponseEnd(this, {})
    } else if (terminal.kind === 'reset') {
      this.#fail(new FaultError('reset', `fault ${terminal.name}: connection reset`))
    } else {
      const hang = terminal.rule.hang
      const ms = hang === true || hang === undefined ? DEFAULT_HANG_MS : hang
      this.#timer = setTimeout(
        () => this.#fail(new FaultError('close', `fault ${terminal.name}: hung for ${ms} ms`)),
        ms,
      )
    }
  }

  #finish(): void {
    this.#finished = true
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    for (const fault of this.#fired) fault.stats.active--
  }

  #fail(error: Error): void {
    if (this.#finished) return
    if (error instanceof FaultError) this.#request.cause = 'fault-injected'
    this.#finish()
    this.#next.onResponseError(this, error)
  }

  /** Ends the response where it is and closes the client's connection. */
  #cut(): void {
    if (this.#finished) return
    const error = new FaultError('close', `fault: connection closed after ${this.#sent} response bytes`)
    this.#request.cause = 'fault-injected'
    this.#finish()
    this.#upstream?.abort(error)
    this.#next.onResponseError(this, error)
  }

  // --- handler of the upstream request --------------------------------------------------------

  onRequestStart(controller: ProxyController): void {
    this.#upstream = controller
    if (this.#aborted) controller.abort(this.#reason!)
  }

  onResponseStart(
    _controller: ProxyController,
    statusCode: number,
    headers: ResponseHeaders,
    statusMessage?: string,
  ): void {
    if (this.#finished) return
    this.#next.onResponseStart(this, statusCode, headers, statusMessage)
    if (this.#closeAfter === 0) this.#cut()
  }

  onResponseData(controller: ProxyController, chunk: Buffer): void {
    if (this.#finished || this.#pendingCut) return
    let data = chunk
    let cutAfter = false
    const remaining = this.#closeAfter - this.#sent - this.#queuedBytes()
    if (data.length >= remaining) {
      data = data.subarray(0, remaining)
      cutAfter = true
    }
    if (this.#bytesPerSecond === Number.POSITIVE_INFINITY) {
      this.#sent += data.length
      if (data.length > 0) this.#next.onResponseData(this, data)
      if (cutAfter) this.#cut()
      return
    }
    const slice = Math.max(1, Math.min(MAX_SLICE, Math.floor((this.#bytesPerSecond * PACING_MS) / 1000)))
    for (let at = 0; at < data.length; at += slice) this.#queue.push(data.subarray(at, at + slice))
    this.#pendingCut = cutAfter
    if (this.#timer === undefined) this.#pump()
    if (this.#queue.length > 0 && !this.#upstreamPaused && !this.#finished) {
      // Hold the upstream until the slices are out: at most one upstream chunk is ever buffered.
      this.#upstreamPaused = true
      controller.pause()
    }
  }

  onResponseEnd(_controller: ProxyController, trailers: ResponseHeaders): void {
    if (this.#finished) return
    if (this.#queue.length > 0) {
      this.#pendingEnd = trailers
      return
    }
    this.#finish()
    this.#next.onResponseEnd(this, trailers)
  }

  onResponseError(_controller: ProxyController, error: Error): void {
    this.#fail(error)
  }

  #queuedBytes(): number {
    let total = 0
    for (const slice of this.#queue) total += slice.length
    return total
  }

  /** Sends the queued slices at the rule's rate, then ends, cuts or resumes the upstream. */
  #pump(): void {
    this.#timer = undefined
    while (this.#queue.length > 0 && !this.#paused && !this.#finished) {
      const now = performance.now()
      if (now < this.#nextSendAt) {
        this.#timer = setTimeout(() => this.#pump(), this.#nextSendAt - now)
        return
      }
      const slice = this.#queue.shift()!
      this.#nextSendAt = Math.max(now, this.#nextSendAt) + (slice.length / this.#bytesPerSecond) * 1000
      this.#sent += slice.length
      this.#next.onResponseData(this, slice)
    }
    if (this.#queue.length > 0 || this.#finished) return
    if (this.#pendingCut) {
      this.#cut()
    } else if (this.#pendingEnd !== null) {
      const trailers = this.#pendingEnd
      this.#finish()
      this.#next.onResponseEnd(this, trailers)
    } else if (this.#upstreamPaused) {
      this.#upstreamPaused = false
      this.#upstream?.resume()
    }
  }

  // --- controller for the downstream handlers -------------------------------------------------

  get aborted(): boolean {
    return this.#aborted
  }
  get paused(): boolean {
    return this.#paused
  }
  get reason(): Error | null {
    return this.#reason
  }

  abort(reason: Error): void {
    if (this.#aborted) return
    this.#aborted = true
    this.#reason = reason
    this.#upstream?.abort(reason)
    // Before the upstream started, or after it finished while slices were still queued, no error
    // comes back from it: end the request here.
    this.#fail(reason)
  }

  pause(): void {
    this.#paused = true
    if (this.#bytesPerSecond === Number.POSITIVE_INFINITY) this.#upstream?.pause()
  }

  resume(): void {
    this.#paused = false
    if (this.#bytesPerSecond !== Number.POSITIVE_INFINITY) {
      if (this.#timer === undefined) this.#pump()
    } else {
      this.#upstream?.resume()
    }
  }
}

/** The fault interceptor for a fault set (changes to the set apply to the next request). */
export function createFaultInterceptor(faults: FaultSet, random: Random = Math.random): ProxyInterceptor {
  return (dispatch) => (request, handler) => {
    const rules = faults.rules
    if (rules.length === 0) return dispatch(request, handler)
    let fired: CompiledFault[] | undefined
    let terminal: CompiledFault | undefined
    for (const rule of rules) {
      if (rule.terminal && terminal !== undefined) continue
      if (!rule.matches(request)) continue
      rule.stats.matched++
      if (random() >= rule.probability) continue
      if (rule.stats.active >= rule.maxActive) continue
      rule.stats.injected++
      rule.stats.active++
      if (fired === undefined) fired = []
      fired.push(rule)
      if (rule.terminal) terminal = rule
    }
    if (fired === undefined) return dispatch(request, handler)
    new FaultedRequest(request, handler, dispatch, fired, terminal, random).start()
    return true
  }
}
