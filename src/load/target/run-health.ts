/**
 * The target's health during a load run: the run samples the load's health sources (or its
 * target's) on the run's clock, on the driver's thread (I/O only: a scrape, a Redis INFO), and
 * the result gets a `health` section — memory over time with the leak detector's verdict, CPU,
 * cache hit ratio — that thresholds (`cache_hit_ratio`, `memory_slope`, `memory_max`, `cpu`,
 * `leak: none`) judge like latency. An endurance run that leaks must not PASS.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { coerceError } from '../../core/errors.js';
import { createSource } from '../../health/health-monitor.js';
import { assessLeak } from '../../health/leak-detector.js';
import type { LeakAssessment, MemoryPoint } from '../../health/leak-detector.js';
import type { Source, SourceReading } from '../../health/source.js';
import type { TargetInput } from '../thresholds.js';
import type { RunHealthConfig } from './run-health-config.js';

/** The `health` section of a result: the target, as its own sources saw it during the run. */
export interface TargetResult {
  /** Source types sampled, and how the sampling went. */
  sources: string[];
  samples: number;
  failedReads: number;
  lastError?: string;
  /** Memory over the run (seconds from the start of measurement), bytes. */
  memory: { series: { t: number; bytes: number }[]; startBytes: number; endBytes: number; maxBytes: number; limitBytes?: number } | null;
  /** The leak detector over the whole run: verdict, slope with its 95 % interval, confidence. */
  leak: {
    verdict: 'leak' | 'no_leak' | 'insufficient_data';
    slopeBytesPerSecond: number;
    /** ~95 % interval of the slope, bytes per second. */
    slopeLow: number;
    slopeHigh: number;
    confidence: number;
    /** GC cycles seen (a verdict needs 3), and whether the rise was one step (a warm-up), not a trend. */
    gcCycles: number;
    step: boolean;
    samples: number;
    spanSeconds: number;
    /** The fitted line (seconds from the start of measurement, bytes), for a chart. */
    trend?: { fromT: number; fromBytes: number; toT: number; toBytes: number };
  } | null;
  /** CPU of the target, share of one core: average and peak over the run. */
  cpu: { avg: number; max: number } | null;
  /** Cache hit ratio over the run, from counter deltas (Redis INFO, a Prometheus counter pair) or a ratio read directly. */
  cache: { hitRatio: number; hits?: number; misses?: number; source: string } | null;
  /** Alerts that fired or resolved during the run (runs inside the daemon). */
  alerts: { alert: string; severity: string; state: string; at: string; summary?: string }[];
}

/** Most memory points kept in a result (older ones thinned by half when full). */
const MAX_MEMORY_POINTS = 600;

/** Samples a target's health through a run. */
export class RunHealth {
  private readonly sources: Source[];
  private timer: TimerHandle | undefined;
  private origin = 0;
  private samples = 0;
  private failedReads = 0;
  private lastError: string | undefined;
  private memory: { t: number; bytes: number }[] = [];
  private maxBytes = 0;
  private readonly points: MemoryPoint[] = [];
  private cpu: number[] = [];
  private counters: { first?: { hits: number; misses: number }; last?: { hits: number; misses: number }; source?: string } = {};
  private ratios: number[] = [];
  private ratioSource: string | undefined;
  private sampling: Promise<void> = Promise.resolve();

  constructor(private readonly config: RunHealthConfig, private readonly clock: Clock) {
    this.sources = config.sources.map((s) => createSource(s, config.baseUrl));
  }

  /** The leak detector over everything sampled so far: the run so far is the window. */
  private assess(): LeakAssessment | undefined {
    const first = this.points[0];
    const last = this.points[this.points.length - 1];
    if (first === undefined || last === undefined) return undefined;
    return assessLeak(this.points, last.atMs, { windowMs: last.atMs - first.atMs, ...(this.config.memoryLimitBytes === undefined ? {} : { limitBytes: this.config.memoryLimitBytes }) });
  }

  /** Starts sampling at `origin` (epoch ms, the start of measurement). */
  start(origin: number): void {
    this.origin = origin;
    const tick = () => {
      this.sampling = this.sample();
      this.timer = this.clock.setTimeout(tick, this.config.every);
    };
    tick();
  }

