/**
 * The generator watches itself: when its own event loop lags or its CPU is pegged, the numbers
 * describe the generator rather than the target, so such seconds are flagged in the result.
 * This is an I/O edge (perf_hooks, process.cpuUsage); the decision is the pure `isSaturated`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';

/** One sample of the generator's health over the last window. */
export interface GeneratorSample {
  /** Worst event-loop delay in the window, ms. */
  lagMs: number;
  /** CPU used by this process in the window, % of one core. */
  cpuPercent: number;
  saturated: boolean;
}

/** True when the generator itself was the bottleneck. */
export function isSaturated(lagMs: number, cpuPercent: number, lagThresholdMs: number): boolean {
  return lagMs > lagThresholdMs || cpuPercent >= 98;
}

/** Samples event-loop lag and CPU since the previous call. */
export class SelfWatch {
  private readonly delay: IntervalHistogram;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  /** Worst lag seen since `start`, ms. */
  maxLagMs = 0;
  /** Windows flagged saturated since `start`. */
  saturatedWindows = 0;
  /** Sum of CPU percentages and windows, for the average. */
  private cpuSum = 0;
  private windows = 0;

  constructor(private readonly lagThresholdMs: number) {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
  }

  /** Starts monitoring. */
  start(): void {
    this.delay.enable();
    this.lastCpu = process.cpuUsage();
    this.lastAt = performance.now();
  }

  /** The window since the previous sample. */
  sample(): GeneratorSample {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedUs = Math.max(1, (now - this.lastAt) * 1000);
    const cpuPercent = ((cpu.user + cpu.system) / elapsedUs) * 100;
    // The histogram's max includes the 10 ms sampling resolution; subtract it.
    const lagMs = this.delay.count === 0 ? 0 : Math.max(0, this.delay.max / 1e6 - 10);
    this.delay.reset();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const saturated = isSaturated(lagMs, cpuPercent, this.lagThresholdMs);
    if (lagMs > this.maxLagMs) this.maxLagMs = lagMs;
    if (saturated) this.saturatedWindows++;
    this.cpuSum += cpuPercent;
    this.windows++;
    return { lagMs, cpuPercent, saturated };
  }

  /** Average CPU % of one core over all windows. */
  avgCpuPercent(): number {
    return this.windows === 0 ? 0 : this.cpuSum / this.windows;
  }

  /** Stops monitoring (safe to call twice). */
  stop(): void {
    this.delay.disable();
  }
}
