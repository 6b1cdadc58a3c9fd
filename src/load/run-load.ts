/**
 * Runs one HTTP load plan: a connection pool to the target, warmup (measured nothing), the
 * executor (closed, open or a sweep of steps), a once-a-second tick that closes the time-series
 * window, samples the generator's own health, updates live metrics and progress, and checks
 * abort-on-fail after the grace delay. Returns a handle; the result is plain data.
 */
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'undici';
import { systemClock } from '../core/clock.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import { Http1Connection } from './transport/http1-connection.js';
import type { VuDispatcher } from './transport/http1-connection.js';
import type { RequestObserver, VuHost } from './http-vu.js';
import type { LoadMetrics } from './metrics.js';
import type { LoadPlan } from './plan.js';
import { runClosed, runOpen } from './executors.js';
import type { ExecutorHandle } from './executors.js';
import { arrivalSchedule, peakLevel, totalMs } from './schedule.js';
import type { Segment } from './schedule.js';
import { SelfWatch } from './self-watch.js';
import { LoadStats } from './stats.js';
import { evaluateThresholds, verdictOf } from './thresholds.js';
import type { Threshold, ThresholdOutcome } from './thresholds.js';
import { findKnee } from './result.js';
import type { LoadProgress, LoadResult, StepResult } from './result.js';
import { encodeHistogram } from './histogram.js';

/** How a run is driven. */
export interface LoadRunOptions {
  runId?: string;
  clock?: Clock;
  random?: () => number;
  /** Live metrics; absent in plain CLI runs. */
  metrics?: LoadMetrics;
  /** Called once a second and at the end. */
  onProgress?: (progress: LoadProgress) => void;
  /** Tracing of the run (telemetry/load-run-tracer.ts); absent when tracing is off, so the run does no tracing work. */
  tracer?: LoadRunTracer;
}

/** Told when each phase of a run starts, and shown each recorded request (it does its own sampling). */
export interface LoadRunTracer {
  /** The warmup, the measured run, or sweep step `step` (0-based) starts. */
  phase(phase: 'warmup' | 'run' | 'step', plan: LoadPlan, step?: number): void;
  /** Called after the live metrics for every recorded request; keep it cheap. */
  readonly observer: RequestObserver;
}

/** A run in progress. */
export interface LoadRunHandle {
  readonly runId: string;
  /** Settles with the result, also after `stop` (never rejects for target failures). */
  readonly done: Promise<LoadResult>;
  /** Ends the run early, keeping what was measured; safe to call twice. */
  stop(reason: string): void;
  /** The latest progress. */
  progress(): LoadProgress;
}

