/**
 * Memory-leak trend over a window, independent of where the window cuts a GC sawtooth.
 *
 * A garbage-collected process climbs while it allocates and drops at each collection. Any line
 * fitted through *all* samples of a few cycles depends on the phase: a window that starts at a
 * trough and ends at a peak "rises" by most of a tooth (a 20 MiB/min false leak on a 60 s window).
 * What a leak moves is the memory left *after* each collection. So the detector finds the GC drops
 * (falls far larger than the sampling noise), takes the first sample after each drop (a trough,
 * the post-GC baseline) and fits Theil–Sen through the troughs only. Each trough is known only to
 * (ramp rate × sampling interval) — a collection happens somewhere between two samples — so that
 * uncertainty over the troughs' span widens the confidence interval: a flat sawtooth whose
 * troughs drift by sampling aliasing is never a leak. A series without GC drops in this window or
 * the one before (an RSS that never shrinks) is fitted through all samples, where no sawtooth
 * biases the fit.
 *
 * A verdict is given only once the window is full (the first sample is at most one sampling
 * interval younger than the window) and, for a sawtooth, spans `minGcCycles` collections; until
 * then the answer is `insufficient_data`, so no alert is judged on a half-full window. `leak`
 * needs a Mann–Kendall confidence >= 1 − maxPValue (six troughs at least for 0.99), an interval
 * clear of zero, a slope above `minSlopeBytesPerSecond`, and a climb in both halves of the window
 * (a single step up — a cache warming, a deploy — is `no_leak` with `step: true`).
 *
 * Pure: `assessLeak` takes samples and a time and returns data; `LeakDetector` only keeps a
 * bounded window of samples for the daemon. Neither holds a clock.
 */
import { theilSen } from './theil-sen.js';
import type { Point, TheilSenFit } from './theil-sen.js';

/** One memory reading: epoch ms and bytes. */
export interface MemoryPoint {
  atMs: number;
  bytes: number;
}

/** Tuning of {@link assessLeak} and {@link LeakDetector}. Times in milliseconds, sizes in bytes. */
export interface LeakDetectorOptions {
  /** Window length. Default 30 minutes. */
  windowMs?: number;
  /** Smallest slope that counts as a leak, bytes per second. Default 1 KiB/min. */
  minSlopeBytesPerSecond?: number;
  /** One-sided p-value the trend must beat. Default 0.01 (confidence 0.99). */
  maxPValue?: number;
  /** GC drops a window with a sawtooth needs before any verdict. Default 3. */
  minGcCycles?: number;
  /** Samples a window needs before any verdict. Default 12. */
  minSamples?: number;
  /** Smallest fall that can be a collection (besides being far above the noise). Default 256 KiB. */
  minGcDropBytes?: number;
  /** A memory limit to project against. */
  limitBytes?: number;
  /** Pair cap handed to Theil–Sen. Default 60 000. */
  maxPairs?: number;
  /** {@link LeakDetector} only: hard cap on retained samples (thinned above it). Default 720. */
  maxSamples?: number;
}

/** What the detector concluded. */
export type LeakVerdict = 'insufficient_data' | 'no_leak' | 'leak';

/** The fitted trend, as a segment to draw over a memory chart. */
export interface TrendLine {
  fromMs: number;
  fromBytes: number;
  toMs: number;
  toBytes: number;
}

