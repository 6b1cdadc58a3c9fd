/**
 * The measurement core of a load run: per-endpoint and overall latency histograms, errors by
 * class, checks, dropped iterations and a per-second time series of bounded length. Pure data:
 * callers pass times in and get plain objects out, so it is tested without sockets or timers.
 * Endpoints are addressed by index on the hot path (no map lookups, no string building).
 */
import { createLatencyHistogram, percentileMs, recordMicros, summarize } from './histogram.js';
import type { Histogram, LatencySummary } from './histogram.js';
import type { ThresholdInput } from './thresholds.js';

/** Why a request did not produce a response, or the class of the status it produced. */
export type OutcomeClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'reset' | 'refused' | 'dns' | 'error';

/** Every outcome class, for pre-initialised counters and metric series. */
export const OUTCOME_CLASSES: readonly OutcomeClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'timeout', 'reset', 'refused', 'dns', 'error'];

/** The class of an HTTP status. */
export function statusClass(status: number): OutcomeClass {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/** The class of a transport error, from its `code`. */
export function errorClass(err: { code?: unknown; name?: unknown }): OutcomeClass {
  const code = typeof err.code === 'string' ? err.code : '';
  if (/TIMEOUT/.test(code) || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  return 'error';
}

/** One second (or, after coalescing, a longer window) of the run. */
export interface SeriesPoint {
  /** Seconds since measurement started, at the window's start. */
  t: number;
  /** Window length in seconds (1 until the series is coalesced). */
  width: number;
  requests: number;
  errors: number;
  rps: number;
  /** Latency percentiles of the window in ms (null when the window had no responses). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  vus: number;
  dropped: number;
  /** Generator event-loop lag (max in window, ms) and CPU (% of one core). */
  lagMs: number;
  cpuPercent: number;
  /** True when the generator, not the target, was the bottleneck in this window. */
  saturated: boolean;
}

/** Statistics of one endpoint (or of the whole run). */
export interface EndpointStats {
  name: string;
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  /** Failed requests by class: 4xx, 5xx, timeout, reset, refused, dns, error. */
  errorsByClass: Partial<Record<OutcomeClass, number>>;
  checks: { passed: number; failed: number };
  latencyMs: LatencySummary;
}

class Bucket {
  readonly hist: Histogram = createLatencyHistogram();
  requests = 0;
  errors = 0;
  checksPassed = 0;
  checksFailed = 0;
  /** Counts by outcome class; a plain object with fixed keys keeps the hot path monomorphic. */
  readonly classes: Record<OutcomeClass, number> = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, timeout: 0, reset: 0, refused: 0, dns: 0, error: 0 };
  constructor(readonly name: string) {}

  add(micros: number, cls: OutcomeClass, isError: boolean): void {
    this.requests++;
    if (isError) this.errors++;
    this.classes[cls]++;
    // Latency of failed connections says nothing about the target's speed.
    if (cls !== 'refused' && cls !== 'dns') recordMicros(this.hist, micros);
  }
}

/** Options of a collector. */
export interface LoadStatsOptions {
  /** Longest series kept; older points are merged pairwise when it fills (default 3600). */
  maxSeriesPoints?: number;
}

/** Collects a run's measurements. */
export class LoadStats {
  private readonly total = new Bucket('overall');
  private readonly buckets: Bucket[];
  private readonly names: readonly string[];
  private window: Histogram = createLatencyHistogram();
  private windowRequests = 0;
  private windowErrors = 0;
  private windowDropped = 0;
  private windowStart = 0;
  private readonly series: SeriesPoint[] = [];
  private readonly maxPoints: number;
  private startedAt = 0;
  private endedAt = 0;
  /** False during warmup and after the end: nothing is recorded. */
  recording = false;
  dropped = 0;
  iterations = 0;
  /** A second collector that receives the same records (a sweep step's own statistics). */
  tee: LoadStats | undefined;

  constructor(endpointNames: readonly string[], options: LoadStatsOptions = {}) {
    // With one endpoint, its statistics are the overall ones: record once, not twice.
    this.buckets = endpointNames.length === 1 ? [this.total] : endpointNames.map((n) => new Bucket(n));
    this.names = endpointNames;
    this.maxPoints = Math.max(16, options.maxSeriesPoints ?? 3600);
  }

  /** Starts (or restarts, after warmup) measuring at `nowMs`, discarding anything before. */
  begin(nowMs: number): void {
    this.startedAt = nowMs;
    this.windowStart = nowMs;
    this.recording = true;
  }

  /** Stops measuring at `nowMs`. */
  end(nowMs: number): void {
    if (this.recording) this.endedAt = nowMs;
    this.recording = false;
  }

  /** Records a response or transport failure of endpoint `index`. */
  record(index: number, micros: number, cls: OutcomeClass, isError: boolean): void {
    if (this.tee !== undefined) this.tee.record(index, micros, cls, isError);
    if (!this.recording) return;
    const b = this.buckets[index];
    if (b !== undefined && b !== this.total) b.add(micros, cls, isError);
    this.total.add(micros, cls, isError);
    if (cls !== 'refused' && cls !== 'dns') recordMicros(this.window, micros);
    this.windowRequests++;
    if (isError) this.windowErrors++;
  }

  /** Records check outcomes of endpoint `index`. */
  recordChecks(index: number, passed: number, failed: number): void {
    if (this.tee !== undefined) this.tee.recordChecks(index, passed, failed);
    if (!this.recording) return;
    const b = this.buckets[index];
    if (b !== undefined && b !== this.total) {
      b.checksPassed += passed;
      b.checksFailed += failed;
    }
    this.total.checksPassed += passed;
    this.total.checksFailed += failed;
  }

  /** Counts an iteration that was due but dropped (in-flight cap reached). */
  recordDropped(): void {
    if (this.tee !== undefined) this.tee.recordDropped();
    if (!this.recording) return;
    this.dropped++;
    this.windowDropped++;
  }

  /** Counts a completed iteration. */
  recordIteration(): void {
    if (this.tee !== undefined) this.tee.recordIteration();
    if (this.recording) this.iterations++;
  }

  /** Closes the current window at `nowMs` and appends it to the series. */
  tick(nowMs: number, gen: { vus: number; lagMs: number; cpuPercent: number; saturated: boolean }): SeriesPoint | undefined {
    if (!this.recording) return undefined;
    const seconds = Math.max(1e-3, (nowMs - this.windowStart) / 1000);
    const has = this.window.totalCount > 0;
    const point: SeriesPoint = {
      t: Math.round((this.windowStart - this.startedAt) / 10) / 100,
      width: Math.round(seconds * 100) / 100,
      requests: this.windowRequests,
      errors: this.windowErrors,
      rps: Math.round((this.windowRequests / seconds) * 10) / 10,
      p50: has ? percentileMs(this.window, 50) : null,
      p95: has ? percentileMs(this.window, 95) : null,
      p99: has ? percentileMs(this.window, 99) : null,
      vus: gen.vus,
      dropped: this.windowDropped,
      lagMs: Math.round(gen.lagMs * 10) / 10,
      cpuPercent: Math.round(gen.cpuPercent),
      saturated: gen.saturated,
    };
    this.window.reset();
    this.windowRequests = 0;
    this.windowErrors = 0;
    this.windowDropped = 0;
    this.windowStart = nowMs;
    this.series.push(point);
    if (this.series.length >= this.maxPoints) coalesce(this.series);
    return point;
  }

  /** Length of the window not yet closed by `tick`, seconds. */
  openWindowSeconds(nowMs: number): number {
    return this.recording ? (nowMs - this.windowStart) / 1000 : 0;
  }

  /** Seconds measured so far (or in total, once ended). */
  elapsedSeconds(nowMs: number): number {
    const end = this.recording ? nowMs : this.endedAt;
    return Math.max(0, (end - this.startedAt) / 1000);
  }

  /** Statistics of the whole run. */
  overall(nowMs: number): EndpointStats {
    return toStats(this.total, this.elapsedSeconds(nowMs));
  }

  /** Statistics per endpoint, in declaration order. */
  endpoints(nowMs: number): EndpointStats[] {
    const s = this.elapsedSeconds(nowMs);
    return this.buckets.map((b, i) => ({ ...toStats(b, s), name: this.names[i] ?? b.name }));
  }

  /** The time series so far (a copy). */
  timeSeries(): SeriesPoint[] {
    return this.series.slice();
  }

  /** Threshold input for one endpoint by name (undefined when unknown or without requests), or overall. */
  thresholdInput(endpoint: string | undefined, nowMs: number): ThresholdInput | undefined {
    const i = endpoint === undefined ? -1 : this.names.indexOf(endpoint);
    const bucket = endpoint === undefined ? this.total : this.buckets[i];
    if (bucket === undefined || bucket.requests === 0) return undefined;
    const seconds = this.elapsedSeconds(nowMs);
    const h = bucket.hist;
    const checks = bucket.checksPassed + bucket.checksFailed;
    return {
      percentile: (p) => percentileMs(h, p),
      avg: h.totalCount === 0 ? Number.NaN : h.mean / 1000,
      max: h.totalCount === 0 ? Number.NaN : h.maxValue / 1000,
      min: h.totalCount === 0 ? Number.NaN : h.minNonZeroValue / 1000,
      errorRate: bucket.errors / bucket.requests,
      rps: seconds > 0 ? bucket.requests / seconds : 0,
      checks: checks === 0 ? 1 : bucket.checksPassed / checks,
      dropped: this.dropped,
    };
  }

  /** The overall histogram (for encoding or merging). */
  overallHistogram(): Histogram {
    return this.total.hist;
  }
}

function toStats(b: Bucket, seconds: number): EndpointStats {
  const errorsByClass: Partial<Record<OutcomeClass, number>> = {};
  for (const cls of OUTCOME_CLASSES) {
    if (cls === '1xx' || cls === '2xx' || cls === '3xx') continue;
    const n = b.classes[cls];
    if (n > 0) errorsByClass[cls] = n;
  }
  return {
    name: b.name,
    requests: b.requests,
    errors: b.errors,
    errorRate: b.requests === 0 ? 0 : Math.round((b.errors / b.requests) * 1e6) / 1e6,
    rps: seconds > 0 ? Math.round((b.requests / seconds) * 100) / 100 : 0,
    errorsByClass,
    checks: { passed: b.checksPassed, failed: b.checksFailed },
    latencyMs: summarize(b.hist),
  };
}

/**
 * Halves the series' resolution in place: adjacent windows merge, counts add, percentiles keep
 * the worse of the two (a conservative bound, since the windows' histograms are gone).
 */
export function coalesce(series: SeriesPoint[]): void {
  const merged: SeriesPoint[] = [];
  for (let i = 0; i < series.length; i += 2) {
    const a = series[i];
    const b = series[i + 1];
    if (a === undefined) break;
    if (b === undefined) {
      merged.push(a);
      break;
    }
    const width = a.width + b.width;
    const worst = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
    merged.push({
      t: a.t,
      width,
      requests: a.requests + b.requests,
      errors: a.errors + b.errors,
      rps: Math.round(((a.requests + b.requests) / width) * 10) / 10,
      p50: worst(a.p50, b.p50),
      p95: worst(a.p95, b.p95),
      p99: worst(a.p99, b.p99),
      vus: Math.max(a.vus, b.vus),
      dropped: a.dropped + b.dropped,
      lagMs: Math.max(a.lagMs, b.lagMs),
      cpuPercent: Math.round((a.cpuPercent + b.cpuPercent) / 2),
      saturated: a.saturated || b.saturated,
    });
  }
  series.length = 0;
  series.push(...merged);
}
