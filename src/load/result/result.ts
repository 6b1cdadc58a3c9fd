/**
 * The result of a load run: plain serialisable data, the one input of every report renderer,
 * the run store and the API. Field names are a contract with users' CI scripts (`--out`). The
 * encoded histograms (overall, per endpoint, per time-series point) make two results mergeable
 * exactly; the percentiles beside them are derived from those histograms.
 */
import type { EndpointStats } from '../window/aggregate.js';
import type { LatencySummary } from '../window/histogram.js';
import type { OutcomeClass } from '../window/outcome.js';
import type { ThresholdOutcome } from '../thresholds.js';
import type { TargetResult } from '../target/run-health.js';

export type { EndpointStats };

/**
 * `pass` every gate held (for a sweep: at least one step met the SLO), `fail` a gate failed
 * (abortOnFail included) or every request failed, `aborted` the run was stopped for another
 * reason (interrupt, API abort, internal error) and its numbers are incomplete.
 */
export type LoadVerdict = 'pass' | 'fail' | 'aborted';

/** Why a run ended before its plan did. */
export type AbortCause =
  /** abortOnFail: a threshold failed while the run went (the verdict is `fail`). */
  | { cause: 'threshold'; outcome: ThresholdOutcome; atSeconds: number }
  /** Stopped from outside: Ctrl-C, the API, the daemon stopping. */
  | { cause: 'stopped'; reason: string; atSeconds: number }
  /** The generator failed (a bug, a worker that died): the numbers are incomplete. */
  | { cause: 'internal'; error: string; atSeconds: number };

/** One step of a sweep. */
export interface StepResult {
  index: number;
  /** VUs (closed sweep) or iterations per second (open sweep) of this step. */
  vus?: number;
  rate?: number;
  /** Requests, errors and latencies of the step's unsaturated seconds (the drain after the step included). */
  requests: number;
  errors: number;
  errorRate: number;
  /** Achieved requests per second: completed within the step's own time, over its unsaturated seconds. */
  rps: number;
  /** Iterations completed, and achieved iterations per second (measured like `rps`). */
  iterations: number;
  iterationRate: number;
  /** Rate sweeps: iterations per second asked for, and whether `iterationRate` stayed within 5 % of it. */
  offeredRate?: number;
  keptUp?: boolean;
  droppedIterations: number;
  latencyMs: LatencySummary;
  /** The step's latency histogram, encoded: steps of shards merge exactly. */
  histogram: string;
  /** Unsaturated seconds within the step's own time (what the rates are over). */
  durationSeconds: number;
  /** Seconds in which a load worker was saturated, and the step's second after each: left out of every number of the step. */
  saturatedSeconds: number;
  /** No unsaturated second was left within the step's own time: nothing measured, not used for either knee. */
  unmeasurable: boolean;
  /** The run's overall thresholds evaluated on this step alone. */
  thresholds: ThresholdOutcome[];
  /** Every threshold held (false for an unmeasurable step). */
  ok: boolean;
}

/** One point of the time series: a window of `width` seconds, all workers merged. */
export interface SeriesPoint {
  /** Seconds since measurement started, at the window's start. */
  t: number;
  width: number;
  requests: number;
  errors: number;
  rps: number;
  /** Percentiles in ms, derived from `histogram` (null when the window had no responses). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** The window's latency histogram, encoded (null when empty). */
  histogram: string | null;
  vus: number;
  dropped: number;
  /** Worst worker event-loop lag (ms) and the workers' CPU (% of one core, summed). */
  lagMs: number;
  cpuPercent: number;
  /** True when a worker, not the target, was the bottleneck in this window. */
  saturated: boolean;
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
  /** Connections per second asked for and achieved while connecting. */
  connectRate: { requested: number; achieved: number };
}

/** What the generator used. */
export interface GeneratorResult {
  /** Worker threads that ran the load, and the share of the plan this process ran (`0/1` = all). */
  workers: number;
  segment: string;
  /** CPU time of the worker threads, seconds, in all and per thread. */
  cpuSeconds: number;
  threads: { worker: number; cpuSeconds: number; requests: number }[];
  saturatedSeconds: number;
  maxEventLoopLagMs: number;
  /** Average CPU of the worker threads, % of one core (summed over threads). */
  avgCpuPercent: number;
  /** The seed of a load that draws variables or data rows: `seed:` in the load reproduces the run's draws. */
  seed?: number;
}

/** A finished (or aborted) load run. */
export interface LoadResult {
  version: 2;
  runId: string;
  name: string;
  executor: string;
  target: string;
  startedAt: string;
  finishedAt: string;
  /** When measurement began (after warmup): time-series points are seconds from here. */
  measuredFrom: string;
  /** Set when the run stopped before its plan ended. */
  aborted: AbortCause | null;
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
  /**
   * Rate sweeps: the highest step whose achieved iteration rate kept within 5 % of the offered rate
   * before the first that fell behind (the target's capacity); null as `knee` is (the first step
   * already fell behind, or every step kept up), and for VU sweeps, which offer no rate.
   */
  capacityKnee: StepResult | null;
  thresholds: ThresholdOutcome[];
  generator: GeneratorResult;
  timeSeries: SeriesPoint[];
  /** The overall latency histogram, compressed (microseconds), for merging shards. */
  histogram: string;
  ws?: WsResult;
  /** The target's health during the run (loads with `health:` sources, or whose target has some). */
  health?: TargetResult;
  verdict: LoadVerdict;
  /** Why the verdict is what it is when the thresholds alone do not say (e.g. "every request failed"). */
  verdictReason?: string;
  /** Things the user should know about how the run went (e.g. a connect rate that could not be held). */
  warnings: string[];
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
  /** Of the last second. */
  rps: number;
  p95Ms: number | null;
  vus: number;
  droppedIterations: number;
  /** Sweep step (1-based) when sweeping. */
  step?: number;
}