/** The detector's assessment (plain data). */
export interface LeakAssessment {
  verdict: LeakVerdict;
  /** Theil–Sen slope of the post-GC troughs (or of all samples without a sawtooth), bytes/s. 0 without a fit. */
  slopeBytesPerSecond: number;
  /** ~95 % interval of the slope, bytes/s, widened by the troughs' sampling uncertainty. */
  confidenceInterval: [number, number];
  /** 0..1: 1 − one-sided Mann–Kendall p that the fitted points rise. */
  confidence: number;
  /** GC drops seen in the window. */
  gcCycles: number;
  /** Epoch ms of the last GC drop seen in this window or the one before (undefined: none). */
  lastGcMs: number | undefined;
  /** True once the samples cover the whole window; before that the verdict is `insufficient_data`. */
  windowFull: boolean;
  /** The rise is confined to one half of the window (a step up, a climb that stopped): the verdict is then `no_leak`. */
  step: boolean;
  /** Which points were fitted. */
  method: 'troughs' | 'all-samples';
  /** Samples in the window and the time they span. */
  samples: number;
  spanSeconds: number;
  /** Fitted baseline (post-GC memory) at the assessment time. */
  currentBytes: number | undefined;
  /** Seconds until the tops of the teeth reach `limitBytes` at the current slope (only for a rising slope and a limit). */
  secondsToLimit: number | undefined;
  /** The fitted line over the window (undefined without a fit). */
  trend: TrendLine | undefined;
}

interface Settings {
  windowMs: number;
  minSlope: number;
  maxP: number;
  minGcCycles: number;
  minSamples: number;
  minGcDrop: number;
  limitBytes: number | undefined;
  maxPairs: number;
}

function settings(o: LeakDetectorOptions): Settings {
  return {
    windowMs: o.windowMs ?? 30 * 60_000,
    minSlope: o.minSlopeBytesPerSecond ?? 1024 / 60,
    maxP: o.maxPValue ?? 0.01,
    minGcCycles: Math.max(2, o.minGcCycles ?? 3),
    minSamples: Math.max(6, o.minSamples ?? 12),
    minGcDrop: o.minGcDropBytes ?? 256 * 1024,
    limitBytes: o.limitBytes,
    maxPairs: o.maxPairs ?? 60_000,
  };
}

/** The collections found in a series: indices of the first sample after each drop, and the ramp between. */
interface Sawtooth {
  troughs: number[];
  /** Median climb rate between collections, bytes/s (>= 0). */
  rampRate: number;
  /** Median fall of a collection, bytes (0 without one): how far the tops sit above the troughs. */
  tooth: number;
  /** Median sampling interval, seconds. */
  interval: number;
}

/** Finds GC drops: runs of falling samples whose total fall is far above the sample-to-sample noise. */
function findSawtooth(pts: readonly Point[], minDrop: number): Sawtooth {
  const diffs: number[] = [];
  const gaps: number[] = [];
  for (let i = 1; i < pts.length; i++) {
    diffs.push(pts[i]!.v - pts[i - 1]!.v);
    gaps.push(pts[i]!.t - pts[i - 1]!.t);
  }
  // Noise around the typical climb, per gap: irregular sampling must not pass as noise.
  const rate = median(diffs.flatMap((d, k) => (gaps[k]! > 0 ? [d / gaps[k]!] : [])));
  const residuals = diffs.map((d, k) => d - rate * gaps[k]!);
  const med = median(residuals);
  const noise = 1.4826 * median(residuals.map((r) => Math.abs(r - med)));
  const threshold = Math.max(minDrop, 6 * noise);
  const troughs: number[] = [];
  const falls: number[] = [];
  const gc = new Set<number>();
  let i = 0;
  while (i < diffs.length) {
    if (diffs[i]! >= 0) {
      i++;
      continue;
    }
    let j = i;
    let fall = 0;
    while (j < diffs.length && diffs[j]! < 0) fall -= diffs[j++]!;
    if (fall >= threshold) {
      troughs.push(j);
      falls.push(fall);
      for (let k = i; k < j; k++) gc.add(k);
    }
    i = j;
  }
  const rates = diffs.flatMap((d, k) => (gc.has(k) || gaps[k]! <= 0 ? [] : [d / gaps[k]!]));
  return { troughs, rampRate: Math.max(0, median(rates)), tooth: median(falls), interval: median(gaps) };
}

/** Renumbers troughs found with one leading extra sample. */
function shift(saw: Sawtooth): Sawtooth {
  return { ...saw, troughs: saw.troughs.map((k) => k - 1) };
}

