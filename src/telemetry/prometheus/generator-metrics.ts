/**
 * @module telemetry/prometheus/generator-metrics
 * The load generator's own metrics in Prometheus' text format (prom-client, a registry of its
 * own, never the global one): requests by target, status class and cause; a latency histogram
 * per target; late and dropped arrivals; in-flight requests; and the generator's saturation
 * (event-loop delay, CPU), so a dashboard shows when the generator is the bottleneck.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Sample, SampleSink } from '../../core/types.ts'
import { STATUS_CLASSES, statusClassIndex } from '../aggregate-cell.ts'

/** Latency buckets in seconds: 1 ms … 30 s, roughly ×2.5 apart. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What the generator knows about its own health, as `runLoad` measures it. */
export type GeneratorSaturation = { eventLoopDelayP99Ms: number; eventLoopDelayMaxMs: number; cpuRatio: number }

type Inc = { inc(value?: number): void }
type Observe = { observe(value: number): void }

/** The generator's metrics; `sink` is a SampleSink to tee next to the aggregator. */
export class GeneratorMetrics {
  readonly registry = new Registry()
  readonly sink: SampleSink
  readonly #requests: Counter<'target' | 'status_class' | 'cause'>
  readonly #latency: Histogram<'target'>
  readonly #late: Counter<'target'>
  readonly #dropped: Counter<'target'>
  readonly #inFlight: Gauge<'target'>
  readonly #rate: Gauge
  readonly #loopDelay: Gauge<'stat'>
  readonly #cpu: Gauge
  // prom-client hashes label values on every call; the children are cached per label set.
  readonly #requestChildren = new Map<string, Inc>()
  readonly #latencyChildren = new Map<string, Observe>()

  constructor(options: { prefix?: string } = {}) {
    const p = options.prefix ?? 'rehearse_load_'
    const registers = [this.registry]
    this.#requests = new Counter({
      name: `${p}requests_total`,
      help: 'Requests the load generator sent (or dropped), by target, status class and error cause.',
      labelNames: ['target', 'status_class', 'cause'],
      registers,
    })
    this.#latency = new Histogram({
      name: `${p}latency_seconds`,
      help: 'Latency from the intended start of each request to the end of its response.',
      labelNames: ['target'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.#late = new Counter({
      name: `${p}late_total`,
      help: 'Arrivals sent later than the lateness threshold behind their schedule.',
      labelNames: ['target'],
      registers,
    })
    this.#dropped = new Counter({
      name: `${p}dropped_total`,
      help: 'Arrivals not sent because the in-flight cap of the target was reached.',
      labelNames: ['target'],
      registers,
    })
    this.#inFlight = new Gauge({
      name: `${p}in_flight`,
      help: 'Requests in flight.',
      labelNames: ['target'],
      registers,
    })
    this.#rate = new Gauge({ name: `${p}target_rate`, help: 'Intended arrival rate, per second.', registers })
    this.#loopDelay = new Gauge({
      name: `${p}event_loop_delay_seconds`,
      help: "Event-loop delay of the generator's process (stat: p99 or max over the last report).",
      labelNames: ['stat'],
      registers,
    })
    this.#cpu = new Gauge({
      name: `${p}cpu_ratio`,
      help: "CPU time of the generator's process per wall-clock second (1 = one core busy).",
      registers,
    })
    this.sink = { record: (sample) => this.#record(sample) }
  }

  #record(sample: Sample): void {
    const statusClass = STATUS_CLASSES[statusClassIndex(sample.status)]!
    const cause = sample.cause ?? ''
    const key = `${sample.target}\u0000${statusClass}\u0000${cause}`
    let inc = this.#requestChildren.get(key)
    if (!inc) {
      inc = this.#requests.labels({ target: sample.target, status_class: statusClass, cause })
      this.#requestChildren.set(key, inc)
    }
    inc.inc()
    if (sample.cause === 'dropped') this.#dropped.labels({ target: sample.target }).inc()
    if (sample.status > 0 || sample.cause === 'timeout') {
      let observe = this.#latencyChildren.get(sample.target)
      if (!observe) {
        observe = this.#latency.labels({ target: sample.target })
        this.#latencyChildren.set(sample.target, observe)
      }
      observe.observe(sample.latencyUs / 1e6)
    }
  }

  /** Counts arrivals sent late, for one target. */
  late(target: string, count = 1): void {
    this.#late.labels({ target }).inc(count)
  }

  setInFlight(target: string, value: number): void {
    this.#inFlight.labels({ target }).set(value)
  }

  setTargetRate(perSecond: number): void {
    this.#rate.set(perSecond)
  }

  setSaturation(s: GeneratorSaturation): void {
    this.#loopDelay.labels({ stat: 'p99' }).set(s.eventLoopDelayP99Ms / 1000)
    this.#loopDelay.labels({ stat: 'max' }).set(s.eventLoopDelayMaxMs / 1000)
    this.#cpu.set(s.cpuRatio)
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics()
  }

  /** The Content-Type header to serve `text()` with. */
  get contentType(): string {
    return this.registry.contentType
  }
}