  private async sample(): Promise<void> {
    const at = this.clock.now();
    const readings = await Promise.all(this.sources.map(async (s): Promise<[Source, SourceReading]> => {
      try {
        return [s, await s.read(at)];
      } catch (thrown) {
        return [s, { ok: false, error: coerceError(thrown).message }];
      }
    }));
    this.samples++;
    let memory: number | undefined;
    for (const [source, r] of readings) {
      if (!r.ok) {
        this.failedReads++;
        this.lastError = `${source.type}: ${r.error ?? 'failed'}`;
        continue;
      }
      if (memory === undefined && r.memoryBytes !== undefined) memory = r.memoryBytes;
      if (r.cpuRatio !== undefined) this.cpu.push(r.cpuRatio);
      if (r.cacheHits !== undefined && r.cacheMisses !== undefined && (this.counters.source === undefined || this.counters.source === source.type)) {
        const c = { hits: r.cacheHits, misses: r.cacheMisses };
        this.counters.first ??= c;
        this.counters.last = c;
        this.counters.source = source.type;
      }
      if (r.cacheHitRatio !== undefined) {
        this.ratios.push(r.cacheHitRatio);
        this.ratioSource ??= source.type;
      }
    }
    if (memory !== undefined) {
      this.points.push({ atMs: at, bytes: memory });
      this.maxBytes = Math.max(this.maxBytes, memory);
      this.memory.push({ t: Math.round((at - this.origin) / 10) / 100, bytes: memory });
      if (this.memory.length > MAX_MEMORY_POINTS) this.memory = this.memory.filter((_, i) => i % 2 === 0);
    }
  }

  private rel(atMs: number): number {
    return Math.round((atMs - this.origin) / 10) / 100;
  }

  /** What thresholds see now. */
  input(): TargetInput {
    const leak = this.assess();
    const cache = this.cache();
    return {
      ...(cache === null ? {} : { cacheHitRatio: cache.hitRatio }),
      ...(this.memory.length === 0 ? {} : { memoryMax: this.maxBytes }),
      ...(leak === undefined || leak.verdict === 'insufficient_data' ? {} : { memorySlope: leak.slopeBytesPerSecond, leak: leak.verdict === 'leak' ? 1 : 0 }),
      ...(this.cpu.length === 0 ? {} : { cpu: this.cpu.reduce((a, b) => a + b, 0) / this.cpu.length }),
    };
  }

  private cache(): TargetResult['cache'] {
    const { first, last, source } = this.counters;
    if (first !== undefined && last !== undefined && source !== undefined) {
      const hits = last.hits - first.hits;
      const misses = last.misses - first.misses;
      if (hits + misses > 0) return { hitRatio: hits / (hits + misses), hits, misses, source };
    }
    if (this.ratios.length > 0 && this.ratioSource !== undefined) return { hitRatio: this.ratios.reduce((a, b) => a + b, 0) / this.ratios.length, source: this.ratioSource };
    return null;
  }

  /** Takes a last sample, closes the sources and returns the `health` section. */
  async stop(): Promise<TargetResult> {
    this.timer?.cancel();
    await this.sampling;
    await this.sample();
    await Promise.all(this.sources.map((s) => s.close?.().catch(() => undefined)));
    const a = this.assess();
    const first = this.memory[0];
    const last = this.memory[this.memory.length - 1];
    return {
      sources: this.sources.map((s) => s.type),
      samples: this.samples,
      failedReads: this.failedReads,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      memory: first === undefined || last === undefined ? null : { series: this.memory, startBytes: first.bytes, endBytes: last.bytes, maxBytes: this.maxBytes, ...(this.config.memoryLimitBytes === undefined ? {} : { limitBytes: this.config.memoryLimitBytes }) },
      leak: a === undefined ? null : {
        verdict: a.verdict,
        slopeBytesPerSecond: a.slopeBytesPerSecond,
        slopeLow: a.confidenceInterval[0],
        slopeHigh: a.confidenceInterval[1],
        confidence: a.confidence,
        gcCycles: a.gcCycles,
        step: a.step,
        samples: a.samples,
        spanSeconds: a.spanSeconds,
        ...(a.trend === undefined ? {} : { trend: { fromT: this.rel(a.trend.fromMs), fromBytes: a.trend.fromBytes, toT: this.rel(a.trend.toMs), toBytes: a.trend.toBytes } }),
      },
      cpu: this.cpu.length === 0 ? null : { avg: this.cpu.reduce((x, y) => x + y, 0) / this.cpu.length, max: Math.max(...this.cpu) },
      cache: this.cache(),
      alerts: [],
    };
  }
}