/**
 * Assesses the window `(nowMs − windowMs, nowMs]` of `samples` (ascending by time; samples before
 * the window only tell whether it is full and whether the series has a GC sawtooth at all).
 */
export function assessLeak(samples: readonly MemoryPoint[], nowMs: number, options: LeakDetectorOptions = {}): LeakAssessment {
  return assessWithSettings(samples, nowMs, settings(options), undefined);
}

function assessWithSettings(all: readonly MemoryPoint[], nowMs: number, s: Settings, history: { firstMs: number; lastGcMs: number | undefined } | undefined): LeakAssessment {
  const cutoff = nowMs - s.windowMs;
  const finite = all.filter((p) => Number.isFinite(p.bytes) && p.atMs <= nowMs);
  const inWindow = finite.filter((p) => p.atMs > cutoff);
  const t0 = inWindow[0]?.atMs ?? nowMs;
  // Fit on seconds from the window's first sample: epoch seconds lose precision in products.
  const pts: Point[] = inWindow.map((p) => ({ t: (p.atMs - t0) / 1000, v: p.bytes }));
  const first = pts[0];
  const last = pts[pts.length - 1];
  const spanSeconds = first !== undefined && last !== undefined ? last.t - first.t : 0;
  // The sample just before the window shows whether the window's first sample follows a drop.
  const before = finite.filter((p) => p.atMs <= cutoff).at(-1);
  const saw = before === undefined
    ? findSawtooth(pts, s.minGcDrop)
    : shift(findSawtooth([{ t: (before.atMs - t0) / 1000, v: before.bytes }, ...pts], s.minGcDrop));
  const firstMs = Math.min(history?.firstMs ?? Number.POSITIVE_INFINITY, finite[0]?.atMs ?? Number.POSITIVE_INFINITY);
  const windowFull = firstMs <= cutoff + saw.interval * 1000;
  // A sawtooth seen in this window or the one before: a window without a collection is then too
  // short for the GC period, not a series without collections (that one is fitted whole).
  const lastGcMs = saw.troughs.length > 0 ? inWindow[saw.troughs[saw.troughs.length - 1]!]!.atMs : lastDrop(finite, cutoff, s) ?? history?.lastGcMs;
  const gcSeen = lastGcMs !== undefined && lastGcMs > cutoff - s.windowMs;
  const gcCycles = saw.troughs.length;
  const method = gcSeen ? 'troughs' : 'all-samples';
  const base: LeakAssessment = {
    lastGcMs,
    verdict: 'insufficient_data', slopeBytesPerSecond: 0, confidenceInterval: [0, 0], confidence: 0, gcCycles, windowFull,
    step: false, method, samples: pts.length, spanSeconds, currentBytes: last?.v, secondsToLimit: undefined, trend: undefined,
  };
  const fitted = method === 'troughs' ? saw.troughs.map((k) => pts[k]!) : pts;
  const fit = theilSen(fitted, { maxPairs: s.maxPairs });
  if (fit === undefined || last === undefined) return base;
  const fittedSpan = fitted[fitted.length - 1]!.t - fitted[0]!.t;
  // A collection falls somewhere between two samples: each trough is uncertain by one interval of ramp.
  const aliasing = method === 'troughs' && fittedSpan > 0 ? (saw.rampRate * saw.interval) / fittedSpan : 0;
  const nowT = (nowMs - t0) / 1000;
  const currentBytes = fit.intercept + fit.slope * nowT;
  const assessed: LeakAssessment = {
    ...base,
    slopeBytesPerSecond: fit.slope,
    confidenceInterval: [fit.slopeLow - aliasing, fit.slopeHigh + aliasing],
    confidence: 1 - fit.pRising,
    currentBytes,
    // The tops of the teeth reach the limit first.
    secondsToLimit: s.limitBytes !== undefined && fit.slope > 0
      ? Math.max(0, (s.limitBytes - currentBytes - (method === 'troughs' ? saw.tooth : 0)) / fit.slope)
      : undefined,
    trend: { fromMs: t0, fromBytes: fit.intercept, toMs: nowMs, toBytes: currentBytes },
  };
  if (!windowFull || pts.length < s.minSamples || (method === 'troughs' && gcCycles < s.minGcCycles)) return assessed;
  const [lo] = assessed.confidenceInterval;
  const rising = lo > 0 && fit.slope >= s.minSlope;
  if (!rising) return { ...assessed, verdict: 'no_leak' };
  // Rising, but too few points for the confidence asked (Mann–Kendall needs six for 0.99): not yet known.
  if (fit.pRising > s.maxP) return assessed;
  return persists(fitted, fit, s) ? { ...assessed, verdict: 'leak' } : { ...assessed, verdict: 'no_leak', step: true };
}

