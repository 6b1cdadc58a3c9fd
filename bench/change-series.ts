/**
 * Synthetic probe latency series for judging the change detector, and the scoring of a detector
 * over them. Shared by the benchmark (bench/change-detector.ts) and its fixed-seed unit test, so
 * the figures in README and the test's assertions come from one definition.
 *
 * A series is what a probe every `intervalMs` would see: a base level (5..200 ms), log-normal
 * noise, a daily cycle of ±10 %, single spikes (0.5 % of samples x3..x20, and now and then two in
 * a row) and optionally one step change by `factor` at a random time.
 */
import { seededRandom } from '../src/demo/random.js';
import type { ChangeInfo } from '../src/alerts/change-detector.js';
import { latencyDetector, logLatency } from '../src/alerts/change-models.js';

const DAY_MS = 86_400_000;

/** How one series is shaped. */
export interface SeriesSpec {
  seed: number;
  /** Length of the series. */
  durationMs: number;
  intervalMs: number;
  /** Multiplies the level from `stepAt` on (1 = stationary). */
  factor: number;
  /** Where the step falls, as a fraction of the series (drawn from the seed when omitted). */
  stepFraction?: number;
}

/** A generated series with its ground truth. */
export interface Series {
  samples: { at: number; seconds: number }[];
  /** Time of the step (undefined for a stationary series). */
  stepAt: number | undefined;
}

/** A standard normal draw (Box–Muller). */
function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Generates one series from its spec (same spec, same series). */
export function generateSeries(spec: SeriesSpec): Series {
  const rand = seededRandom(spec.seed);
  const base = 0.005 * Math.exp(rand() * Math.log(40)); // 5 ms .. 200 ms, log-uniform
  const sigma = 0.15 + rand() * 0.2; // log-normal spread 0.15 .. 0.35
  const phase = rand() * 2 * Math.PI;
  const start = Date.UTC(2026, 0, 1);
  const stepAt = spec.factor === 1 ? undefined : start + Math.round(spec.durationMs * (spec.stepFraction ?? 0.4 + rand() * 0.4));
  const samples: Series['samples'] = [];
  let spikeRun = 0;
  for (let at = start; at < start + spec.durationMs; at += spec.intervalMs) {
    const daily = Math.exp(0.1 * Math.sin((2 * Math.PI * (at - start)) / DAY_MS + phase));
    const step = stepAt !== undefined && at >= stepAt ? spec.factor : 1;
    let seconds = base * daily * step * Math.exp(sigma * gaussian(rand));
    if (spikeRun > 0 || rand() < 0.005) {
      spikeRun = spikeRun > 0 ? spikeRun - 1 : rand() < 0.2 ? 1 : 0;
      seconds *= 3 + rand() * 17;
    }
    samples.push({ at, seconds });
  }
  return { samples, stepAt };
}

/** What the detector did on one series. */
export interface SeriesOutcome {
  /** Changes confirmed before the step (or anywhere in a stationary series). */
  falseAlarms: number;
  /** The first change confirmed at or after the step, within `detectWithinMs`. */
  detected: ChangeInfo | undefined;
  /** detectedAt − stepAt, ms. */
  delayMs: number | undefined;
}

/** Runs the default probe latency detector over a series. */
export function runDetector(series: Series, detectWithinMs: number): SeriesOutcome {
  const d = latencyDetector();
  let falseAlarms = 0;
  let detected: ChangeInfo | undefined;
  for (const s of series.samples) {
    const change = d.push({ at: s.at, v: logLatency(s.seconds) });
    if (change === undefined) continue;
    if (series.stepAt === undefined || change.detectedAt < series.stepAt) falseAlarms++;
    else if (detected === undefined && change.detectedAt <= series.stepAt + detectWithinMs) detected = change;
  }
  const delayMs = detected === undefined || series.stepAt === undefined ? undefined : detected.detectedAt - series.stepAt;
  return { falseAlarms, detected, delayMs };
}

/** The benchmark's plan: step series per factor and stationary week-long series. */
export interface BenchPlan {
  intervalMs: number;
  factors: readonly number[];
  stepSeries: number;
  stepDurationMs: number;
  detectWithinMs: number;
  stationarySeries: number;
  stationaryDurationMs: number;
  seed: number;
}

/** Figures per step factor. */
export interface FactorResult {
  factor: number;
  series: number;
  detected: number;
  detectionRate: number;
  medianDelaySeconds: number | undefined;
  p90DelaySeconds: number | undefined;
  /** Median of the estimated ratio of detected changes. */
  medianEstimatedRatio: number | undefined;
  /** Median |estimated change time − true step time|, seconds. */
  medianDatingErrorSeconds: number | undefined;
  falseAlarmsBeforeStep: number;
}

/** The benchmark result. */
export interface BenchResult {
  plan: BenchPlan;
  factors: FactorResult[];
  stationary: { series: number; days: number; samples: number; falseAlarms: number };
}

function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Runs the whole plan (deterministic for a given plan). */
export function runBench(plan: BenchPlan): BenchResult {
  const factors = plan.factors.map((factor, fi): FactorResult => {
    const delays: number[] = [];
    const ratios: number[] = [];
    const dating: number[] = [];
    let falseAlarms = 0;
    for (let i = 0; i < plan.stepSeries; i++) {
      const series = generateSeries({ seed: plan.seed + 1000 * (fi + 1) + i, durationMs: plan.stepDurationMs, intervalMs: plan.intervalMs, factor });
      const out = runDetector(series, plan.detectWithinMs);
      falseAlarms += out.falseAlarms;
      if (out.delayMs !== undefined && out.detected !== undefined) {
        delays.push(out.delayMs / 1000);
        ratios.push(out.detected.ratio);
        dating.push(Math.abs(out.detected.at - (series.stepAt ?? 0)) / 1000);
      }
    }
    delays.sort((a, b) => a - b);
    ratios.sort((a, b) => a - b);
    dating.sort((a, b) => a - b);
    const r = quantile(ratios, 0.5);
    return {
      factor, series: plan.stepSeries, detected: delays.length, detectionRate: delays.length / plan.stepSeries,
      medianDelaySeconds: quantile(delays, 0.5), p90DelaySeconds: quantile(delays, 0.9),
      medianEstimatedRatio: r === undefined ? undefined : Math.round(r * 100) / 100, medianDatingErrorSeconds: quantile(dating, 0.5),
      falseAlarmsBeforeStep: falseAlarms,
    };
  });
  let falseAlarms = 0;
  let samples = 0;
  for (let i = 0; i < plan.stationarySeries; i++) {
    const series = generateSeries({ seed: plan.seed + 99_000 + i, durationMs: plan.stationaryDurationMs, intervalMs: plan.intervalMs, factor: 1 });
    samples += series.samples.length;
    falseAlarms += runDetector(series, 0).falseAlarms;
  }
  return { plan, factors, stationary: { series: plan.stationarySeries, days: plan.stationaryDurationMs / DAY_MS, samples, falseAlarms } };
}
