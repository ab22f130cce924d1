/**
 * @module rehearsal/report/testing/fixture-log
 * Building blocks of the report's fixtures: an event log with consecutive `seq` numbers, events
 * as the store hands them back, and seeded latency samples with their histogram.
 */
import { seededRandom } from '../../../analysis/seeded-random.ts'
import type { RehearsalEvent } from '../../../core/types.ts'

/** When every fixture rehearsal starts: 2025-03-14 09:30:00 UTC. */
export const T0 = Date.UTC(2025, 2, 14, 9, 30, 0)

/** Builds events with consecutive `seq` numbers and the given times. */
export class Log {
  readonly events: RehearsalEvent[] = []
  readonly id: string
  constructor(id: string) {
    this.id = id
  }
  emit(type: string, at: number, data: unknown): void {
    this.events.push({ rehearsalId: this.id, seq: this.events.length + 1, at: new Date(at).toISOString(), type, data })
  }
  step(name: string, from: number, to: number, during?: () => void): void {
    this.emit('step.started', from, { step: name })
    during?.()
    this.emit('step.finished', to, { step: name, ms: to - from })
  }
}

/** Events as the store gives them back: through JSON (unbounded interval ends become null). */
export function stored(events: RehearsalEvent[]): RehearsalEvent[] {
  return JSON.parse(JSON.stringify(events)) as RehearsalEvent[]
}

/** Log-normal latencies (ms) around a median, with a heavier tail for a share of them. */
export function latencies(seed: string, n: number, medianMs: number, sigma = 0.35): number[] {
  const random = seededRandom(seed)
  return Array.from({ length: n }, () => {
    const tail = random.next() < 0.03 ? 2.2 : 1
    return Math.round(medianMs * Math.exp(sigma * random.normal()) * tail * 100) / 100
  })
}

/** Values rounded to two significant digits and counted: the shape of an HDR histogram's buckets. */
export function histogram(values: number[]): { values: number[]; counts: number[] } {
  const buckets = new Map<number, number>()
  for (const v of values) {
    const magnitude = 10 ** (Math.floor(Math.log10(v)) - 1)
    const bucket = Math.round(Math.ceil(v / magnitude) * magnitude * 1000) / 1000
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1)
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b)
  return { values: keys, counts: keys.map((k) => buckets.get(k)!) }
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}
