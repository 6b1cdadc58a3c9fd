/**
 * Samples every target's resource sources on the target's own schedule, runs a leak detector on
 * its memory, keeps a header-derived cache hit ratio from probe results, and publishes each
 * sample (to the alert engine through the bus) and the gauges:
 * `perfwarden_target_memory_bytes`, `perfwarden_target_memory_slope_bytes_per_second`,
 * `perfwarden_target_memory_leak_confidence`, `perfwarden_cache_hit_ratio`,
 * `perfwarden_cache_hits_total`/`perfwarden_cache_lookups_total`, `perfwarden_target_cpu_ratio`,
 * `perfwarden_target_source_up`, `perfwarden_target_memory_limit_bytes`,
 * `perfwarden_target_memory_limit_eta_seconds` (while leaking).
 * A source that fails is `source_up 0` and an `ok: false` sample — alertable, never a crash.
 *
 * The leak alert's measure (`memorySlopeBytesPerSecond` of a sample) and the slope gauge are the
 * detector's slope only while its verdict is `leak`, 0 otherwise once the leak window is full, and
 * absent before: a step or a sawtooth must not fire `memory-leak` (nor cross the dashboard's line)
 * however steep its fitted slope, and nothing is judged on a half-full window. The exported
 * confidence follows the same rule, so the generated Prometheus rule is the same condition.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ResourceSourceConfig, ResourcesConfig } from '../config/sections/resources.js';
import type { ProbeResult } from '../probe/types.js';
import { cacheOutcome } from './cache-headers.js';
import { createJsonSource } from './json-source.js';
import { LeakDetector } from './leak-detector.js';
import type { LeakAssessment } from './leak-detector.js';
import { createProcessSource } from './process-source.js';
import { createPrometheusSource } from './prometheus-source.js';
import { createRedisSource } from './redis-source.js';
import type { Source } from './source.js';
import type { HealthSample } from './types.js';
import { LEAK_CONFIDENCE_THRESHOLD } from './types.js';

/** Builds a source from config. */
export function createSource(config: ResourceSourceConfig, baseUrl?: string): Source {
  switch (config.type) {
    case 'prometheus': return createPrometheusSource(config, baseUrl);
    case 'json': return createJsonSource(config, baseUrl);
    case 'process': return createProcessSource(config);
    case 'redis': return createRedisSource(config);
  }
}

/** A target to watch. */
export interface WatchedTarget {
  name: string;
  resources: ResourcesConfig;
  /** The target's base URL, for sources given a `path`. */
  baseUrl?: string;
  /** Replaces the configured sources (tests). */
  sources?: readonly Source[];
}

interface TargetState {
  target: WatchedTarget;
  sources: readonly Source[];
  leak: LeakDetector;
  lastAssessment?: LeakAssessment;
  /** Latest readings, for {@link HealthMonitor.snapshot}. */
  last: { at?: number; memoryBytes?: number; memoryLimitBytes?: number; cpuRatio?: number; cacheHitRatio?: number; cacheSource?: string };
  /** Previous counter readings per source, for the cache gauge. */
  counters: Map<string, { hits: number; misses: number }>;
  headerOutcomes: ('hit' | 'miss')[];
  hasCacheSource: boolean;
  timer?: TimerHandle;
}

/** One target's latest health (plain data; undefined where nothing was read yet). */
export interface TargetHealth {
  target: string;
  /** Epoch ms of the last successful read. */
  sampledAt: number | undefined;
  memoryBytes: number | undefined;
  memoryLimitBytes: number | undefined;
  cpuRatio: number | undefined;
  /** 0..1, over the last two counter readings (or the last 200 probe responses' headers). */
  cacheHitRatio: number | undefined;
  /** Where the ratio came from: a source type, or "headers". */
  cacheSource: string | undefined;
  leakWindowMs: number;
  leak: LeakAssessment | undefined;
}

/** Options for {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  targets: readonly WatchedTarget[];
  clock: Clock;
  registry?: Registry;
  onSample?: (s: HealthSample) => void;
  /** Header-derived cache ratio over this many recent responses. Default 200. */
  headerWindow?: number;
}

