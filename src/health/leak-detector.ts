/**
 * Memory-leak trend over a sliding window. A naive first/last difference says "leak" whenever the
 * window happens to end at the top of a GC sawtooth; this uses a Theil–Sen slope and asks three
 * questions before saying "leak":
 *
 * 1. is the slope above `minSlope` and its confidence interval clear of zero (Sen / Mann–Kendall)?
 * 2. is the rise over the window large against the noise (the interquartile range of the
 *    residuals), so a sawtooth's edge effects do not pass as a trend?
 * 3. does the climb persist: both halves of the window rise on their own? A single step (a cache
 *    warming up, a deploy) rises in one half only, and is reported as `step`, not as a leak.
 *
 * Bounded memory: at most `maxSamples` points are kept (older ones leave the window; when samples
 * arrive faster than `window / maxSamples` they are thinned), and the fit subsamples pairs.
 */
import { quantileSorted, theilSen } from './theil-sen.js';
import type { Point, TheilSenFit } from './theil-sen.js';

/** Tuning of a {@link LeakDetector}. Times in milliseconds, sizes in bytes. */
export interface LeakDetectorOptions {
  /** Sliding window length. Default 30 minutes. */
  windowMs?: number;
  /** Hard cap on retained samples. Default 720. */
  maxSamples?: number;
  /** Smallest slope that counts as a leak, bytes per second. Default 1 KiB/min. */
  minSlopeBytesPerSecond?: number;
  /** Minimum rise-over-window ÷ residual IQR. Default 1 (the rise must exceed half a uniform sawtooth). */
  minSignalToNoise?: number;
  /** One-sided p-value the trend must beat. Default 0.01. */
  maxPValue?: number;
  /** Fewer samples, or a span shorter than this fraction of the window: `insufficient_data`. */
  minSamples?: number;
  minSpanFraction?: number;
  /** A memory limit to project against, bytes. */
  limitBytes?: number;
  /** Pair cap handed to Theil–Sen. */
  maxPairs?: number;
}

/** What the detector concluded. */
export type LeakVerdict = 'insufficient_data' | 'no_leak' | 'step' | 'leak';

/** The detector's full assessment (plain data). */
export interface LeakAssessment {
  verdict: LeakVerdict;
  /** Theil–Sen slope, bytes per second (0 without enough data). */
  slopeBytesPerSecond: number;
  /** 95 % interval of the slope. */
  slopeLow: number;
  slopeHigh: number;
  /** 0..1: how sure the trend is real (1 − one-sided Mann–Kendall p). */
  confidence: number;
  /** Rise over the window divided by the residual IQR. */
  signalToNoise: number;
  /** Slopes of the first and second half of the window (undefined if too few samples). */
  firstHalfSlope: number | undefined;
  secondHalfSlope: number | undefined;
  /** Fitted memory at the newest sample. */
  currentBytes: number | undefined;
  /** Seconds until `limitBytes` at the current slope (only for a rising slope and a limit). */
  secondsToLimit: number | undefined;
  samples: number;
  spanSeconds: number;
}

/** A sliding-window leak detector; feed samples, ask for an assessment. */
export class LeakDetector {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly minSlope: number;
  private readonly minSnr: number;
  private readonly maxP: number;
  private readonly minSamples: number;
  private readonly minSpanFraction: number;
  private readonly limitBytes: number | undefined;
  private readonly maxPairs: number;
  private samples: Point[] = [];

  constructor(options: LeakDetectorOptions = {}) {
    this.windowMs = options.windowMs ?? 30 * 60_000;
    this.maxSamples = Math.max(8, options.maxSamples ?? 720);
    this.minSlope = options.minSlopeBytesPerSecond ?? 1024 / 60;
    this.minSnr = options.minSignalToNoise ?? 1;
    this.maxP = options.maxPValue ?? 0.01;
    this.minSamples = Math.max(6, options.minSamples ?? 12);
    this.minSpanFraction = options.minSpanFraction ?? 0.5;
    this.limitBytes = options.limitBytes;
    this.maxPairs = options.maxPairs ?? 60_000;
  }

