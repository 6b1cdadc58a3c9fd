/**
 * The answer to "how is this target doing?" as the API (`GET /api/targets`) and the CLI
 * (`perfwarden health`) give it: memory, the leak verdict with its slope and interval, CPU and
 * cache hit ratio. Plain JSON (null where nothing was measured), one shape for both, and a text
 * rendering for people.
 */
import type { TargetHealth } from './health-monitor.js';

/** The leak part of a {@link TargetHealthView}. */
export interface LeakView {
  verdict: 'leak' | 'no_leak' | 'insufficient_data';
  slopeBytesPerSecond: number;
  /** ~95 % interval of the slope, bytes/s. */
  confidenceInterval: [number, number];
  confidence: number;
  gcCycles: number;
  windowFull: boolean;
  step: boolean;
  method: 'troughs' | 'all-samples';
  windowSeconds: number;
  samples: number;
  secondsToLimit: number | null;
}

/** One target's health as JSON. */
export interface TargetHealthView {
  target: string;
  /** False when the target has no `resources` (nothing is sampled). */
  watched: boolean;
  sampledAt: number | null;
  memoryBytes: number | null;
  memoryLimitBytes: number | null;
  cpuRatio: number | null;
  cacheHitRatio: number | null;
  cacheSource: string | null;
  /** Null until a memory sample arrived. */
  leak: LeakView | null;
}

/** Builds the view of a watched target. */
export function targetHealthView(h: TargetHealth): TargetHealthView {
  const a = h.leak;
  return {
    target: h.target,
    watched: true,
    sampledAt: h.sampledAt ?? null,
    memoryBytes: h.memoryBytes ?? null,
    memoryLimitBytes: h.memoryLimitBytes ?? null,
    cpuRatio: h.cpuRatio ?? null,
    cacheHitRatio: h.cacheHitRatio ?? null,
    cacheSource: h.cacheSource ?? null,
    leak: a === undefined ? null : {
      verdict: a.verdict,
      slopeBytesPerSecond: a.slopeBytesPerSecond,
      confidenceInterval: a.confidenceInterval,
      confidence: a.confidence,
      gcCycles: a.gcCycles,
      windowFull: a.windowFull,
      step: a.step,
      method: a.method,
      windowSeconds: h.leakWindowMs / 1000,
      samples: a.samples,
      secondsToLimit: a.verdict === 'leak' ? a.secondsToLimit ?? null : null,
    },
  };
}

/** The view of a configured target without `resources`. */
export function unwatchedView(target: string): TargetHealthView {
  return { target, watched: false, sampledAt: null, memoryBytes: null, memoryLimitBytes: null, cpuRatio: null, cacheHitRatio: null, cacheSource: null, leak: null };
}

const MiB = 1_048_576;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const perMin = (bytesPerSecond: number) => `${((bytesPerSecond * 60) / MiB).toFixed(2)}`;

/** One paragraph per target, for a terminal. */
export function formatTargetHealth(views: readonly TargetHealthView[]): string {
  return views.map((v) => {
    if (!v.watched) return `${v.target}: not watched (no resources configured)`;
    const lines = [`${v.target}`];
    lines.push(`  memory   ${v.memoryBytes === null ? '-' : mib(v.memoryBytes)}${v.memoryLimitBytes === null ? '' : ` of ${mib(v.memoryLimitBytes)}`}`);
    const l = v.leak;
    if (l === null) lines.push('  leak     - (no memory sample)');
    else {
      const why = l.windowFull ? `${l.gcCycles} GC cycle(s) in the ${l.windowSeconds} s window` : `window ${l.windowSeconds} s not full yet`;
      lines.push(`  leak     ${l.verdict}${l.step ? ' (step)' : ''} — slope ${perMin(l.slopeBytesPerSecond)} MiB/min [${perMin(l.confidenceInterval[0])}, ${perMin(l.confidenceInterval[1])}], confidence ${l.confidence.toFixed(3)}; ${why}`);
      if (l.secondsToLimit !== null) lines.push(`  limit    reached in ${(l.secondsToLimit / 3600).toFixed(1)} h at this slope`);
    }
    lines.push(`  cpu      ${v.cpuRatio === null ? '-' : `${(v.cpuRatio * 100).toFixed(1)} %`}`);
    lines.push(`  cache    ${v.cacheHitRatio === null ? '-' : `${(v.cacheHitRatio * 100).toFixed(1)} % hits (${v.cacheSource ?? '?'})`}`);
    return lines.join('\n');
  }).join('\n\n');
}
