/**
 * The result of a load run: plain serialisable data, the one input of every report renderer,
 * the run store and the API. Field names are a contract with users' CI scripts (`--out`).
 */
import type { LatencySummary } from './histogram.js';
import type { EndpointStats, OutcomeClass, SeriesPoint } from './stats.js';
import type { ThresholdOutcome } from './thresholds.js';

/** One step of a sweep. */
export interface StepResult {
  index: number;
  /** VUs (closed sweep) or iterations per second (open sweep) of this step. */
  vus?: number;
  rate?: number;
  requests: number;
  errors: number;
  errorRate: number;
  rps: number;
  droppedIterations: number;
  latencyMs: LatencySummary;
  /** The run's overall thresholds evaluated on this step alone. */
  thresholds: ThresholdOutcome[];
  ok: boolean;
}

/** WebSocket measurements (ws loads only). */
export interface WsResult {
  /** `opened` counts every successful connect, reconnections included; `peak` the most open at once. */
  connections: { target: number; opened: number; failed: number; peak: number };
  connectMs: LatencySummary;
  echoRttMs: LatencySummary;
  echo: { sent: number; received: number; lost: number };
  fanoutMs: LatencySummary;
  fanout: { published: number; expectedDeliveries: number; delivered: number };
  /** Drop-and-reconnect: how many were dropped and how long until all were back (ms). */
  reconnect: { dropped: number; recovered: number; recoveryMs: number | null };
}

/** A finished (or aborted) load run. */
export interface LoadResult {
  version: 1;
  runId: string;
  name: string;
  executor: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  /** Set when the run stopped early (abortOnFail or a stop request). */
  aborted: { reason: string; atSeconds: number } | null;
  summary: {
    requests: number;
    errors: number;
    errorRate: number;
    rps: number;
    durationSeconds: number;
    iterations: number;
    droppedIterations: number;
    checks: { passed: number; failed: number };
    errorsByClass: Partial<Record<OutcomeClass, number>>;
  };
  latencyMs: LatencySummary;
  endpoints: EndpointStats[];
  steps: StepResult[];
  /** The highest sweep step still meeting the thresholds before the first that does not. */
  knee: StepResult | null;
  thresholds: ThresholdOutcome[];
  generator: { saturatedSeconds: number; maxEventLoopLagMs: number; avgCpuPercent: number };
  timeSeries: SeriesPoint[];
  /** The overall latency histogram, compressed (microseconds), for merging shards. */
  histogram: string;
  ws?: WsResult;
  verdict: 'pass' | 'fail';
}

/** Live progress of a run. */
export interface LoadProgress {
  runId: string;
  name: string;
  phase: 'warmup' | 'run' | 'done';
  elapsedSeconds: number;
  totalSeconds: number;
  requests: number;
  errors: number;
  /** Of the last window. */
  rps: number;
  p95Ms: number | null;
  vus: number;
  droppedIterations: number;
  /** Sweep step (1-based) when sweeping. */
  step?: number;
}

/** The knee: the last passing step before the first failing one (null when the first fails). */
export function findKnee(steps: readonly StepResult[]): StepResult | null {
  let knee: StepResult | null = null;
  for (const s of steps) {
    if (!s.ok) break;
    knee = s;
  }
  return knee;
}
