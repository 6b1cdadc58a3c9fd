/**
 * The windowed measurements alert rules read: probe (and load) outcomes and target health
 * samples, kept for the longest window any rule needs and capped per series, so memory is
 * bounded however fast probes run. Pure data in, numbers out; no timers.
 */
import type { ProbeResult } from '../probe/types.js';
import type { HealthSample } from '../health/types.js';
import { cacheOutcome } from '../health/cache-headers.js';
import { quantileSorted } from '../health/theil-sen.js';
import type { Measure } from './measures.js';
import type { ChangeInfo } from './change-detector.js';
import { SampleSeries } from './sample-series.js';

/** What a probe or load request contributes. */
export interface OutcomeSample {
  at: number;
  ok: boolean;
  seconds: number;
  cache?: 'hit' | 'miss';
  /** TLS probes: seconds until the certificate expires, as of `at`. */
  certExpirySeconds?: number;
}

/** A load run's progress tick (the load module emits one a second), as the store keeps it. */
export interface LoadWindowSample {
  at: number;
  /** Requests and errors since the previous tick of the same run. */
  requests: number;
  errors: number;
  /** p95 of that tick's window, seconds. */
  p95?: number;
}

/** The fields of a 'load:progress' event the store reads. */
export interface LoadProgressLike {
  runId: string;
  name: string;
  phase: string;
  requests: number;
  errors: number;
  p95Ms: number | null;
}

/** One bucket of a cumulative latency histogram: observations at or under `le` seconds. */
export interface HistogramBucket {
  le: number;
  count: number;
}

/** A load's latency histogram (summed over its endpoints) as it stood at `at`. */
export interface HistogramSnapshot {
  at: number;
  /** Cumulative counts by ascending `le`, ending with `le: Infinity`. */
  buckets: readonly HistogramBucket[];
}

/** What the rules select on. */
export type SubjectKind = 'probes' | 'loads' | 'targets';

/** A computed measurement. */
export interface Measurement {
  value: number;
  samples: number;
  /** The change behind a change measure's value. */
  change?: ChangeInfo;
}

/** Options for {@link MeasureStore}. */
export interface MeasureStoreOptions {
  /** Keep samples this long (the longest rule window). */
  retentionMs: number;
  /** Cap per series. Default 10 000. */
  maxPerSeries?: number;
}

/** Windowed samples by probe, load and target. */
export class MeasureStore {
  private readonly retentionMs: number;
  private readonly cap: number;
  private readonly probes = new Map<string, SampleSeries<OutcomeSample>>();
  /** When each probe's first result arrived (since this process started). */
  private readonly probeFirstAt = new Map<string, number>();
  private readonly loads = new Map<string, SampleSeries<OutcomeSample>>();
  private readonly loadWindows = new Map<string, SampleSeries<LoadWindowSample>>();
  private readonly loadTotals = new Map<string, { runId: string; requests: number; errors: number }>();
  private readonly targetOutcomes = new Map<string, SampleSeries<OutcomeSample>>();
  private readonly health = new Map<string, SampleSeries<HealthSample>>();
  private readonly loadHistograms = new Map<string, HistogramSnapshot[]>();
  private readonly regressions = new Map<string, number>();

  constructor(options: MeasureStoreOptions) {
    this.retentionMs = options.retentionMs;
    this.cap = options.maxPerSeries ?? 10_000;
  }

  /** Records a probe result (by probe and by target). */
  addProbeResult(r: ProbeResult): void {
    const cache = cacheOutcome(r.headers);
    const s: OutcomeSample = {
      at: r.startedAt, ok: r.ok, seconds: r.durationSeconds,
      ...(cache === undefined ? {} : { cache }),
      ...(r.tls === undefined ? {} : { certExpirySeconds: r.tls.expirySeconds }),
    };
    if (!this.probeFirstAt.has(r.probe)) this.probeFirstAt.set(r.probe, r.startedAt);
    this.push(this.probes, r.probe, s);
    this.push(this.targetOutcomes, r.target, s);
  }

