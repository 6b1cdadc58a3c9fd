/**
 * A resource `Source` reads a target's memory, CPU and cache figures from one place (its
 * Prometheus endpoint, a JSON status endpoint, /proc, Redis). Reads return data — a failed read
 * is `{ ok: false, error }` — so a broken source becomes an alertable series, never a crash.
 */
import type { HealthSample } from './types.js';

/** What one read returns (the module adds target, source type and time). */
export type SourceReading = Omit<HealthSample, 'target' | 'source' | 'at'>;

/** A resource source. Sources that derive rates (CPU) keep the previous reading themselves. */
export interface Source {
  readonly type: string;
  read(now: number): Promise<SourceReading>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** CPU utilisation from two cumulative CPU-seconds readings: core-seconds used per wall second. */
export class CpuRate {
  private last: { at: number; cpuSeconds: number } | undefined;

  /** Feeds a cumulative reading; returns the ratio since the previous one (undefined on the first, or after a reset). */
  next(at: number, cpuSeconds: number): number | undefined {
    const prev = this.last;
    this.last = { at, cpuSeconds };
    if (prev === undefined || at <= prev.at || cpuSeconds < prev.cpuSeconds) return undefined;
    return (cpuSeconds - prev.cpuSeconds) / ((at - prev.at) / 1000);
  }

  /** Forgets the previous reading (the process was replaced). */
  reset(): void {
    this.last = undefined;
  }
}

/** The message of a failed read, short. */
export function failure(err: unknown): SourceReading {
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, error: message.slice(0, 200) };
}
