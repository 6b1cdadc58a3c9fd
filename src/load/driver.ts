/**
 * The one run driver, for HTTP and WebSocket loads alike: starts the worker threads (each runs a
 * segment of the plan), walks the phases (prepare connections → start together → wait until
 * every worker drained), merges the windows the workers send — exactly, by wall-clock second —
 * and from the merged data alone drives live metrics, progress, abort-on-fail and the result.
 * The measuring threads do nothing but measure; this thread (the CLI's, or the daemon's, beside
 * its probes) only decodes and adds a few histograms a second.
 */
import { availableParallelism } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { LoadConfig } from '../config/sections/loads.js';
import { systemClock } from '../core/clock.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { PwError, coerceError } from '../core/errors.js';
import type { LoadMetrics, BoundLoadMetrics } from './metrics.js';
import { maxParallelism, planDurationMs, planLoad } from './plan/plan.js';
import type { LoadBase, LoadPlan, PlanPhase } from './plan/plan.js';
import { WHOLE, isWhole, segmentLabel, shareOf, splitSegment } from './plan/segment.js';
import type { Segment } from './plan/segment.js';
import { buildResult } from './result/measure.js';
import type { AbortCause, LoadProgress, LoadResult } from './result/result.js';
import { SeriesBuilder, pointSeconds } from './result/series.js';
import type { MergedSecond } from './result/series.js';
import { SweepSteps } from './result/sweep-steps.js';
import { TARGET_METRIC_KINDS, evaluateThresholds } from './thresholds.js';
import type { RunHealth } from './target/run-health.js';
import type { RunHealthConfig } from './target/run-health-config.js';
import { withTarget } from './result/measure.js';
import { RunAggregate } from './window/aggregate.js';
import { addBucketCounts, createLatencyHistogram, percentilesMs } from './window/histogram.js';
import type { Histogram } from './window/histogram.js';
import { addWsCounters, emptyWsCounters } from './window/snapshot.js';
import type { RequestSample, WindowSnapshot } from './window/snapshot.js';
import { spawnLoadWorker } from './worker/pool.js';
import { withRunSeed } from './draws/draws.js';
import type { LoadWorker } from './worker/pool.js';
import type { WorkerMessage } from './worker/protocol.js';

/** Told when each phase starts, and given the sampled requests (tracing; see telemetry/load-run-tracer.ts). */
export interface LoadRunTracer {
  /** Share of requests the workers sample for it. */
  readonly sampleRatio: number;
  phase(phase: PlanPhase, plan: LoadPlan): void;
  requests(samples: readonly RequestSample[], endpoints: readonly string[]): void;
}

/** How a run is driven. */
export interface LoadRunOptions {
  runId?: string;
  /** Worker threads: `auto` (default) = the cores available to this process. */
  workers?: number | 'auto';
  /** The share of the plan this process runs (`--shard`); default the whole plan. */
  segment?: Segment;
  /** Wall-clock time (epoch ms) to start the first phase at, so shards on several machines start together. */
  startAt?: number;
  /** Live metrics; absent in plain CLI runs. */
  metrics?: LoadMetrics;
  /** Called once a second and at the end. */
  onProgress?: (progress: LoadProgress) => void;
  tracer?: LoadRunTracer;
  /** Wall clock for timestamps and the stop grace (default: the system clock). */
  clock?: Clock;
  /** The target's health sources, sampled through the run (`runHealthConfig`). */
  health?: RunHealthConfig;
  /** Told each merged second as it completes (`perfwarden load --out jsonl:FILE`). */
  onSecond?: (second: SecondLine) => void;
}