/** The health sampler. */
export class HealthMonitor {
  private readonly states = new Map<string, TargetState>();
  private readonly gauges: Record<'memory' | 'limit' | 'slope' | 'confidence' | 'cache' | 'cpu' | 'up' | 'eta', Gauge> | undefined;
  private readonly counters: Record<'hits' | 'lookups', Counter> | undefined;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: HealthMonitorOptions) {
    for (const t of opts.targets) {
      const sources = t.sources ?? t.resources.sources.map((c) => createSource(c, t.baseUrl));
      this.states.set(t.name, {
        target: t, sources, counters: new Map(), headerOutcomes: [], last: {},
        hasCacheSource: t.resources.sources.some((s) => s.type === 'redis' || (s.type === 'prometheus' && s.cacheHitsMetric !== undefined) || (s.type === 'json' && (s.cacheHitRatio !== undefined || s.cacheHits !== undefined))),
        leak: new LeakDetector({
          windowMs: t.resources.leak.window,
          minSlopeBytesPerSecond: t.resources.leak.minSlopePerMinute / 60,
          ...(t.resources.memoryLimit === undefined ? {} : { limitBytes: t.resources.memoryLimit }),
        }),
      });
    }
    const r = opts.registry;
    if (r !== undefined) {
      const g = (name: string, help: string, labelNames: string[]) => new Gauge({ name, help, labelNames, registers: [r] });
      this.gauges = {
        memory: g('perfwarden_target_memory_bytes', 'Memory of the target as its sources report it (RSS, used memory).', ['target']),
        limit: g('perfwarden_target_memory_limit_bytes', 'The memory limit memory_ratio is computed against (config or source).', ['target']),
        slope: g('perfwarden_target_memory_slope_bytes_per_second', 'Leak rate of the target memory: the Theil–Sen slope of its post-GC baseline over the leak window while the leak verdict is "leak", 0 otherwise (absent until the window is full).', ['target']),
        confidence: g('perfwarden_target_memory_leak_confidence', `0..1: how sure the leak detector is that memory leaks (1 − Mann–Kendall p while its verdict is "leak", else 0; >= ${LEAK_CONFIDENCE_THRESHOLD} means leak).`, ['target']),
        cache: g('perfwarden_cache_hit_ratio', 'Cache hit ratio of the target (counters, or response headers).', ['target']),
        cpu: g('perfwarden_target_cpu_ratio', 'CPU utilisation of the target, core-seconds per second.', ['target']),
        up: g('perfwarden_target_source_up', '1 when the last read of a resource source succeeded.', ['target', 'source']),
        eta: g('perfwarden_target_memory_limit_eta_seconds', 'Seconds until the memory limit at the current slope (present only while the leak verdict is "leak").', ['target']),
      };
      const c = (name: string, help: string) => new Counter({ name, help, labelNames: ['target'], registers: [r] });
      this.counters = {
        hits: c('perfwarden_cache_hits_total', 'Cache hits of the target (counter deltas of its sources, or hit verdicts of response headers).'),
        lookups: c('perfwarden_cache_lookups_total', 'Cache lookups (hits + misses) of the target, counted like perfwarden_cache_hits_total.'),
      };
      // The series exist from the start, so Prometheus' increase() sees the first lookups too.
      for (const [name, st] of this.states) if (st.hasCacheSource || st.target.resources.cacheFromHeaders) this.countLookups(name, 0, 0);
    }
  }

  /** Samples every target once now (tests), waiting for all reads. */
  async sampleAll(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => this.sample(s)));
  }

  /** Starts the per-target schedules. */
  start(): void {
    this.stopped = false;
    for (const s of this.states.values()) {
      if (s.sources.length === 0) continue;
      const loop = () => {
        if (this.stopped) return;
        const p = this.sample(s).finally(() => {
          this.inFlight.delete(p);
          if (!this.stopped) s.timer = this.opts.clock.setTimeout(loop, s.target.resources.every);
        });
        this.inFlight.add(p);
      };
      loop();
    }
  }

  /** Stops sampling, waits for reads in flight and closes sources. Safe twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.states.values()) s.timer?.cancel();
    await Promise.all([...this.inFlight]);
    for (const s of this.states.values()) for (const src of s.sources) await src.close?.().catch(() => {});
  }

  /** Feeds a probe result (header-derived cache ratio). */
  observeProbe(r: ProbeResult): void {
    const s = this.states.get(r.target);
    if (s === undefined || !s.target.resources.cacheFromHeaders || s.hasCacheSource) return;
    const o = cacheOutcome(r.headers);
    if (o === undefined) return;
    s.headerOutcomes.push(o);
    const cap = this.opts.headerWindow ?? 200;
    if (s.headerOutcomes.length > cap) s.headerOutcomes.splice(0, s.headerOutcomes.length - cap);
    const ratio = s.headerOutcomes.filter((x) => x === 'hit').length / s.headerOutcomes.length;
    this.gauges?.cache.set({ target: r.target }, ratio);
    s.last.cacheHitRatio = ratio;
    s.last.cacheSource = 'headers';
    this.countLookups(r.target, o === 'hit' ? 1 : 0, 1);
  }

  private countLookups(target: string, hits: number, lookups: number): void {
    this.counters?.hits.inc({ target }, hits);
    this.counters?.lookups.inc({ target }, lookups);
  }

  /** The latest leak assessment of a target. */
  assessment(target: string): LeakAssessment | undefined {
    return this.states.get(target)?.lastAssessment;
  }

  /** Every watched target's latest health: memory, leak assessment, CPU and cache hit ratio. */
  snapshot(): TargetHealth[] {
    return [...this.states.values()].map((s) => ({
      target: s.target.name,
      sampledAt: s.last.at,
      memoryBytes: s.last.memoryBytes,
      memoryLimitBytes: s.last.memoryLimitBytes,
      cpuRatio: s.last.cpuRatio,
      cacheHitRatio: s.last.cacheHitRatio,
      cacheSource: s.last.cacheSource,
      leakWindowMs: s.target.resources.leak.window,
      leak: s.lastAssessment,
    }));
  }

  private async sample(s: TargetState): Promise<void> {
    const name = s.target.name;
    let memoryTaken = false;
    for (const src of s.sources) {
      const at = this.opts.clock.now();
      const reading = await src.read(at);
      this.gauges?.up.set({ target: name, source: src.type }, reading.ok ? 1 : 0);
      const sample: HealthSample = { target: name, source: src.type, at, ...reading };
      if (reading.ok && sample.memoryLimitBytes === undefined && s.target.resources.memoryLimit !== undefined) {
        sample.memoryLimitBytes = s.target.resources.memoryLimit;
      }
      // The first source that reports memory drives the leak detector.
      if (reading.ok && reading.memoryBytes !== undefined && !memoryTaken) {
        memoryTaken = true;
        s.leak.add(at, reading.memoryBytes);
        const a = s.leak.assess(at);
        s.lastAssessment = a;
        this.gauges?.memory.set({ target: name }, reading.memoryBytes);
        if (sample.memoryLimitBytes !== undefined) this.gauges?.limit.set({ target: name }, sample.memoryLimitBytes);
        s.last.memoryBytes = reading.memoryBytes;
        if (sample.memoryLimitBytes !== undefined) s.last.memoryLimitBytes = sample.memoryLimitBytes;
        if (!a.windowFull) {
          this.gauges?.slope.remove({ target: name });
          this.gauges?.confidence.remove({ target: name });
        } else {
          const leaking = a.verdict === 'leak';
          sample.memorySlopeBytesPerSecond = leaking ? a.slopeBytesPerSecond : 0;
          sample.memoryLeakConfidence = leaking ? a.confidence : 0;
          this.gauges?.slope.set({ target: name }, sample.memorySlopeBytesPerSecond);
          this.gauges?.confidence.set({ target: name }, sample.memoryLeakConfidence);
        }
        if (a.verdict === 'leak' && a.secondsToLimit !== undefined) this.gauges?.eta.set({ target: name }, a.secondsToLimit);
        else this.gauges?.eta.remove({ target: name });
      }
      if (reading.ok) s.last.at = at;
      if (reading.ok && reading.cpuRatio !== undefined) {
        this.gauges?.cpu.set({ target: name }, reading.cpuRatio);
        s.last.cpuRatio = reading.cpuRatio;
      }
      if (reading.ok && reading.cacheHitRatio !== undefined) {
        this.gauges?.cache.set({ target: name }, reading.cacheHitRatio);
        s.last = { ...s.last, cacheHitRatio: reading.cacheHitRatio, cacheSource: src.type };
      }
      if (reading.ok && reading.cacheHits !== undefined && reading.cacheMisses !== undefined) {
        const prev = s.counters.get(src.type);
        s.counters.set(src.type, { hits: reading.cacheHits, misses: reading.cacheMisses });
        if (prev !== undefined) {
          const dh = reading.cacheHits - prev.hits;
          const dm = reading.cacheMisses - prev.misses;
          if (dh >= 0 && dm >= 0 && dh + dm > 0) {
            this.gauges?.cache.set({ target: name }, dh / (dh + dm));
            s.last = { ...s.last, cacheHitRatio: dh / (dh + dm), cacheSource: src.type };
            this.countLookups(name, dh, dh + dm);
          }
        }
      }
      this.opts.onSample?.(sample);
    }
  }
}
