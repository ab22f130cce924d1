/**
 * @module telemetry/tee-sink
 * One sink that hands every sample to several (the aggregator and the exposition metrics, say).
 */
import type { Sample, SampleSink } from '../core/types.ts'

/** A sink that records each sample into every given sink, in order. */
export function teeSinks(...sinks: SampleSink[]): SampleSink {
  if (sinks.length === 1) return sinks[0]!
  return {
    record(sample: Sample): void {
      for (const sink of sinks) sink.record(sample)
    },
  }
}