  /** Records a load request outcome (or a per-interval summary) for run/load `name`. */
  addLoadSample(name: string, s: OutcomeSample): void {
    this.push(this.loads, name, s);
  }

  /**
   * Records a load run's progress tick. Counters are cumulative per run; the store keeps deltas.
   * Warm-up ticks are ignored (the run's verdict ignores them too).
   */
  addLoadProgress(p: LoadProgressLike, at: number): void {
    const prev = this.loadTotals.get(p.name);
    const fresh = prev === undefined || prev.runId !== p.runId || p.requests < prev.requests;
    const requests = fresh ? p.requests : p.requests - prev.requests;
    const errors = fresh ? p.errors : Math.max(0, p.errors - prev.errors);
    this.loadTotals.set(p.name, { runId: p.runId, requests: p.requests, errors: p.errors });
    if (p.phase === 'warmup' || requests <= 0) return;
    this.push(this.loadWindows, p.name, { at, requests, errors, ...(p.p95Ms === null ? {} : { p95: p.p95Ms / 1000 }) });
  }

  /**
   * Records a load's cumulative latency histogram (`perfwarden_load_request_duration_seconds`
   * summed over endpoints, read from the registry on each progress tick). Load latency quantiles
   * over a window come from the bucket increase across it, interpolated like PromQL's
   * `histogram_quantile`, so perfwarden and the generated rule agree.
   */
  addLoadHistogram(name: string, snapshot: HistogramSnapshot): void {
    let list = this.loadHistograms.get(name);
    if (list === undefined) {
      list = [];
      this.loadHistograms.set(name, list);
    }
    const last = list[list.length - 1];
    if (last !== undefined && snapshot.at < last.at) return;
    list.push(snapshot);
    // Keep the newest snapshot older than the retention too: it is the base of the longest window.
    const cutoff = snapshot.at - this.retentionMs;
    let drop = 0;
    while (drop + 1 < list.length && list[drop + 1]!.at <= cutoff) drop++;
    if (list.length - drop > this.cap) drop = list.length - this.cap;
    if (drop > 0) list.splice(0, drop);
  }

  /**
   * Records the regression verdict of a load's latest compared run: 1 regressed, 0 not; undefined
   * (no baseline) keeps the previous value — like the `perfwarden_load_regression` gauge.
   */
  setLoadRegression(name: string, regressed: boolean | undefined): void {
    if (regressed !== undefined) this.regressions.set(name, regressed ? 1 : 0);
  }

  /**
   * True while a probe's results do not yet span `windowMs` (its first window since start): a
   * window that holds only the first few runs (a start-up burst, a cold connection pool) says
   * little about the service, so statistical measures wait for a full one.
   */
  inFirstWindow(probe: string, windowMs: number, now: number): boolean {
    const first = this.probeFirstAt.get(probe);
    return first === undefined || now - first < windowMs;
  }

  /** Records a health sample of a target. */
  addHealthSample(s: HealthSample): void {
    this.push(this.health, s.target, s);
  }

