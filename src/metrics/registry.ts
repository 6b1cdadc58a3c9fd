/**
 * The daemon's own prom-client Registry (never the global default), with the Node process
 * metrics that describe the daemon's health: event-loop lag, heap, GC, CPU, RSS.
 *
 * Event-loop lag is sampled every millisecond: Node's `monitorEventLoopDelay` records the whole
 * time between two of its timer ticks, so `nodejs_eventloop_lag_p99_seconds` never reads below
 * the sampling interval (at 10 ms, the 20 ms lag goal left 10 ms of real lag to see). At 1 ms it
 * reads ~1.1 ms on an idle loop. The extra ticks (1,000 wake-ups a second) cost +0.1 to +0.3
 * CPU-s a minute beside a 1,000-probe daemon's 5-6 on a saturated machine, but +0.9 to +1.0
 * (1.5-1.7 % of a core, of the daemon's ~12-13 %) in two side-by-side pairs at load average 2-3,
 * and 1.1 % of a core in an idle process against 0.4 % at 10 ms (README, "Where a probe run's
 * CPU goes"). `monitorEventLoopDelay` already samples in C++, without a JS timer.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets for web backends, 1 ms … 10 s, dense around the usual SLOs (200/400/600 ms). */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10,
];

/** Creates a registry with the daemon's process metrics. */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1 });
    // Gauges named *_total break the exposition rules (promtool check metrics rejects them);
    // the same numbers are in nodejs_active_{handles,requests,resources} by type.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      registry.removeSingleMetric(name);
    }
  }
  return registry;
}
