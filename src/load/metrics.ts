/**
 * Live Prometheus metrics of load runs (names from PRODUCT.md). Registered on the registry given,
 * never the global one. The `run` label is the load's configured name, so cardinality is bounded
 * by config, not by how many runs happened. Label children are bound once per run so the hot
 * path only calls `observe`/`inc`.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { OutcomeClass } from './stats.js';
import type { RequestObserver } from './http-vu.js';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Metrics bound to one run's name and endpoints. */
export interface BoundLoadMetrics {
  observer: RequestObserver;
  onDropped: () => void;
  setActiveVus(n: number): void;
  /** The generator's own event-loop lag over the last second, seconds. */
  setGeneratorLag(seconds: number): void;
}

/** The load metrics of one registry. */
export class LoadMetrics {
  private readonly duration: Histogram<'run' | 'endpoint'>;
  private readonly requests: Counter<'run' | 'endpoint' | 'status_class'>;
  private readonly vus: Gauge<'run'>;
  private readonly dropped: Counter<'run'>;
  private readonly lag: Gauge<'run'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.duration = new Histogram({ name: 'perfwarden_load_request_duration_seconds', help: 'Load run request latency (from intended start in the open model).', labelNames: ['run', 'endpoint'], buckets: BUCKETS, registers });
    this.requests = new Counter({ name: 'perfwarden_load_requests_total', help: 'Load run requests by outcome class (2xx, 5xx, timeout, reset …).', labelNames: ['run', 'endpoint', 'status_class'], registers });
    this.vus = new Gauge({ name: 'perfwarden_load_active_vus', help: 'Virtual users running (closed) or iterations in flight (open).', labelNames: ['run'], registers });
    this.lag = new Gauge({ name: 'perfwarden_load_generator_lag_seconds', help: 'Event-loop lag of the load generator over the last second; high values mean the numbers describe the generator, not the target.', labelNames: ['run'], registers });
    this.dropped = new Counter({ name: 'perfwarden_load_dropped_iterations_total', help: 'Open-model iterations dropped because the in-flight cap was reached.', labelNames: ['run'], registers });
  }

  /** Binds label children for a run. */
  bind(run: string, endpoints: readonly string[]): BoundLoadMetrics {
    const hist = endpoints.map((e) => this.duration.labels({ run, endpoint: e }));
    const counters = endpoints.map(() => new Map<OutcomeClass, Counter.Internal>());
    const dropped = this.dropped.labels({ run });
    dropped.inc(0);
    const vus = this.vus.labels({ run });
    const lag = this.lag.labels({ run });
    lag.set(0);
    return {
      observer: (endpoint, seconds, cls) => {
        hist[endpoint]?.observe(seconds);
        const map = counters[endpoint];
        if (map === undefined) return;
        let c = map.get(cls);
        if (c === undefined) {
          c = this.requests.labels({ run, endpoint: endpoints[endpoint] ?? '', status_class: cls });
          map.set(cls, c);
        }
        c.inc();
      },
      onDropped: () => dropped.inc(),
      setActiveVus: (n) => vus.set(n),
      setGeneratorLag: (seconds) => lag.set(seconds),
    };
  }
}