  /** The measurement of `measure` for one subject over `[now - windowMs, now]`; undefined without data. */
  measure(measure: Measure, kind: SubjectKind, subject: string, windowMs: number, now: number): Measurement | undefined {
    const from = now - windowMs;
    if (measure.kind === 'regression') {
      const v = kind === 'loads' ? this.regressions.get(subject) : undefined;
      return v === undefined ? undefined : { value: v, samples: 1 };
    }
    const inWindow = (kind === 'probes' ? this.probes : kind === 'loads' ? this.loads : this.targetOutcomes).get(subject)?.between(from, now) ?? [];
    if (kind === 'loads' && inWindow.length === 0) return this.loadMeasure(measure, subject, from, now, windowMs);
    if (measure.kind === 'source_up') return kind === 'targets' ? sourcesUp(this.health.get(subject)?.between(from, now) ?? []) : undefined;
    const health = kind === 'targets' ? (this.health.get(subject)?.between(from, now) ?? []).filter((s) => s.ok) : [];
    switch (measure.kind) {
      case 'latency': {
        if (inWindow.length === 0) return undefined;
        const sorted = inWindow.map((s) => s.seconds).sort((a, b) => a - b);
        return { value: quantileSorted(sorted, measure.quantile ?? 0.95), samples: sorted.length };
      }
      case 'error_rate':
        return inWindow.length === 0 ? undefined : { value: inWindow.filter((s) => !s.ok).length / inWindow.length, samples: inWindow.length };
      case 'probe_success':
        return inWindow.length === 0 ? undefined : { value: inWindow.filter((s) => s.ok).length / inWindow.length, samples: inWindow.length };
      case 'check_rate':
        return { value: inWindow.length / (windowMs / 60_000), samples: inWindow.length };
      case 'cache_hit_ratio':
        return counterRatio(health) ?? directRatio(health) ?? headerRatio(inWindow);
      case 'memory_bytes':
        return latest(health, (s) => s.memoryBytes);
      case 'memory_ratio':
        return latest(health, (s) => (s.memoryBytes !== undefined && s.memoryLimitBytes !== undefined && s.memoryLimitBytes > 0 ? s.memoryBytes / s.memoryLimitBytes : undefined));
      case 'memory_slope':
        return latest(health, (s) => s.memorySlopeBytesPerSecond);
      case 'cpu_ratio':
        return mean(health, (s) => s.cpuRatio);
      case 'cert_expiry': {
        // The newest certificate seen, counted down to now (a probe that runs daily still alerts on time).
        const last = inWindow.findLast((s) => s.certExpirySeconds !== undefined);
        return last?.certExpirySeconds === undefined ? undefined : { value: last.certExpirySeconds - (now - last.at) / 1000, samples: 1 };
      }
    }
  }

  /**
   * Load measures from progress ticks: error rate over all requests in the window, check rate as
   * requests per minute. Latency quantiles come from the histogram increase over the window;
   * without histogram snapshots (no registry), p95 falls back to the request-weighted mean of the
   * ticks' p95 and other quantiles have no data.
   */
  private loadMeasure(measure: Measure, name: string, from: number, now: number, windowMs: number): Measurement | undefined {
    const ticks = this.loadWindows.get(name)?.between(from, now) ?? [];
    if (measure.kind === 'latency') {
      const fromHistogram = this.histogramQuantile(name, measure.quantile ?? 0.95, from, now);
      if (fromHistogram !== undefined || this.loadHistograms.has(name)) return fromHistogram;
    }
    const requests = ticks.reduce((a, t) => a + t.requests, 0);
    if (requests === 0) return undefined;
    switch (measure.kind) {
      case 'error_rate': return { value: ticks.reduce((a, t) => a + t.errors, 0) / requests, samples: requests };
      case 'probe_success': return { value: 1 - ticks.reduce((a, t) => a + t.errors, 0) / requests, samples: requests };
      case 'check_rate': return { value: requests / (windowMs / 60_000), samples: requests };
      case 'latency': {
        if (measure.quantile !== 0.95) return undefined;
        const withP95 = ticks.filter((t) => t.p95 !== undefined);
        const weight = withP95.reduce((a, t) => a + t.requests, 0);
        return weight === 0 ? undefined : { value: withP95.reduce((a, t) => a + t.requests * (t.p95 ?? 0), 0) / weight, samples: weight };
      }
      default: return undefined;
    }
  }

  /** `histogram_quantile(q, increase(buckets[window]))` of a load; undefined without requests in the window. */
  private histogramQuantile(name: string, q: number, from: number, now: number): Measurement | undefined {
    const list = this.loadHistograms.get(name) ?? [];
    let end: HistogramSnapshot | undefined;
    let base: HistogramSnapshot | undefined;
    for (const s of list) {
      if (s.at <= from) base = s;
      if (s.at <= now) end = s;
    }
    if (end === undefined || end === base) return undefined;
    const before = new Map((base?.buckets ?? []).map((b) => [b.le, b.count]));
    const delta = end.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (before.get(b.le) ?? 0)) }));
    const value = histogramQuantile(q, delta);
    const total = delta[delta.length - 1]?.count ?? 0;
    return value === undefined ? undefined : { value, samples: total };
  }

  private push<T extends { at: number }>(map: Map<string, SampleSeries<T>>, key: string, s: T): void {
    let series = map.get(key);
    if (series === undefined) {
      series = new SampleSeries<T>();
      map.set(key, series);
    }
    series.push(s, s.at - this.retentionMs, this.cap);
  }
}

