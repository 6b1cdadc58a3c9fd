/**
 * Live Prometheus metrics of load runs (names from PRODUCT.md), fed from the merged windows the
 * workers send — never from the measuring threads. The request histogram is kept as cumulative
 * bucket counts derived from each window's HDR histogram, so one window costs one pass over its
 * non-empty buckets, not one `observe` per request. Registered on the registry given, never the
 * global one; the `run` label is the load's configured name, so cardinality is bounded by config.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';
import { OUTCOME_CLASSES } from './window/outcome.js';
import { forEachBucket } from './window/histogram.js';
import type { WindowSnapshot } from './window/snapshot.js';

/** Bucket bounds of `perfwarden_load_request_duration_seconds`, seconds. */
export const LOAD_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type LoadLabel = 'run' | 'endpoint';

interface Series {
  labels: Record<LoadLabel, string>;
  /** Non-cumulative counts per bucket, the last one for +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A prom-client histogram whose series are filled from HDR bucket counts in bulk (`addBucketCounts`) and
 * rendered like any histogram (`get`), so exposition, OpenMetrics views and readers of the
 * registry see an ordinary histogram.
 */
class BulkHistogram extends Histogram<LoadLabel> {
  private readonly series = new Map<string, Series>();

  /** Adds a window's latencies, as its histogram's bucket counts. */
  addBucketCounts(labels: Record<LoadLabel, string>, pairs: Float64Array): void {
    const key = `${labels.run}\u0000${labels.endpoint}`;
    let s = this.series.get(key);
    if (s === undefined) this.series.set(key, (s = { labels, buckets: new Array<number>(LOAD_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }));
    const series = s;
    let count = 0;
    let sumMicros = 0;
    forEachBucket(pairs, (highest, median, n) => {
      const seconds = highest / 1e6;
      let b = 0;
      while (b < LOAD_BUCKETS.length && seconds > LOAD_BUCKETS[b]!) b++;
      series.buckets[b]! += n;
      count += n;
      sumMicros += median * n;
    });
    series.count += count;
    series.sum += sumMicros / 1e6;
  }

  /** Declares a series with zero counts (so dashboards see the run before its first window). */
  touch(labels: Record<LoadLabel, string>): void {
    const key = `${labels.run}\u0000${labels.endpoint}`;
    if (!this.series.has(key)) this.series.set(key, { labels, buckets: new Array<number>(LOAD_BUCKETS.length + 1).fill(0), sum: 0, count: 0 });
  }

  /** prom-client's registry renders a histogram from this when it has it; same data as `get`. */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<LoadLabel>>> {
    return this.get();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<LoadLabel>>> {
    // prom-client's typings omit the fields every metric has; read them as its own get() does.
    const self = this as unknown as { name: string; help: string; type: MetricObjectWithValues<MetricValueWithName<LoadLabel>>['type']; aggregator: MetricObjectWithValues<MetricValueWithName<LoadLabel>>['aggregator'] };
    const values: MetricValueWithName<LoadLabel>[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      s.buckets.forEach((n, i) => {
        acc += n;
        values.push({ metricName: `${self.name}_bucket`, labels: { ...s.labels, le: i < LOAD_BUCKETS.length ? LOAD_BUCKETS[i]! : '+Inf' } as never, value: acc });
      });
      values.push({ metricName: `${self.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${self.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: self.name, help: self.help, type: self.type, values, aggregator: self.aggregator } as MetricObjectWithValues<MetricValueWithName<LoadLabel>>;
  }
}

/** Metrics bound to one run's name and endpoints. */
export interface BoundLoadMetrics {
  /** Adds one worker's window. */
  addWindow(w: WindowSnapshot): void;
  setActiveVus(n: number): void;
  /** The generator's worst event-loop lag over the last second, seconds. */
  setGeneratorLag(seconds: number): void;
}

/** The load metrics of one registry. */
export class LoadMetrics {
  private readonly duration: BulkHistogram;
  private readonly requests: Counter<'run' | 'endpoint' | 'status_class'>;
  private readonly vus: Gauge<'run'>;
  private readonly dropped: Counter<'run'>;
  private readonly lag: Gauge<'run'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.duration = new BulkHistogram({ name: 'perfwarden_load_request_duration_seconds', help: 'Load run request latency (from intended start in the open model).', labelNames: ['run', 'endpoint'], buckets: LOAD_BUCKETS, registers });
    this.requests = new Counter({ name: 'perfwarden_load_requests_total', help: 'Load run requests by outcome class (2xx, 5xx, timeout, reset, refused, dns, tls …).', labelNames: ['run', 'endpoint', 'status_class'], registers });
    this.vus = new Gauge({ name: 'perfwarden_load_active_vus', help: 'Virtual users running (closed) or iterations in flight (open).', labelNames: ['run'], registers });
    this.lag = new Gauge({ name: 'perfwarden_load_generator_lag_seconds', help: 'Worst event-loop lag of the load worker threads over the last second; high values mean the numbers describe the generator, not the target.', labelNames: ['run'], registers });
    this.dropped = new Counter({ name: 'perfwarden_load_dropped_iterations_total', help: 'Open-model iterations dropped because the in-flight cap was reached.', labelNames: ['run'], registers });
  }

  /** Binds label children for a run. */
  bind(run: string, endpoints: readonly string[]): BoundLoadMetrics {
    for (const endpoint of endpoints) this.duration.touch({ run, endpoint });
    const dropped = this.dropped.labels({ run });
    dropped.inc(0);
    const vus = this.vus.labels({ run });
    const lag = this.lag.labels({ run });
    lag.set(0);
    return {
      addWindow: (w) => {
        w.endpoints.forEach((e, i) => {
          const endpoint = endpoints[i] ?? String(i);
          if (e.histogram !== null) this.duration.addBucketCounts({ run, endpoint }, e.histogram);
          for (const cls of OUTCOME_CLASSES) {
            const n = e.classes[cls];
            if (n > 0) this.requests.labels({ run, endpoint, status_class: cls }).inc(n);
          }
        });
        if (w.dropped > 0) dropped.inc(w.dropped);
      },
      setActiveVus: (n) => vus.set(n),
      setGeneratorLag: (seconds) => lag.set(seconds),
    };
  }
}
