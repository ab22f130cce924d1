/**
 * @module traffic/proxy/proxy-metrics
 * Prometheus exposition of the proxy's own counters (`GET /metrics` of the control API). Values are
 * read from the plain counters when scraped, so the hot path never touches prom-client.
 */
import { Counter, Gauge, Registry } from 'prom-client'
import type { FaultSet } from './fault-set.ts'
import type { ProxyCounters } from './proxy-counters.ts'
import type { PoolStats } from './target-pools.ts'

const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const

/** A registry whose metrics read `counters`, `faults` and the pools' statistics on every scrape. */
export function createProxyMetrics(
  counters: ProxyCounters,
  faults: FaultSet,
  pools: () => Map<string, PoolStats>,
): Registry {
  const registry = new Registry()
  new Counter({
    name: 'rehearse_proxy_responses_total',
    help: 'Requests the proxy finished, by target and status class ("none": no response reached the client).',
    labelNames: ['target', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, c] of counters.targets) {
        c.responses.forEach((n, i) => {
          if (n > 0) this.inc({ target, status: STATUS_CLASSES[i]! }, n)
        })
      }
    },
  })
  new Counter({
    name: 'rehearse_proxy_failures_total',
    help: 'Requests that failed or were cut, by target and cause (connect-refused, timeout, fault-injected, …).',
    labelNames: ['target', 'cause'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, c] of counters.targets) for (const [cause, n] of c.causes) this.inc({ target, cause }, n)
    },
  })
  new Counter({
    name: 'rehearse_proxy_response_bytes_total',
    help: 'Response body bytes sent to clients, by target.',
    labelNames: ['target'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, c] of counters.targets) if (c.bytes > 0) this.inc({ target }, c.bytes)
    },
  })
  new Gauge({
    name: 'rehearse_proxy_requests_in_flight',
    help: 'Requests received and not yet finished.',
    registers: [registry],
    collect() {
      this.set(counters.inFlight)
    },
  })
  new Gauge({
    name: 'rehearse_proxy_upstream_connections',
    help: 'Open upstream connections, by target and state (busy, free).',
    labelNames: ['target', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, s] of pools()) {
        this.set({ target, state: 'busy' }, s.connected - s.free)
        this.set({ target, state: 'free' }, s.free)
      }
    },
  })
  new Gauge({
    name: 'rehearse_proxy_upstream_queued',
    help: 'Requests waiting for an upstream connection, by target.',
    labelNames: ['target'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const [target, s] of pools()) this.set({ target }, s.queued)
    },
  })
  new Counter({
    name: 'rehearse_proxy_fault_injections_total',
    help: 'Requests a fault rule was applied to, by rule and kind (active rules only).',
    labelNames: ['rule', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const rule of faults.rules) this.inc({ rule: rule.name, kind: rule.kind }, rule.stats.injected)
    },
  })
  new Gauge({
    name: 'rehearse_proxy_faults_active',
    help: 'Requests under a fault rule right now, by rule.',
    labelNames: ['rule'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const rule of faults.rules) this.set({ rule: rule.name }, rule.stats.active)
    },
  })
  return registry
}
