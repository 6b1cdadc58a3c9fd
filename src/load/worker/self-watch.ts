/**
 * The generator watches itself, per thread: when a worker's event loop lags or its thread's CPU
 * is pegged, that worker's numbers describe the generator rather than the target, so its windows
 * are flagged. Thread CPU comes from /proc/thread-self/stat on Linux (process.cpuUsage would
 * count every thread), else from the event loop's utilisation. An I/O edge; the decision is the
 * pure `isSaturated`.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import type { GeneratorWindow } from '../window/snapshot.js';

/**
 * True when the generator itself was the bottleneck: its event loop answered late. (A busy loop
 * is not enough: the open model may wait out the last millisecond before a sparse send on it.)
 */
export function isSaturated(lagMs: number, lagThresholdMs: number): boolean {
  return lagMs > lagThresholdMs;
}

/** CPU time of the calling thread in ms, or undefined where /proc/thread-self is not available. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime (fields 14 and 15), in clock ticks of 10 ms (USER_HZ = 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** Samples the calling thread's event-loop lag and CPU since the previous sample. */
export class SelfWatch {
  private readonly delay: IntervalHistogram;
  private lastCpu: number | undefined;
  private lastElu: EventLoopUtilization;
  private lastAt = performance.now();

  constructor(private readonly lagThresholdMs: number) {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.lastCpu = threadCpuMs();
    this.lastElu = performance.eventLoopUtilization();
  }

  /** The window since the previous sample. */
  sample(): GeneratorWindow {
    const now = performance.now();
    const elapsed = Math.max(1, now - this.lastAt);
    const cpu = threadCpuMs();
    const elu = performance.eventLoopUtilization(this.lastElu);
    const cpuMs = cpu !== undefined && this.lastCpu !== undefined ? cpu - this.lastCpu : elu.utilization * elapsed;
    // The histogram's max includes the 10 ms sampling resolution; subtract it.
    const lagMs = this.delay.count === 0 ? 0 : Math.max(0, this.delay.max / 1e6 - 10);
    this.delay.reset();
    this.lastCpu = cpu;
    this.lastElu = performance.eventLoopUtilization();
    this.lastAt = now;
    return { lagMs: Math.round(lagMs * 10) / 10, cpuMs: Math.round(cpuMs), saturated: isSaturated(lagMs, this.lagThresholdMs) };
  }

  /** Stops monitoring (safe to call twice). */
  stop(): void {
    this.delay.disable();
  }
}
