/** What resource sources report: one plain sample per source read, failures included. */

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
  /** Theil–Sen slope over the leak window, when the health module computed one. */
  memorySlopeBytesPerSecond?: number;
  /** 0..1 of one core-equivalent share of the machine, as the source defines it. */
  cpuRatio?: number;
  /** Cumulative counters (ratios over a window come from their deltas). */
  cacheHits?: number;
  cacheMisses?: number;
  /** A ratio read directly (JSON source). */
  cacheHitRatio?: number;
}
