/** What resource sources report: one plain sample per source read, failures included. */

/**
 * A leak confidence at or above this is a leak (the detector's default one-sided p-value 0.01).
 * `perfwarden rules` writes it into the leak rule, so Prometheus decides like perfwarden.
 */
export const LEAK_CONFIDENCE_THRESHOLD = 0.99;

/** One reading of one source of one target. A failed read is `ok: false`, not an exception. */
export interface HealthSample {
  target: string;
  /** The source type that produced it: prometheus, json, process, redis, headers. */
  source: string;
  /** Epoch ms. */
  at: number;
  ok: boolean;
  /** Why the read failed, short. */
  error?: string;
  memoryBytes?: number;
  /** The limit memory_ratio is computed against (from config or the source). */
  memoryLimitBytes?: number;
  /**
   * The leak alert's measure: the detector's slope (of the post-GC baseline) while its verdict is
   * `leak`, 0 otherwise once the leak window is full, absent before.
   */
  memorySlopeBytesPerSecond?: number;
  /** 1 − Mann–Kendall p while the verdict is `leak`, else 0 (absent until the leak window is full). */
  memoryLeakConfidence?: number;
  /** 0..1 of one core-equivalent share of the machine, as the source defines it. */
  cpuRatio?: number;
  /** Cumulative counters (ratios over a window come from their deltas). */
  cacheHits?: number;
  cacheMisses?: number;
  /** A ratio read directly (JSON source). */
  cacheHitRatio?: number;
}
