/**
 * @module telemetry/builtin-provider
 * The `MetricProvider` over Rehearse's own aggregator: what the load generator and the proxy
 * measured, with no metrics system to install.
 */
import { throwIfAborted } from '../core/errors.ts'
import type { MetricProvider, MetricQuery, Series } from './metric-provider.ts'
import type { SampleAggregator } from './sample-aggregator.ts'
import { extractSeries } from './series.ts'

/** A provider answering `BUILTIN_METRICS` (and `status_*`, `cause_*`) from an aggregator. */
export function createBuiltinProvider(aggregator: SampleAggregator): MetricProvider {
  return {
    name: 'builtin',
    async query(query: MetricQuery, signal: AbortSignal): Promise<Series[]> {
      throwIfAborted(signal)
      return extractSeries(aggregator, query)
    },
  }
}
