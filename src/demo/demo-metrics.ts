/**
 * The demo target's own `/metrics`, on its own prom-client Registry (never the global one, and
 * never the daemon's): default process metrics (resident memory, CPU seconds, heap), cache
 * hit/miss counters and request counts — what a real backend exposes for perfwarden's
 * `prometheus` resource source to scrape.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The demo's metrics. */
export interface DemoMetrics {
  readonly registry: Registry;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly requests: Counter<'route' | 'status'>;
}

/** Live figures the gauges read at scrape time. */
export interface DemoGaugeSources {
  leakRetainedBytes(): number;
  wsConnections(): number;
  cacheEntries(): number;
}

/** Creates a fresh registry with the demo's series. */
export function createDemoMetrics(sources: DemoGaugeSources): DemoMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const cacheHits = new Counter({ name: 'demo_cache_hits_total', help: 'Demo target cache lookups answered from the cache.', registers });
  const cacheMisses = new Counter({ name: 'demo_cache_misses_total', help: 'Demo target cache lookups that had to compute the value.', registers });
  const requests = new Counter({
    name: 'demo_requests_total',
    help: 'Demo target HTTP requests by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers,
  });
  new Gauge({
    name: 'demo_leak_retained_bytes',
    help: 'Bytes held by the demo target\'s simulated memory leak.',
    registers,
    collect() { this.set(sources.leakRetainedBytes()); },
  });
  new Gauge({
    name: 'demo_ws_connections',
    help: 'Open WebSocket connections on the demo target.',
    registers,
    collect() { this.set(sources.wsConnections()); },
  });
  new Gauge({
    name: 'demo_cache_entries',
    help: 'Entries in the demo target\'s item LRU.',
    registers,
    collect() { this.set(sources.cacheEntries()); },
  });
  return { registry, cacheHits, cacheMisses, requests };
}