/** 1 when the latest read of every source of the target in the window succeeded, else 0 (min of `perfwarden_target_source_up`). */
function sourcesUp(inWindow: readonly HealthSample[]): Measurement | undefined {
  const last = new Map<string, boolean>();
  for (const s of inWindow) last.set(s.source, s.ok);
  if (last.size === 0) return undefined;
  return { value: [...last.values()].every(Boolean) ? 1 : 0, samples: last.size };
}

function latest(samples: readonly HealthSample[], pick: (s: HealthSample) => number | undefined): Measurement | undefined {
  let n = 0;
  let value: number | undefined;
  for (const s of samples) {
    const v = pick(s);
    if (v === undefined || !Number.isFinite(v)) continue;
    n++;
    value = v;
  }
  return value === undefined ? undefined : { value, samples: n };
}

function mean(samples: readonly HealthSample[], pick: (s: HealthSample) => number | undefined): Measurement | undefined {
  const values = samples.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length === 0 ? undefined : { value: values.reduce((a, b) => a + b, 0) / values.length, samples: values.length };
}

/** Hits ÷ (hits + misses) from the counter deltas across the window, per source. */
function counterRatio(samples: readonly HealthSample[]): Measurement | undefined {
  const bySource = new Map<string, HealthSample[]>();
  for (const s of samples) {
    if (s.cacheHits === undefined || s.cacheMisses === undefined) continue;
    const list = bySource.get(s.source) ?? [];
    list.push(s);
    bySource.set(s.source, list);
  }
  let hits = 0;
  let misses = 0;
  for (const list of bySource.values()) {
    const first = list[0];
    const last = list[list.length - 1];
    if (first === undefined || last === undefined || list.length < 2) continue;
    const dh = last.cacheHits! - first.cacheHits!;
    const dm = last.cacheMisses! - first.cacheMisses!;
    if (dh < 0 || dm < 0) continue; // counter reset inside the window
    hits += dh;
    misses += dm;
  }
  // `samples` is the number of lookups, so `minSamples` can demand real traffic before judging.
  return hits + misses === 0 ? undefined : { value: hits / (hits + misses), samples: hits + misses };
}

function directRatio(samples: readonly HealthSample[]): Measurement | undefined {
  return mean(samples, (s) => s.cacheHitRatio);
}

function headerRatio(samples: readonly OutcomeSample[]): Measurement | undefined {
  const known = samples.filter((s) => s.cache !== undefined);
  return known.length === 0 ? undefined : { value: known.filter((s) => s.cache === 'hit').length / known.length, samples: known.length };
}

/**
 * PromQL's `histogram_quantile` over cumulative buckets (ascending `le`, the last `+Inf`): linear
 * interpolation inside the bucket holding the rank; a rank in the `+Inf` bucket answers the
 * highest finite bound. Undefined for no observations.
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number | undefined {
  const last = buckets[buckets.length - 1];
  if (buckets.length < 2 || last === undefined || last.le !== Number.POSITIVE_INFINITY || last.count <= 0) return undefined;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  let rank = q * last.count;
  const b = buckets.findIndex((x) => x.count >= rank);
  if (b === buckets.length - 1) return buckets[b - 1]?.le;
  const upper = buckets[b];
  if (upper === undefined) return undefined;
  if (b === 0 && upper.le <= 0) return upper.le;
  let start = 0;
  let count = upper.count;
  const prev = buckets[b - 1];
  if (prev !== undefined) {
    start = prev.le;
    count -= prev.count;
    rank -= prev.count;
  }
  return count <= 0 ? start : start + (upper.le - start) * (rank / count);
}
