/**
 * @module traffic/load/saturation-monitor
 * Watches the generator's own process — event-loop delay (perf_hooks) and CPU time — so that a
 * run can say when the generator, not the service under test, was the bottleneck.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { Saturation } from './load-plan.ts'

/** Above these, the generator is reported as saturated. */
export const SATURATION_LIMITS = { eventLoopDelayP99Ms: 50, cpuPercent: 90, lateFraction: 0.01 } as const

/** Sampling interval of the event-loop monitor, ms. Node reports each delay including it. */
const RESOLUTION_MS = 10

export class SaturationMonitor {
  readonly #loop: ReturnType<typeof monitorEventLoopDelay>
  readonly #cpuStart: NodeJS.CpuUsage
  readonly #wallStart: number

  constructor() {
    this.#loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.#loop.enable()
    this.#cpuStart = process.cpuUsage()
    this.#wallStart = performance.now()
  }

  /** Saturation so far; `lateFraction` is the share of arrivals sent late. */
  read(lateFraction: number): Saturation {
    const cpu = process.cpuUsage(this.#cpuStart)
    const wallMs = Math.max(1, performance.now() - this.#wallStart)
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100
    const count = this.#loop.count
    const delay = (ns: number) => (count > 0 ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0)
    const eventLoopDelayP99Ms = delay(this.#loop.percentile(99))
    const eventLoopDelayMaxMs = delay(this.#loop.max)
    const reasons: string[] = []
    if (eventLoopDelayP99Ms > SATURATION_LIMITS.eventLoopDelayP99Ms) {
      reasons.push(
        `event-loop delay p99 ${eventLoopDelayP99Ms.toFixed(1)} ms > ${SATURATION_LIMITS.eventLoopDelayP99Ms} ms`,
      )
    }
    if (cpuPercent > SATURATION_LIMITS.cpuPercent) {
      reasons.push(`CPU ${cpuPercent.toFixed(0)}% of a core > ${SATURATION_LIMITS.cpuPercent}%`)
    }
    if (lateFraction > SATURATION_LIMITS.lateFraction) {
      reasons.push(
        `${(lateFraction * 100).toFixed(1)}% of arrivals sent late > ${SATURATION_LIMITS.lateFraction * 100}%`,
      )
    }
    return {
      eventLoopDelayP99Ms,
      eventLoopDelayMaxMs,
      cpuPercent,
      lateFraction,
      saturated: reasons.length > 0,
      reasons,
    }
  }

  stop(): void {
    this.#loop.disable()
  }
}