/** One merged second of a run, as streamed while it goes. */
export interface SecondLine {
  /** Wall-clock end of the second (ISO) and the phase it belongs to. */
  at: string;
  phase: 'warmup' | 'run' | 'step';
  step?: number;
  requests: number;
  errors: number;
  rps: number;
  /** Latency percentiles of the second, ms (null without responses). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  vus: number;
  dropped: number;
  /** Worst worker event-loop lag (ms), and whether a worker was saturated. */
  lagMs: number;
  saturated: boolean;
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

/** How long a worker may take to answer `stop` before it is terminated. */
const STOP_GRACE_MS = 5000;
/** Lead time between telling the workers to start and the start, so they start together. */
const START_LEAD_MS = 20;

/**
 * The number of workers a run uses: the option (or the cores), at most what this process's share
 * of the plan can split. Throws PW_ERR_INVALID_ARGUMENT when the share is empty (more shards than VUs).
 */
export function resolveWorkers(option: number | 'auto' | undefined, plan: Pick<LoadPlan, 'phases'>, segment: Segment = WHOLE): number {
  const wanted = option === undefined || option === 'auto' ? availableParallelism() : option;
  const share = shareOf(segment, maxParallelism(plan));
  if (share < 1) throw new PwError('PW_ERR_INVALID_ARGUMENT', `shard ${segmentLabel(segment)} gets nothing to run: the plan has ${maxParallelism(plan)} VUs (or iterations) to share between ${segment.stride} shards`);
  return Math.max(1, Math.min(wanted, share));
}

/** Starts a load run (HTTP or WebSocket) against a resolved base URL. Throws for a plan that cannot run. */
export function startLoad(configured: LoadConfig, base: LoadBase, options: LoadRunOptions = {}): LoadRunHandle {
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? randomUUID();
  const segment = options.segment ?? WHOLE;
  const load = withRunSeed(configured, isWhole(segment) ? undefined : options.startAt);
  const plan = planLoad(load, base);
  const count = resolveWorkers(options.workers, plan, segment);
  const segments = splitSegment(segment, count);
  const bound: BoundLoadMetrics | undefined = options.metrics?.bind(plan.name, plan.endpoints);
  const startedAt = clock.now();
  const totalSeconds = planDurationMs(plan) / 1000;

  const run = new RunAggregate(plan.endpoints);
  /** Loaded only for a run that samples its target: the sources' clients (prom-client, undici, ioredis) are ~30 MB of memory. */
  let health: RunHealth | undefined;
  const judgesTarget = plan.thresholds.some((t) => TARGET_METRIC_KINDS.has(t.metric.kind));
  const steps = new SweepSteps(plan);
  const ws = emptyWsCounters();
  const wsPeak = { open: 0 };
  const wsOpenBy = new Map<number, number>();
  const threads = segments.map((_, worker) => ({ worker, cpuMs: 0, requests: 0 }));
  let series: SeriesBuilder | undefined;
  let measureStart: number | undefined;
  let measureEnd: number | undefined;
  let phaseIndex = -1;
  let aborted: AbortCause | null = null;
  const warnings: string[] = [];
  let stopping = false;
  let maxLagMs = 0;
  let saturatedSeconds = 0;
  let cpuSecondsSum = 0;
  let secondsCounted = 0;
  let last: LoadProgress = { runId, name: plan.name, phase: 'warmup', elapsedSeconds: 0, totalSeconds, requests: 0, errors: 0, rps: 0, p95Ms: null, vus: 0, droppedIterations: 0 };

  // --- merging by second ---
  const pending = new Map<number, MergedSecond & { phase: number; vusBy: Map<number, number> }>();
  const lastSecond = new Map<number, number>();
  const active = new Set<number>();
  /** Histograms of completed seconds, reset for the next ones (each is ~90 KB of counts). */
  const spareHists: Histogram[] = [];

  const onWindow = (w: WindowSnapshot) => {
    const phase = plan.phases[w.phase];
    if (phase !== undefined && phase.kind !== 'warmup') {
      run.add(w);
      steps.add(w);
      if (w.ws !== undefined) {
        // `open` is a level per worker: the run's is the sum of each worker's latest.
        wsOpenBy.set(w.worker, w.ws.open);
        addWsCounters(ws, w.ws);
        ws.open = [...wsOpenBy.values()].reduce((a, b) => a + b, 0);
        wsPeak.open = Math.max(wsPeak.open, ws.open);
      }
      const t = threads[w.worker];
      if (t !== undefined) t.requests += w.overall.requests;
    }
    const t = threads[w.worker];
    if (t !== undefined) t.cpuMs += w.generator.cpuMs;
    bound?.addWindow(w);
    if (w.samples !== undefined) options.tracer?.requests(w.samples, plan.endpoints);
    let s = pending.get(w.second);
    if (s === undefined) {
      s = { start: w.start, end: w.end, requests: 0, errors: 0, dropped: 0, hist: spareHists.pop() ?? createLatencyHistogram(), vus: 0, lagMs: 0, cpuMs: 0, saturated: false, phase: w.phase, vusBy: new Map() };
      pending.set(w.second, s);
    }
    s.start = Math.min(s.start, w.start);
    s.end = Math.max(s.end, w.end);
    s.requests += w.overall.requests;
    s.errors += w.overall.errors;
    s.dropped += w.dropped;
    if (w.overall.histogram !== null) addBucketCounts(s.hist, w.overall.histogram);
    s.vusBy.set(w.worker, w.vus);
    s.lagMs = Math.max(s.lagMs, w.generator.lagMs);
    s.cpuMs += w.generator.cpuMs;
    s.saturated ||= w.generator.saturated;
    s.phase = Math.max(s.phase, w.phase);
    lastSecond.set(w.worker, Math.max(lastSecond.get(w.worker) ?? 0, w.second));
    completeSeconds();
  };

  /** Every second all active workers have reported is complete: tick it. */
  const completeSeconds = () => {
    let upTo = Number.POSITIVE_INFINITY;
    for (const w of active) upTo = Math.min(upTo, lastSecond.get(w) ?? 0);
    const done = [...pending.keys()].filter((k) => k <= upTo).sort((a, b) => a - b);
    for (const k of done) {
      const s = pending.get(k);
      pending.delete(k);
      if (s === undefined) continue;
      steps.complete(k, s.saturated);
      tick(s);
      if (spareHists.length < 4) {
        s.hist.reset();
        spareHists.push(s.hist);
      }
    }
  };

  const tick = (s: MergedSecond & { phase: number; vusBy: Map<number, number> }) => {
    s.vus = [...s.vusBy.values()].reduce((a, b) => a + b, 0);
    const phase = plan.phases[s.phase];
    const measuring = phase !== undefined && phase.kind !== 'warmup';
    if (measuring && series !== undefined) series.add(s);
    if (measuring) {
      maxLagMs = Math.max(maxLagMs, s.lagMs);
      if (s.saturated) saturatedSeconds += Math.max(0, (s.end - s.start) / 1000);
      cpuSecondsSum += s.cpuMs / 1000;
      secondsCounted += Math.max(1e-3, (s.end - s.start) / 1000);
    }
    bound?.setActiveVus(s.vus);
    bound?.setGeneratorLag(s.lagMs / 1000);
    const seconds = Math.max(1e-3, (s.end - s.start) / 1000);
    const [p50 = null, p95 = null, p99 = null] = s.hist.totalCount === 0 ? [] : percentilesMs(s.hist, [50, 95, 99]);
    last = {
      runId, name: plan.name,
      phase: phase?.kind === 'warmup' ? 'warmup' : 'run',
      elapsedSeconds: Math.round((clock.now() - startedAt) / 100) / 10,
      totalSeconds,
      requests: run.overall.counts.requests,
      errors: run.overall.counts.errors,
      rps: Math.round((s.requests / seconds) * 10) / 10,
      p95Ms: p95,
      vus: s.vus,
      droppedIterations: run.dropped,
      ...(phase?.step === undefined ? {} : { step: phase.step.index + 1 }),
    };
    options.onProgress?.(last);
    // The closing flush after a phase that already ended carries nothing: no line for it.
    const empty = s.requests === 0 && s.dropped === 0 && s.end - s.start < 100;
    if (options.onSecond !== undefined && phase !== undefined && !empty) {
      options.onSecond({
        at: new Date(s.end).toISOString(), phase: phase.kind, ...(phase.step === undefined ? {} : { step: phase.step.index + 1 }),
        requests: s.requests, errors: s.errors, rps: Math.round((s.requests / seconds) * 10) / 10,
        p50, p95, p99, vus: s.vus, dropped: s.dropped, lagMs: Math.round(s.lagMs * 10) / 10, saturated: s.saturated,
      });
    }
    // A sweep is meant to go past the SLO (that is how it finds the knee): never aborted.
    if (plan.abortOnFail && phase?.kind === 'run' && measureStart !== undefined && clock.now() - measureStart >= plan.abortDelayMs && plan.thresholds.length > 0) {
      const elapsed = (clock.now() - measureStart) / 1000;
      const failed = evaluateThresholds(plan.thresholds, withTarget(run, elapsed, judgesTarget ? health?.input() : undefined)).find((o) => !o.ok);
      if (failed !== undefined) stop({ cause: 'threshold', outcome: failed, atSeconds: round1(elapsed) });
    }
  };

  // --- workers ---
  const waiters = new Map<string, { need: Set<number>; resolve: () => void }>();
  const arrive = (key: string, worker: number) => {
    const w = waiters.get(key);
    if (w === undefined) return;
    w.need.delete(worker);
    if (w.need.size === 0) {
      waiters.delete(key);
      w.resolve();
    }
  };
  const all = (key: string, alive: ReadonlySet<number>): Promise<void> => new Promise((resolve) => {
    if (alive.size === 0) resolve();
    else waiters.set(key, { need: new Set(alive), resolve });
  });
  const alive = new Set<number>();
  const stoppedWorkers = new Set<number>();
  const onMessage = (worker: number) => (m: WorkerMessage) => {
    switch (m.type) {
      case 'window':
        onWindow(m.window);
        break;
      case 'prepared':
        arrive(`prepared:${m.phase}`, worker);
        break;
      case 'phase-done':
        active.delete(worker);
        completeSeconds();
        arrive(`done:${m.phase}`, worker);
        break;
      case 'stopped':
        stoppedWorkers.add(worker);
        active.delete(worker);
        arrive('stopped', worker);
        break;
      case 'error':
        stop({ cause: 'internal', error: `worker ${worker}: ${m.message}`, atSeconds: elapsedSeconds() });
        break;
    }
  };
  const onExit = (worker: number) => (code: number, error?: Error) => {
    alive.delete(worker);
    active.delete(worker);
    for (const key of [...waiters.keys()]) arrive(key, worker);
    if (!stoppedWorkers.has(worker) && !stopping) stop({ cause: 'internal', error: `worker ${worker} exited (${error?.message ?? `code ${code}`})`, atSeconds: elapsedSeconds() });
  };

  const elapsedSeconds = () => round1(measureStart === undefined ? 0 : (clock.now() - measureStart) / 1000);
  let wake: (() => void) | undefined;
  function stop(cause: AbortCause): void {
    if (stopping) return;
    stopping = true;
    if (aborted === null && phaseIndex < plan.phases.length) aborted = cause;
    wake?.();
  }

  const workers: LoadWorker[] = [];
  const done = (async (): Promise<LoadResult> => {
    try {
      if (options.health !== undefined) health = new (await import('./target/run-health.js')).RunHealth(options.health, clock);
      segments.forEach((seg, worker) => {
        alive.add(worker);
        workers.push(spawnLoadWorker({ load, base, segment: seg, worker, sampleRatio: options.tracer?.sampleRatio ?? 0 }, onMessage(worker), onExit(worker)));
      });
      const stopped = new Promise<void>((r) => (wake = r));
      for (phaseIndex = 0; phaseIndex < plan.phases.length && !stopping; phaseIndex++) {
        const phase = plan.phases[phaseIndex]!;
        const i = phaseIndex;
        const prepared = all(`prepared:${i}`, alive);
        for (const w of workers) w.send({ type: 'prepare', phase: i });
        await Promise.race([prepared, stopped]);
        if (stopping) break;
        // The first phase may wait for an agreed instant (`--start-at`): every shard starts together.
        const startAt = Math.max(clock.now() + START_LEAD_MS, phaseIndex === 0 ? options.startAt ?? 0 : 0);
        if (phaseIndex === 0 && options.startAt !== undefined && startAt - options.startAt > 100) {
          warnings.push(`started ${Math.round(startAt - options.startAt)} ms after --start-at: the workers were not ready in time (give the shards more lead)`);
        }
        if (phase.kind !== 'warmup' && measureStart === undefined) {
          measureStart = startAt;
          series = new SeriesBuilder(startAt, pointSeconds(planDurationMs({ phases: plan.phases.filter((p) => p.kind !== 'warmup') })));
          const origin = startAt;
          clock.setTimeout(() => health?.start(origin), Math.max(0, startAt - clock.now()));
        }
        if (phase.kind === 'step') steps.start(i, startAt);
        options.tracer?.phase(phase, plan);
        const finished = all(`done:${i}`, alive);
        for (const w of alive) active.add(w);
        for (const w of alive) workers[w]?.send({ type: 'start', phase: i, startAt });
        await Promise.race([finished, stopped]);
      }
    } catch (thrown) {
      stop({ cause: 'internal', error: coerceError(thrown).message, atSeconds: elapsedSeconds() });
    }
    // The end: every worker closes its window and its connections, then the threads go.
    stopping = true;
    measureEnd = clock.now();
    const allStopped = all('stopped', alive);
    for (const w of alive) workers[w]?.send({ type: 'stop' });
    let grace: TimerHandle | undefined;
    await Promise.race([allStopped, new Promise<void>((r) => (grace = clock.setTimeout(r, STOP_GRACE_MS)))]);
    grace?.cancel();
    active.clear();
    completeSeconds();
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
    bound?.setActiveVus(0);
    const targetResult = health === undefined || measureStart === undefined ? undefined : await health.stop();
    const end = measureEnd;
    const durationSeconds = measureStart === undefined ? 0 : Math.max(0, (end - measureStart) / 1000);
    const result = buildResult({
      plan, runId, run, steps: steps.results(), ws, wsPeak: wsPeak.open,
      series: series?.finish() ?? [],
      startedAt, measuredFrom: measureStart ?? startedAt, finishedAt: end, durationSeconds, aborted, warnings,
      ...(targetResult === undefined || health === undefined ? {} : { target: { result: targetResult, input: health.input() } }),
      generator: {
        workers: count,
        segment: segmentLabel(segment),
        cpuSeconds: Math.round(threads.reduce((a, t) => a + t.cpuMs, 0)) / 1000,
        threads: threads.map((t) => ({ worker: t.worker, cpuSeconds: Math.round(t.cpuMs) / 1000, requests: t.requests })),
        saturatedSeconds: Math.round(saturatedSeconds * 1000) / 1000,
        maxEventLoopLagMs: Math.round(maxLagMs * 10) / 10,
        avgCpuPercent: secondsCounted === 0 ? 0 : Math.round((cpuSecondsSum / secondsCounted) * 100),
        ...(plan.draws === undefined ? {} : { seed: plan.draws.seed }),
      },
    });
    last = { ...last, phase: 'done', rps: 0, p95Ms: null, vus: 0, requests: result.summary.requests, errors: result.summary.errors };
    options.onProgress?.(last);
    return result;
  })();

  return {
    runId,
    done,
    stop: (reason) => stop({ cause: 'stopped', reason, atSeconds: elapsedSeconds() }),
    progress: () => last,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