/** Time of the last GC drop among the samples of the window before `cutoff`. */
function lastDrop(finite: readonly MemoryPoint[], cutoff: number, s: Settings): number | undefined {
  const earlier = finite.filter((p) => p.atMs > cutoff - s.windowMs && p.atMs <= cutoff);
  const saw = findSawtooth(earlier.map((p) => ({ t: (p.atMs - cutoff) / 1000, v: p.bytes })), s.minGcDrop);
  const k = saw.troughs[saw.troughs.length - 1];
  return k === undefined ? undefined : earlier[k]!.atMs;
}

/** Each half of the fitted points must climb at a good part of the overall rate; a step climbs in one half only. */
function persists(fitted: readonly Point[], fit: TheilSenFit, s: Settings): boolean {
  const half = Math.floor(fitted.length / 2);
  const a = theilSen(fitted.slice(0, half), { maxPairs: s.maxPairs / 4 });
  const b = theilSen(fitted.slice(half), { maxPairs: s.maxPairs / 4 });
  const floor = Math.max(s.minSlope, fit.slope * 0.25);
  return a !== undefined && b !== undefined && a.slope >= floor && b.slope >= floor;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The daemon's detector: a bounded sliding window of samples, assessed with {@link assessLeak}.
 * It remembers, beyond the window, when it started and when it last saw a GC drop, so a window
 * that happens to hold no collection is not mistaken for a sawtooth-free series.
 */
export class LeakDetector {
  private readonly s: Settings;
  private readonly maxSamples: number;
  private samples: MemoryPoint[] = [];
  private firstMs: number | undefined;
  private lastGcMs: number | undefined;

  constructor(options: LeakDetectorOptions = {}) {
    this.s = settings(options);
    this.maxSamples = Math.max(8, options.maxSamples ?? 720);
  }

  /** Adds a sample taken at `atMs`. Out-of-order and non-finite samples are ignored. */
  add(atMs: number, bytes: number): void {
    if (!Number.isFinite(bytes)) return;
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && atMs <= last.atMs) return;
    // Thin: at most maxSamples per window.
    if (last !== undefined && atMs - last.atMs < (this.s.windowMs / this.maxSamples) * 0.9) return;
    this.firstMs ??= atMs;
    this.samples.push({ atMs, bytes });
    this.expire(atMs);
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples);
  }

  /** Number of retained samples. */
  size(): number {
    return this.samples.length;
  }

  /** Drops everything (the target restarted: its memory history no longer applies). */
  reset(): void {
    this.samples = [];
    this.firstMs = undefined;
    this.lastGcMs = undefined;
  }

  /** Assesses the window ending at `nowMs` (default: the newest sample). */
  assess(nowMs?: number): LeakAssessment {
    const now = nowMs ?? this.samples[this.samples.length - 1]?.atMs ?? 0;
    this.expire(now);
    const a = assessWithSettings(this.samples, now, this.s, { firstMs: this.firstMs ?? Number.POSITIVE_INFINITY, lastGcMs: this.lastGcMs });
    this.lastGcMs = a.lastGcMs;
    return a;
  }

  private expire(nowMs: number): void {
    const cutoff = nowMs - this.s.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.atMs <= cutoff) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}
