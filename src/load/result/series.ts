/**
 * The run's time series, built from merged seconds: each point keeps its merged histogram
 * (encoded), so points merge exactly later; percentiles are derived once per point. The point
 * width is chosen from the planned length so a series stays under `MAX_POINTS` (a 2-hour soak
 * gets 8-second points) without re-merging old points while the run goes.
 */
import { createLatencyHistogram, encodeHistogram, percentilesMs } from '../window/histogram.js';
import type { Histogram } from '../window/histogram.js';
import type { SeriesPoint } from './result.js';

/** Most points in a series. */
export const MAX_POINTS = 900;

/** All workers' windows of one wall-clock second, merged. */
export interface MergedSecond {
  /** Epoch ms the second's data starts and ends at. */
  start: number;
  end: number;
  requests: number;
  errors: number;
  dropped: number;
  /** Merged latency histogram of the second (owned by the caller; read, not kept). */
  hist: Histogram;
  vus: number;
  lagMs: number;
  cpuMs: number;
  saturated: boolean;
}

/** Point width in seconds for a run planned to last `plannedMs`. */
export function pointSeconds(plannedMs: number): number {
  return Math.max(1, Math.ceil(plannedMs / 1000 / MAX_POINTS));
}

/** Accumulates merged seconds into points of `width` seconds measured from `origin` (epoch ms). */
export class SeriesBuilder {
  private readonly points: SeriesPoint[] = [];
  private open: { index: number; start: number; end: number; requests: number; errors: number; dropped: number; hist: Histogram; vus: number; lagMs: number; cpuMs: number; saturated: boolean } | undefined;
  /** The closed point's histogram, reset for the next point: one ~90 KB histogram for the whole series. */
  private spare: Histogram | undefined;

  constructor(private readonly origin: number, private readonly width: number) {}

  /** Adds a merged second. */
  add(s: MergedSecond): void {
    // The closing flush after a phase that already ended carries nothing: no point for it.
    if (s.requests === 0 && s.dropped === 0 && s.end - s.start < 100) return;
    const start = Math.max(s.start, this.origin);
    // Points follow wall-clock seconds (windows end on them), so shards' points line up too.
    const index = Math.floor((s.end - 1) / (this.width * 1000));
    if (this.open !== undefined && this.open.index !== index) this.close();
    if (this.open === undefined) {
      this.open = { index, start, end: s.end, requests: 0, errors: 0, dropped: 0, hist: this.spare ?? createLatencyHistogram(), vus: 0, lagMs: 0, cpuMs: 0, saturated: false };
      this.spare = undefined;
    }
    const o = this.open;
    o.end = Math.max(o.end, s.end);
    o.requests += s.requests;
    o.errors += s.errors;
    o.dropped += s.dropped;
    o.hist.add(s.hist);
    o.vus = Math.max(o.vus, s.vus);
    o.lagMs = Math.max(o.lagMs, s.lagMs);
    o.cpuMs += s.cpuMs;
    o.saturated ||= s.saturated;
  }

  /** The series so far, the open point included (closed by this call). */
  finish(): SeriesPoint[] {
    this.close();
    return this.points;
  }

  private close(): void {
    const o = this.open;
    if (o === undefined) return;
    this.open = undefined;
    const seconds = Math.max(1e-3, (o.end - o.start) / 1000);
    const has = o.hist.totalCount > 0;
    const [p50 = null, p95 = null, p99 = null] = has ? percentilesMs(o.hist, [50, 95, 99]) : [];
    this.points.push({
      t: Math.round((o.start - this.origin) / 10) / 100,
      width: Math.round(seconds * 100) / 100,
      requests: o.requests,
      errors: o.errors,
      rps: Math.round((o.requests / seconds) * 10) / 10,
      p50,
      p95,
      p99,
      histogram: has ? encodeHistogram(o.hist) : null,
      vus: o.vus,
      dropped: o.dropped,
      lagMs: Math.round(o.lagMs * 10) / 10,
      cpuPercent: Math.round((o.cpuMs / 1000 / seconds) * 100),
      saturated: o.saturated,
    });
    o.hist.reset();
    this.spare = o.hist;
  }
}
