/**
 * The merging side of windows, in the run driver: cumulative counters and decoded HDR histograms
 * per endpoint and overall. Merging is exact (counts add, histograms add bucket by bucket), so one
 * worker or four, one process or three shards, give the same statistics; percentiles are derived
 * only when asked. Pure data: no timers, no threads.
 */
import { addCounts, emptyCounts, errorsByClass } from './counts.js';
import type { Counts } from './counts.js';
import { addBucketCounts, createLatencyHistogram, encodeHistogram, meanMs, percentileMs, summarize } from './histogram.js';
import type { Histogram, LatencySummary } from './histogram.js';
import type { OutcomeClass } from './outcome.js';
import type { EndpointWindow, WindowSnapshot } from './snapshot.js';
import type { ThresholdInput } from '../thresholds.js';

/** Statistics of one endpoint (or of the whole run). */
export interface EndpointStats {
  name: string;
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  /** Failed requests by class: 4xx, 5xx, timeout, reset, refused, dns, tls, error. */
  errorsByClass: Partial<Record<OutcomeClass, number>>;
  checks: { passed: number; failed: number };
  latencyMs: LatencySummary;
  /** The latency histogram, encoded (microseconds), so results merge exactly. */
  histogram: string;
}

/** Cumulative counters and histogram of one endpoint. */
export class EndpointAggregate {
  readonly counts: Counts = emptyCounts();
  readonly hist: Histogram = createLatencyHistogram();

  /** Adds a window's counters and its histogram's bucket counts. */
  add(w: Counts, hist: Float64Array | null): void {
    addCounts(this.counts, w);
    if (hist !== null) addBucketCounts(this.hist, hist);
  }

  /** Adds another aggregate's counters and histogram (a result's, decoded: merging results). */
  merge(w: Counts, hist: Histogram | null): void {
    addCounts(this.counts, w);
    if (hist !== null) this.hist.add(hist);
  }

  /** Statistics over `seconds`. */
  stats(name: string, seconds: number): EndpointStats {
    const c = this.counts;
    return {
      name,
      requests: c.requests,
      errors: c.errors,
      errorRate: c.requests === 0 ? 0 : Math.round((c.errors / c.requests) * 1e6) / 1e6,
      rps: seconds > 0 ? Math.round((c.requests / seconds) * 100) / 100 : 0,
      errorsByClass: errorsByClass(c),
      checks: { passed: c.checksPassed, failed: c.checksFailed },
      latencyMs: summarize(this.hist),
      histogram: encodeHistogram(this.hist),
    };
  }

  /** What thresholds are evaluated against (undefined when nothing was sent). */
  thresholdInput(seconds: number, dropped: number): ThresholdInput | undefined {
    const c = this.counts;
    if (c.requests === 0) return undefined;
    const h = this.hist;
    const checks = c.checksPassed + c.checksFailed;
    return {
      percentile: (p) => percentileMs(h, p),
      avg: () => meanMs(h),
      max: h.totalCount === 0 ? Number.NaN : h.maxValue / 1000,
      min: h.totalCount === 0 ? Number.NaN : h.minNonZeroValue / 1000,
      errorRate: c.errors / c.requests,
      rps: seconds > 0 ? c.requests / seconds : 0,
      checks: checks === 0 ? 1 : c.checksPassed / checks,
      dropped,
    };
  }
}

/** Everything measured in a run (or a sweep step): windows merged as they arrive. */
export class RunAggregate {
  readonly overall = new EndpointAggregate();
  private readonly perEndpoint: EndpointAggregate[];
  iterations = 0;
  dropped = 0;

  constructor(private readonly names: readonly string[]) {
    this.perEndpoint = names.length === 1 ? [this.overall] : names.map(() => new EndpointAggregate());
  }

  /** Merges one window. */
  add(w: WindowSnapshot): void {
    this.overall.add(w.overall, w.overall.histogram);
    if (this.perEndpoint.length > 1) {
      w.endpoints.forEach((e: EndpointWindow, i) => this.perEndpoint[i]?.add(e, e.histogram));
    }
    this.iterations += w.iterations;
    this.dropped += w.dropped;
  }

  /** The aggregate of an endpoint by name (the overall one when the run has one endpoint). */
  endpoint(name: string): EndpointAggregate | undefined {
    return this.perEndpoint[this.names.indexOf(name)];
  }

  /** Threshold input of an endpoint by name, or of the whole run (`undefined`). */
  thresholdInput(endpoint: string | undefined, seconds: number): ThresholdInput | undefined {
    const agg = endpoint === undefined ? this.overall : this.perEndpoint[this.names.indexOf(endpoint)];
    return agg?.thresholdInput(seconds, this.dropped);
  }

  /** Per-endpoint statistics, in declaration order. */
  endpoints(seconds: number): EndpointStats[] {
    return this.perEndpoint.map((a, i) => a.stats(this.names[i] ?? String(i), seconds));
  }
}