/** Starts an HTTP load run. */
export function startLoadRun(plan: LoadPlan, options: LoadRunOptions = {}): LoadRunHandle {
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const startedAt = clock.now();
  const clientOptions = { pipelining: 1, headersTimeout: plan.timeoutMs, bodyTimeout: plan.timeoutMs, connectTimeout: plan.timeoutMs, keepAliveTimeout: 30_000 };
  const pool = new Pool(plan.origin, { ...clientOptions, connections: plan.connections });
  const clients: VuDispatcher[] = [];
  const lean: Http1Connection[] = [];
  const origin = new URL(plan.origin);
  let nextClient = 0;
  let closedModel = true;
  // One deadline sweep for every lean connection instead of a timer per request.
  const sweepMs = Math.max(10, Math.min(250, plan.timeoutMs / 10));
  let sweeper: TimerHandle | undefined;
  const sweep = () => {
    const now = clock.now();
    for (const c of lean) c.checkDeadline(now);
    sweeper = clock.setTimeout(sweep, sweepMs);
  };
  const dispatcherFor = (): VuDispatcher => {
    if (!closedModel) return pool;
    let c = clients[nextClient];
    if (c === undefined) {
      if (origin.protocol === 'http:') {
        const h1 = new Http1Connection({ hostname: origin.hostname.replace(/^\[|\]$/g, ''), port: Number(origin.port || 80), authority: origin.host, timeoutMs: plan.timeoutMs, now: () => clock.now() });
        lean.push(h1);
        sweeper ??= clock.setTimeout(sweep, sweepMs);
        c = h1;
      } else {
        c = new Client(plan.origin, clientOptions);
      }
      clients.push(c);
    }
    nextClient = (nextClient + 1) % plan.connections;
    return c;
  };
  const stats = new LoadStats(plan.endpoints);
  const bound = options.metrics?.bind(plan.name, plan.endpoints);
  const host: VuHost = {
    plan,
    dispatcherFor,
    now: () => clock.now(),
    random: options.random ?? Math.random,
    stats,
    observer: options.tracer === undefined ? bound?.observer : teeObserver(bound?.observer, options.tracer.observer),
    onDropped: bound?.onDropped,
    stopped: false,
  };
  const watch = new SelfWatch(plan.saturationLagMs);
  const totalSeconds = (plan.warmupMs + shapeMs(plan)) / 1000;
  let executor: ExecutorHandle | undefined;
  let phase: LoadProgress['phase'] = plan.warmupMs > 0 ? 'warmup' : 'run';
  let measureStart = startedAt;
  let aborted: LoadResult['aborted'] = null;
  let stopping = false;
  let ticker: TimerHandle | undefined;
  let stepIndex: number | undefined;
  let last: LoadProgress = progressOf(0, null);

  function progressOf(rps: number, p95: number | null): LoadProgress {
    const now = clock.now();
    const overall = stats.overall(now);
    return {
      runId, name: plan.name, phase,
      elapsedSeconds: Math.round((now - startedAt) / 100) / 10,
      totalSeconds,
      requests: overall.requests, errors: overall.errors, rps, p95Ms: p95,
      vus: executor?.activeVus() ?? 0,
      droppedIterations: stats.dropped,
      ...(stepIndex === undefined ? {} : { step: stepIndex + 1 }),
    };
  }

  const tick = () => {
    const now = clock.now();
    const gen = watch.sample();
    const vus = executor?.activeVus() ?? 0;
    bound?.setActiveVus(vus);
    bound?.setGeneratorLag(gen.lagMs / 1000);
    const point = stats.tick(now, { vus, ...gen });
    last = progressOf(point?.rps ?? 0, point?.p95 ?? null);
    options.onProgress?.(last);
    // A sweep is meant to go past the SLO (that is how it finds the knee): never aborted.
    if (plan.abortOnFail && phase === 'run' && plan.shape.kind !== 'sweep' && now - measureStart >= plan.abortDelayMs && plan.thresholds.length > 0) {
      const failed = evaluate(plan.thresholds, stats, now).find((o) => !o.ok);
      if (failed !== undefined) stop(`threshold ${failed.expression} failed (measured ${String(failed.value)})`, true);
    }
    ticker = clock.setTimeout(tick, 1000);
  };

  function stop(reason: string, byThreshold = false): void {
    if (stopping) return;
    stopping = true;
    if (phase !== 'done') aborted = { reason: byThreshold ? `abortOnFail: ${reason}` : reason, atSeconds: Math.round(stats.elapsedSeconds(clock.now()) * 10) / 10 };
    executor?.stop();
  }

  const runPhase = async (make: () => ExecutorHandle) => {
    executor = make();
    await executor.done;
    // Let iterations started on schedule finish (bounded by the request timeout), so each one
    // due is counted; a stop request skips the wait.
    const drainUntil = clock.now() + Math.min(plan.timeoutMs, 30_000);
    while (!stopping && executor.inFlight() > 0 && clock.now() < drainUntil) await sleep(clock, 5);
  };

  const steps: StepResult[] = [];
  const done = (async (): Promise<LoadResult> => {
    watch.start();
    ticker = clock.setTimeout(tick, 1000);
    try {
      closedModel = plan.shape.kind === 'closed' || (plan.shape.kind === 'sweep' && plan.shape.mode === 'vus');
      if (plan.warmupMs > 0 && !stopping) {
        options.tracer?.phase('warmup', plan);
        const level = firstLevel(plan);
        await runPhase(() => plan.shape.kind === 'open' || (plan.shape.kind === 'sweep' && plan.shape.mode === 'rate')
          ? runOpen(host, clock, arrivalSchedule([{ durationMs: plan.warmupMs, from: level, to: level }]), maxVus(plan), Math.min(maxVus(plan), 100))
          : runClosed(host, clock, [{ durationMs: plan.warmupMs, from: level, to: level }], plan.thinkTime));
      }
      phase = 'run';
      options.tracer?.phase('run', plan);
      measureStart = clock.now();
      stats.begin(measureStart);
      const shape = plan.shape;
      if (!stopping && shape.kind === 'closed') await runPhase(() => runClosed(host, clock, shape.segments, plan.thinkTime));
      if (!stopping && shape.kind === 'open') await runPhase(() => runOpen(host, clock, arrivalSchedule(shape.segments), shape.maxVUs, shape.preAllocatedVUs));
      if (shape.kind === 'sweep') {
        for (let i = 0; i < shape.steps.length && !stopping; i++) {
          const level = shape.steps[i] ?? 1;
          stepIndex = i;
          options.tracer?.phase('step', plan, i);
          const stepStats = new LoadStats(plan.endpoints);
          stats.tee = stepStats;
          stepStats.begin(clock.now());
          const seg: Segment[] = [{ durationMs: shape.stepMs, from: level, to: level }];
          await runPhase(() => shape.mode === 'vus' ? runClosed(host, clock, seg, plan.thinkTime) : runOpen(host, clock, arrivalSchedule(seg), shape.maxVUs, Math.min(shape.maxVUs, 100)));
          const now = clock.now();
          stepStats.end(now);
          stats.tee = undefined;
          steps.push(stepResult(i, shape.mode, level, stepStats, plan.thresholds.filter((t) => t.endpoint === undefined), now));
        }
      }
    } catch (thrown) {
      if (aborted === null) aborted = { reason: `internal error: ${coerceError(thrown).message}`, atSeconds: stats.elapsedSeconds(clock.now()) };
    }
    const end = clock.now();
    if (stats.openWindowSeconds(end) >= 0.2) {
      const gen = watch.sample();
      stats.tick(end, { vus: executor?.activeVus() ?? 0, ...gen });
    }
    stats.end(end);
    phase = 'done';
    host.stopped = true;
    ticker?.cancel();
    sweeper?.cancel();
    watch.stop();
    bound?.setActiveVus(0);
    await Promise.all([pool, ...clients].map((d) => d.destroy().catch(() => undefined)));
    const result = buildResult(plan, runId, stats, steps, watch, startedAt, end, aborted);
    last = progressOf(0, null);
    options.onProgress?.(last);
    return result;
  })();

  return { runId, done, stop: (reason) => stop(reason), progress: () => last };
}

