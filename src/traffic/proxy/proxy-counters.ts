/**
 * @module traffic/proxy/proxy-counters
 * The proxy's own counters: plain numbers bumped on the hot path and read by `/metrics` when it is
 * scraped (prom-client's label hashing stays off the hot path).
 */
import type { ErrorCause } from '../../core/types.ts'

export class TargetCounters {
  /** Responses by status class: index 0 = no status, 1 = 1xx … 5 = 5xx. */
  readonly responses = [0, 0, 0, 0, 0, 0]
  bytes = 0
  readonly causes = new Map<ErrorCause, number>()
}

export class ProxyCounters {
  inFlight = 0
  readonly targets = new Map<string, TargetCounters>()

  constructor(targets: readonly string[]) {
    for (const name of targets) this.targets.set(name, new TargetCounters())
  }

  /** Counts one finished request. */
  count(target: string, status: number, bytes: number, cause: ErrorCause | undefined): void {
    const counters = this.targets.get(target)
    if (counters === undefined) return
    const statusClass = status >= 100 && status < 600 ? (status / 100) | 0 : 0
    counters.responses[statusClass]!++
    counters.bytes += bytes
    if (cause !== undefined) counters.causes.set(cause, (counters.causes.get(cause) ?? 0) + 1)
  }
}