  /** Adds a sample taken at `atMs` (epoch ms). Out-of-order samples are ignored. */
  add(atMs: number, bytes: number): void {
    if (!Number.isFinite(bytes)) return;
    const t = atMs / 1000;
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && t <= last.t) return;
    // Thin: keep at most maxSamples per window.
    const minGap = this.windowMs / 1000 / this.maxSamples;
    if (last !== undefined && t - last.t < minGap * 0.9) return;
    this.samples.push({ t, v: bytes });
    this.expire(atMs);
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples);
  }

  /** Number of retained samples. */
  size(): number {
    return this.samples.length;
  }

  /** Drops everything (e.g. the target restarted: its memory history no longer applies). */
  reset(): void {
    this.samples = [];
  }

  /** Assesses the window ending at `nowMs` (defaults to the newest sample). */
  assess(nowMs?: number): LeakAssessment {
    if (nowMs !== undefined) this.expire(nowMs);
    const pts = this.samples;
    const first = pts[0];
    const last = pts[pts.length - 1];
    const span = first !== undefined && last !== undefined ? last.t - first.t : 0;
    const base: LeakAssessment = {
      verdict: 'insufficient_data', slopeBytesPerSecond: 0, slopeLow: 0, slopeHigh: 0, confidence: 0,
      signalToNoise: 0, firstHalfSlope: undefined, secondHalfSlope: undefined, currentBytes: last?.v,
      secondsToLimit: undefined, samples: pts.length, spanSeconds: span,
    };
    if (last === undefined || first === undefined) return base;
    // Shift time so the fit works on small numbers (epoch seconds lose precision in products).
    const t0 = first.t;
    const shifted = pts.map((p) => ({ t: p.t - t0, v: p.v }));
    const fit = theilSen(shifted, { maxPairs: this.maxPairs });
    if (fit === undefined) return base;
    const currentBytes = fit.intercept + fit.slope * (last.t - t0);
    const snr = signalToNoise(shifted, fit, span);
    const half = Math.floor(shifted.length / 2);
    const firstHalf = theilSen(shifted.slice(0, half), { maxPairs: this.maxPairs / 4 });
    const secondHalf = theilSen(shifted.slice(half), { maxPairs: this.maxPairs / 4 });
    const assessed: LeakAssessment = {
      ...base,
      slopeBytesPerSecond: fit.slope,
      slopeLow: fit.slopeLow,
      slopeHigh: fit.slopeHigh,
      confidence: 1 - fit.pRising,
      signalToNoise: snr,
      firstHalfSlope: firstHalf?.slope,
      secondHalfSlope: secondHalf?.slope,
      currentBytes,
      secondsToLimit: this.limitBytes !== undefined && fit.slope > 0
        ? Math.max(0, (this.limitBytes - currentBytes) / fit.slope)
        : undefined,
    };
    if (pts.length < this.minSamples || span * 1000 < this.windowMs * this.minSpanFraction) return assessed;
    const trending = fit.slope >= this.minSlope && fit.slopeLow > 0 && fit.pRising <= this.maxP && snr >= this.minSnr;
    if (!trending) return { ...assessed, verdict: 'no_leak' };
    // Each half must climb at a good part of the overall rate; a step climbs in one half only.
    const persistent = firstHalf !== undefined && secondHalf !== undefined
      && firstHalf.slope >= Math.max(this.minSlope, fit.slope * 0.25)
      && secondHalf.slope >= Math.max(this.minSlope, fit.slope * 0.25);
    return { ...assessed, verdict: persistent ? 'leak' : 'step' };
  }

  private expire(nowMs: number): void {
    const cutoff = (nowMs - this.windowMs) / 1000;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.t < cutoff) drop++;
    if (drop > 0) this.samples.splice(0, drop);
  }
}

/** Rise over the span ÷ interquartile range of the residuals around the fit. */
function signalToNoise(points: readonly Point[], fit: TheilSenFit, span: number): number {
  const residuals = points.map((p) => p.v - (fit.intercept + fit.slope * p.t)).sort((a, b) => a - b);
  const iqr = quantileSorted(residuals, 0.75) - quantileSorted(residuals, 0.25);
  const rise = fit.slope * span;
  if (iqr <= 0) return rise > 0 ? Number.POSITIVE_INFINITY : 0;
  return rise / iqr;
}