function teeObserver(first: RequestObserver | undefined, second: RequestObserver): RequestObserver {
  return first === undefined ? second : (endpoint, seconds, cls) => {
    first(endpoint, seconds, cls);
    second(endpoint, seconds, cls);
  };
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

function shapeMs(plan: LoadPlan): number {
  const s = plan.shape;
  return s.kind === 'sweep' ? s.steps.length * s.stepMs : totalMs(s.segments);
}

function firstLevel(plan: LoadPlan): number {
  const s = plan.shape;
  if (s.kind === 'sweep') return s.steps[0] ?? 1;
  const first = s.segments[0];
  return first === undefined ? 1 : first.from > 0 ? first.from : Math.max(first.to, s.kind === 'closed' ? 1 : peakLevel(s.segments) / 10);
}

function maxVus(plan: LoadPlan): number {
  return plan.shape.kind === 'closed' ? 1 : plan.shape.maxVUs;
}

function evaluate(thresholds: readonly Threshold[], stats: LoadStats, now: number): ThresholdOutcome[] {
  return evaluateThresholds(thresholds, (endpoint) => stats.thresholdInput(endpoint, now));
}

function stepResult(index: number, mode: 'vus' | 'rate', level: number, s: LoadStats, thresholds: readonly Threshold[], now: number): StepResult {
  const o = s.overall(now);
  const outcomes = evaluate(thresholds, s, now);
  return {
    index,
    ...(mode === 'vus' ? { vus: level } : { rate: Math.round(level * 1000 * 100) / 100 }),
    requests: o.requests, errors: o.errors, errorRate: o.errorRate, rps: o.rps,
    droppedIterations: s.dropped,
    latencyMs: o.latencyMs,
    thresholds: outcomes,
    ok: outcomes.every((t) => t.ok),
  };
}

/** Assembles the result from a finished run's statistics. */
export function buildResult(plan: LoadPlan, runId: string, stats: LoadStats, steps: StepResult[], watch: Pick<SelfWatch, 'maxLagMs' | 'saturatedWindows' | 'avgCpuPercent'>, startedAt: number, finishedAt: number, aborted: LoadResult['aborted']): LoadResult {
  const overall = stats.overall(finishedAt);
  const thresholds = evaluate(plan.thresholds, stats, finishedAt);
  const series = stats.timeSeries();
  return {
    version: 1,
    runId,
    name: plan.name,
    executor: plan.executor,
    target: plan.origin,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    aborted,
    summary: {
      requests: overall.requests,
      errors: overall.errors,
      errorRate: overall.errorRate,
      rps: overall.rps,
      durationSeconds: Math.round(stats.elapsedSeconds(finishedAt) * 1000) / 1000,
      iterations: stats.iterations,
      droppedIterations: stats.dropped,
      checks: overall.checks,
      errorsByClass: overall.errorsByClass,
    },
    latencyMs: overall.latencyMs,
    endpoints: stats.endpoints(finishedAt),
    steps,
    knee: steps.length > 0 ? findKnee(steps) : null,
    thresholds,
    generator: {
      saturatedSeconds: series.filter((p) => p.saturated).reduce((a, p) => a + p.width, 0),
      maxEventLoopLagMs: Math.round(watch.maxLagMs * 10) / 10,
      avgCpuPercent: Math.round(watch.avgCpuPercent()),
    },
    timeSeries: series,
    histogram: encodeHistogram(stats.overallHistogram()),
    verdict: verdictOf(thresholds),
  };
}
