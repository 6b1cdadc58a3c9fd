/**
 * The daemon's own prom-client Registry (never the global default), with the Node process
 * metrics that describe the daemon's health: event-loop lag, heap, GC, CPU, RSS. The event-loop
 * lag percentiles are this project's (`event-loop-lag.ts`: a timer's lateness, not prom-client's
 * raw time between ticks); `nodejs_eventloop_lag_seconds` (one setImmediate's delay at each
 * scrape) is measured as prom-client does, without its collect's walk of an empty histogram.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { LAG_GAUGES, registerEventLoopLag, registerImmediateLag } from './event-loop-lag.js';

/** Latency buckets for web backends, 1 ms … 10 s, dense around the usual SLOs (200/400/600 ms). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
];

/** Creates a registry with the daemon's process metrics. */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // prom-client always starts a delay histogram for the gauges replaced below; at the longest
    // resolution a timer has (2^31-1 ms) it never wakes the loop.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 2 ** 31 - 1 });
    for (const stat of LAG_GAUGES) registry.removeSingleMetric(`nodejs_eventloop_lag_${stat}_seconds`);
    registry.removeSingleMetric('nodejs_eventloop_lag_seconds');
    registerEventLoopLag(registry);
    registerImmediateLag(registry);
    // Gauges named *_total break the exposition rules (promtool check metrics rejects them);
    // the same numbers are in nodejs_active_{handles,requests,resources} by type.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name);
    }
  }
  return registry;
}
