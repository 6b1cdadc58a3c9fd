/**
 * The two {@link ChangeModel}s: latency on a log scale (a deploy multiplies latency, and log
 * latency is close to symmetric, so a median and a MAD describe it) and the failure rate as a
 * Bernoulli stream (a likelihood-ratio CUSUM, the textbook detector for a rate).
 */
import { normalCdf, quantileSorted } from '../health/theil-sen.js';
import { ChangeDetector } from './change-detector.js';
import type { ChangeModel, DetectorOptions, Judgement } from './change-detector.js';

/** The minimum effect a change must have to be confirmed. */
export interface EffectOptions {
  /** New level / old level, at least (e.g. 1.3). */
  minRatio: number;
  /** New level − old level, at least: seconds for latency, ratio points for failures. */
  minDelta: number;
}

/** Latency model tuning. */
export interface LatencyModelOptions extends EffectOptions {
  /** CUSUM allowance in robust standard deviations (half the smallest shift worth reacting to). */
  k: number;
  /** Scores are clipped at ± this many robust standard deviations: one spike adds at most clip − k. */
  clip: number;
  /** Floor of the robust standard deviation of log latency (a very steady series is not infinitely sensitive). */
  minScale: number;
}

/** Robust summary of a log-latency baseline. */
export interface LogStats {
  median: number;
  scale: number;
  p95: number;
}

/** Median of unsorted values. */
function median(values: readonly number[]): number {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

const LOG_FLOOR = Math.log(1e-6);

/** Log of a latency in seconds (a 0 s reading counts as 1 µs). */
export function logLatency(seconds: number): number {
  return seconds > 1e-6 ? Math.log(seconds) : LOG_FLOOR;
}

/** The latency model: values are log seconds. */
export function latencyModel(o: LatencyModelOptions): ChangeModel<LogStats> {
  return {
    prepare(baseline) {
      const sorted = [...baseline].sort((a, b) => a - b);
      const med = quantileSorted(sorted, 0.5);
      const mad = median(sorted.map((x) => Math.abs(x - med)));
      return { median: med, scale: Math.max(o.minScale, 1.4826 * mad), p95: quantileSorted(sorted, 0.95) };
    },
    samplesNeeded(s) {
      // The minimum effect at least 5 standard errors of a median away from the baseline.
      return Math.ceil(((5 * 1.2533 * s.scale) / Math.log(o.minRatio)) ** 2);
    },
    score(v, s) {
      const z = (v - s.median) / s.scale;
      return Math.min(o.clip, Math.max(-o.clip, z)) - o.k;
    },
    judge(fresh, baseline, s): Judgement {
      const sorted = [...fresh].sort((a, b) => a - b);
      const after = quantileSorted(sorted, 0.5);
      const ratio = Math.exp(after - s.median);
      const delta = Math.exp(after) - Math.exp(s.median);
      // The standard error of a median is about 1.25 σ/√n for normal data.
      const se = 1.2533 * s.scale * Math.sqrt(1 / sorted.length + 1 / baseline.length);
      return {
        midway: (after + s.median) / 2,
        confirmed: ratio >= o.minRatio && delta >= o.minDelta,
        info: {
          metric: 'latency', before: Math.exp(s.median), after: Math.exp(after), ratio, confidence: normalCdf((after - s.median) / se),
          beforeP95: Math.exp(s.p95), afterP95: Math.exp(quantileSorted(sorted, 0.95)),
        },
      };
    },
  };
}

/** Failure-rate model tuning. */
export type FailureModelOptions = EffectOptions;

/** Smoothed baseline failure rate. */
export interface RateStats {
  p0: number;
  up: number;
  down: number;
}

/** The failure model: values are 1 (failure) or 0 (success). */
export function failureModel(o: FailureModelOptions): ChangeModel<RateStats> {
  return {
    prepare(baseline) {
      const fails = baseline.reduce((a, v) => a + v, 0);
      // Laplace smoothing: a clean baseline is "rarely fails", not "never fails" (a finite ratio).
      const p0 = (fails + 1) / (baseline.length + 2);
      const p1 = Math.min(0.99, Math.max(p0 * o.minRatio, p0 + o.minDelta));
      return { p0, up: Math.log(p1 / p0), down: Math.log((1 - p1) / (1 - p0)) };
    },
    score(v, s) {
      return v > 0 ? s.up : s.down;
    },
    judge(fresh, _baseline, s): Judgement {
      const fails = fresh.reduce((a, v) => a + v, 0);
      const after = fails / fresh.length;
      const se = Math.sqrt((s.p0 * (1 - s.p0)) / fresh.length);
      return {
        midway: (after + s.p0) / 2,
        // Three failures at least: two unlucky checks are not a change of rate.
        confirmed: fails >= 3 && after / s.p0 >= o.minRatio && after - s.p0 >= o.minDelta,
        info: { metric: 'failure_rate', before: s.p0, after, ratio: after / s.p0, confidence: normalCdf((after - s.p0) / se) },
      };
    },
  };
}

/** Default tuning of the probe detectors (README "Change alerts" explains each figure). */
export const PROBE_DETECTOR: DetectorOptions = { learn: 120, baselineSize: 120, minRun: 20, h: 6, confidence: 0.999, adaptive: true };
/** Default latency model of a probe: x1.3 and +2 ms at least. */
export const PROBE_LATENCY: LatencyModelOptions = { minRatio: 1.3, minDelta: 0.002, k: 0.5, clip: 3, minScale: 0.03 };
/** Default failure model of a probe: the rate at least doubled and rose by 5 points. */
export const PROBE_FAILURES: FailureModelOptions = { minRatio: 2, minDelta: 0.05 };
/** The failure CUSUM's decision interval: a likelihood ratio of about 1000 to 1. */
export const FAILURE_H = Math.log(1000);

/** A latency detector (feed log latencies, see {@link logLatency}). */
export function latencyDetector(model: LatencyModelOptions = PROBE_LATENCY, detector: DetectorOptions = PROBE_DETECTOR): ChangeDetector<LogStats> {
  return new ChangeDetector(latencyModel(model), detector);
}

/** A failure-rate detector (feed 1 for a failure, 0 for a success). */
export function failureDetector(model: FailureModelOptions = PROBE_FAILURES, detector: DetectorOptions = { ...PROBE_DETECTOR, h: FAILURE_H }): ChangeDetector<RateStats> {
  return new ChangeDetector(failureModel(model), detector);
}
