/**
 * The parts of a load run's result (issue 3's `--out` JSON) that regression detection reads.
 * Kept structural and tolerant: a result from an older or newer engine still compares on the
 * fields both sides have.
 */

/** Latency percentiles in ms. */
export interface LatencyMsLike {
  avg?: number;
  p50?: number;
  p90?: number;
  p95?: number;
  p99?: number;
  p999?: number;
  max?: number;
}

/** One endpoint of a result. */
export interface EndpointResultLike {
  name: string;
  requests?: number;
  errors?: number;
  latencyMs?: LatencyMsLike;
  summary?: { requests?: number; errors?: number };
}

/** A load result as far as regression detection is concerned. */
export interface LoadResultLike {
  summary?: { requests?: number; errors?: number; rps?: number; durationSeconds?: number };
  latencyMs?: LatencyMsLike;
  endpoints?: EndpointResultLike[];
  verdict?: string;
}

/** The noise-aware rule: a latency is flagged only when worse by more than `pct` AND more than `ms`. */
export interface RegressionRule {
  p95: { pct: number; ms: number };
  p99: { pct: number; ms: number };
  /** Error rate flagged when above the baseline's by more than `abs` (ratio points) AND `rel` × baseline. */
  errorRate: { abs: number; rel: number };
  /** Endpoints with fewer requests (either side) are reported but never flagged. */
  minRequests: number;
  /**
   * Drift across the last `runs` finished runs (0: off): the change detector over per-endpoint p95
   * flags a level that rose by more than `pct` (and by more than `p95.ms`).
   */
  trend: { runs: number; pct: number };
}

/** Defaults: p95 +10 % and +20 ms, p99 +20 % and +50 ms, error rate +0.5 points and doubled. */
export const DEFAULT_REGRESSION_RULE: RegressionRule = {
  p95: { pct: 0.10, ms: 20 },
  p99: { pct: 0.20, ms: 50 },
  errorRate: { abs: 0.005, rel: 1 },
  minRequests: 30,
  trend: { runs: 20, pct: 0.3 },
};

/** One compared figure. */
export interface ComparisonRow {
  /** `overall` or the endpoint's name. */
  endpoint: string;
  /** `p95_trend`: p95 drifted across the run history (baseline = the level before the drift). */
  metric: 'p95' | 'p99' | 'error_rate' | 'p95_trend';
  baseline: number | undefined;
  current: number | undefined;
  /** current − baseline, when both exist. */
  delta: number | undefined;
  /** delta / baseline, when both exist and the baseline is not 0. */
  deltaRatio: number | undefined;
  regressed: boolean;
  /** `p95_trend` only: how many runs the drift spans (from the estimated change to this run). */
  runs?: number;
}

/** The outcome of comparing a run with its baseline. */
export interface RegressionReport {
  /** `regression` when any row regressed, `ok` when none, `no-baseline` when there was nothing to compare with. */
  verdict: 'regression' | 'ok' | 'no-baseline';
  runId: string;
  baselineId: string | undefined;
  rows: ComparisonRow[];
  /** Human summary, one line. */
  summary: string;
}

/** The rule from the decoded `history.regression` config. */
export function ruleFromConfig(c: { p95Percent: number; p95Delta: number; p99Percent: number; p99Delta: number; errorRatePoints: number; errorRateRelative: number; minRequests: number; trendRuns: number; trendPercent: number }): RegressionRule {
  return {
    p95: { pct: c.p95Percent, ms: c.p95Delta },
    p99: { pct: c.p99Percent, ms: c.p99Delta },
    errorRate: { abs: c.errorRatePoints, rel: c.errorRateRelative },
    minRequests: c.minRequests,
    trend: { runs: c.trendRuns, pct: c.trendPercent },
  };
}
