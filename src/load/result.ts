/**
 * The result of a load run: plain serialisable data, the one input of every report renderer,
 * the run store and the API. Field names are a contract with users' CI scripts (`--out`).
 */
import type { LatencySummary } from './histogram.js';
import type { EndpointStats, OutcomeClass, SeriesPoint } from './stats.js';
import type { ThresholdOutcome } from './thresholds.js';
import { fmtThresholdValue } from '../report/format.js';

/**
 * `pass` every gate held (for a sweep: at least one step met the SLO, i.e. there is a knee or no
 * step failed), `fail` a gate failed (abortOnFail included), `aborted` the run was stopped for
 * another reason (interrupt, API abort, internal error) and its numbers are incomplete.
 */
export type LoadVerdict = 'pass' | 'fail' | 'aborted';

/** The prefix of `aborted.reason` when abortOnFail stopped the run (its verdict stays `fail`). */
export const ABORT_ON_FAIL_PREFIX = 'abortOnFail: ';

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
  /**
   * The highest sweep step still meeting the thresholds before the first that does not; null when
   * the first step already fails or when every step passes (no knee within the tested steps).
   */
  knee: StepResult | null;
  thresholds: ThresholdOutcome[];
  generator: { saturatedSeconds: number; maxEventLoopLagMs: number; avgCpuPercent: number };
  timeSeries: SeriesPoint[];
  /** The overall latency histogram, compressed (microseconds), for merging shards. */
  histogram: string;
  ws?: WsResult;
  verdict: LoadVerdict;
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

/**
 * The knee: the last passing step before the first failing one. Null when the first step fails,
 * and null when every step passes — then the knee lies beyond the tested steps (see `sweepOutcome`).
 */
export function findKnee(steps: readonly StepResult[]): StepResult | null {
  let knee: StepResult | null = null;
  for (const s of steps) {
    if (!s.ok) return knee;
    knee = s;
  }
  return null;
}

/** How a sweep ended: a knee, every step passing, or none passing; undefined when not a sweep. */
export type SweepOutcome = 'knee' | 'all-passed' | 'none-passed';

/** The sweep outcome of a result. */
export function sweepOutcome(r: Pick<LoadResult, 'steps' | 'knee'>): SweepOutcome | undefined {
  if (r.steps.length === 0) return undefined;
  if (r.knee !== null) return 'knee';
  return r.steps.every((s) => s.ok) ? 'all-passed' : 'none-passed';
}

/** One line about the knee, for people (summary and reports). */
export function kneeText(r: Pick<LoadResult, 'steps' | 'knee'>): string | undefined {
  const level = (s: StepResult) => (s.vus !== undefined ? `${s.vus} VUs` : `${s.rate ?? 0}/s`);
  switch (sweepOutcome(r)) {
    case 'knee':
      return r.knee === null ? undefined : `knee: step ${r.knee.index + 1} (${level(r.knee)}), the highest load still meeting the thresholds`;
    case 'all-passed':
      return 'no knee within the tested steps: every step met the thresholds (add higher steps to find it)';
    case 'none-passed':
      return 'no knee: not even the first step met the thresholds';
    case undefined:
      return undefined;
  }
}

/** True when `aborted` was an abortOnFail stop (a failed gate, not an interrupted run). */
export function abortedByThreshold(aborted: LoadResult['aborted']): boolean {
  return aborted !== null && aborted.reason.startsWith(ABORT_ON_FAIL_PREFIX);
}

/**
 * The final verdict: `aborted` when the run was stopped for any reason but abortOnFail; for a
 * sweep, `pass` when at least one step met the SLO (the verdict follows the knee, not the whole
 * run, since a sweep is meant to go past the SLO); otherwise the thresholds' verdict.
 */
export function verdictFor(r: Pick<LoadResult, 'aborted' | 'steps' | 'thresholds'>): LoadVerdict {
  if (r.aborted !== null && !abortedByThreshold(r.aborted)) return 'aborted';
  if (r.steps.length > 0) return r.steps.some((s) => s.ok) ? 'pass' : 'fail';
  return r.thresholds.every((t) => t.ok) && !abortedByThreshold(r.aborted) ? 'pass' : 'fail';
}

const MEASURED = /^(abortOnFail: threshold (\S+?)(<=|>=|<|>)\S* failed \(measured )(-?[\d.]+(?:e[-+]?\d+)?|null)\)$/;

/** Gives an abortOnFail reason's measured value its unit ("measured 234.567" → "measured 235 ms"). */
export function withUnits(reason: string): string {
  const m = MEASURED.exec(reason);
  if (m === null) return reason;
  const value = m[4] === 'null' ? null : Number(m[4]);
  return `${m[1] ?? ''}${fmtThresholdValue(m[2] ?? '', value)})`;
}

/** Applies the final verdict, the knee rule, units on the abort reason and rounding of float sums to a built result. */
export function finalizeResult(r: LoadResult): LoadResult {
  const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
  const aborted = r.aborted === null ? null : { reason: withUnits(r.aborted.reason), atSeconds: round(r.aborted.atSeconds, 1) };
  const knee = r.steps.length > 0 ? findKnee(r.steps) : null;
  const generator = { ...r.generator, saturatedSeconds: round(r.generator.saturatedSeconds, 3) };
  const next = { ...r, aborted, knee, generator };
  return { ...next, verdict: verdictFor(next) };
}
