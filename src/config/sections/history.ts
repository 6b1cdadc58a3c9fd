/** The `history` config section: how long probe results are kept, and how often they are pruned. */
import { Type } from '@sinclair/typebox';
import type { StaticDecode } from '@sinclair/typebox';
import { Duration, Percent, Size, Strict } from '../types.js';

/** `history`. */
export const HistorySection = Strict({
  /** Raw probe results are kept this long. */
  rawRetention: Duration({ default: '1d' }),
  /** Per-minute aggregates (count, failures, latency histogram) are kept this long. */
  minuteRetention: Duration({ default: '30d' }),
  /** How often the retention job runs. */
  pruneInterval: Duration({ default: '10m' }),
  /**
   * Keep the database's used pages under this size (like Prometheus' `retention.size`): when over,
   * the oldest raw results go first (their minute aggregates stay), then the oldest aggregates.
   * Checked every 10 s. Unset: bounded by age only.
   */
  maxSize: Type.Optional(Size()),
  /** Buffered probe results are written at least this often. */
  flushInterval: Duration({ default: '1s' }),
  /** … or as soon as this many are buffered. */
  flushRows: Type.Integer({ minimum: 1, maximum: 100_000, default: 200 }),
  /** Load runs kept (newest first); older runs and their reports are deleted. Baselines are always kept. */
  maxRuns: Type.Integer({ minimum: 1, default: 500 }),
  /**
   * Regression detection against the baseline run: a latency percentile regresses only when
   * worse by more than the percentage AND more than the duration (noise-aware).
   */
  regression: Strict({
    p95Percent: Percent({ default: '10%' }),
    p95Delta: Duration({ default: '20ms' }),
    p99Percent: Percent({ default: '20%' }),
    p99Delta: Duration({ default: '50ms' }),
    /** Error rate: worse by more than these ratio points AND by more than `errorRateRelative` × baseline. */
    errorRatePoints: Percent({ default: '0.5%' }),
    errorRateRelative: Percent({ default: '100%' }),
    /** Endpoints with fewer requests on either side are shown but never flagged. */
    minRequests: Type.Integer({ minimum: 0, default: 30 }),
    /** Drift across scheduled runs: the change detector over the last N finished runs' per-endpoint p95 (0 = off). */
    trendRuns: Type.Integer({ minimum: 0, maximum: 200, default: 20 }),
    /** … flags a p95 level that rose by more than this (and by more than `p95Delta`). */
    trendPercent: Percent({ default: '30%' }),
  }, { default: {} }),
}, { default: {} });

/** Decoded `history`. */
export type HistoryConfig = StaticDecode<typeof HistorySection>;
