/**
 * Measuring a finished run: merged windows in, the result's numbers out. Thresholds are
 * evaluated here on the merged data; the verdict comes from `judge`.
 */
import type { LoadPlan } from '../plan/plan.js';
import { evaluateThresholds } from '../thresholds.js';
import type { TargetInput, Threshold, ThresholdInput } from '../thresholds.js';
import type { TargetResult } from '../target/run-health.js';
import { errorsByClass } from '../window/counts.js';
import type { RunAggregate } from '../window/aggregate.js';
import { createLatencyHistogram, encodeHistogram, summarize } from '../window/histogram.js';
import type { WsCounters } from '../window/snapshot.js';
import { findCapacityKnee, findKnee, judge, keepsUp } from './judge.js';
import type { StepMeasure } from './sweep-steps.js';
import type { AbortCause, GeneratorResult, LoadResult, SeriesPoint, StepResult, WsResult } from './result.js';

/** What a run measured. */
export interface Measured {
  plan: LoadPlan;
  runId: string;
  run: RunAggregate;
  /** Sweep steps measured from their unsaturated seconds, by phase index. */
  steps: ReadonlyMap<number, StepMeasure>;
  ws: WsCounters;
  /** Most WebSocket connections open at once (over the merged seconds). */
  wsPeak: number;
  series: SeriesPoint[];
  startedAt: number;
  /** When measurement began (the first phase after warmup); `startedAt` when it never did. */
  measuredFrom: number;
  finishedAt: number;
  durationSeconds: number;
  aborted: AbortCause | null;
  generator: GeneratorResult;
  /** What went differently from the plan (e.g. a start later than `--start-at`). */
  warnings: readonly string[];
  /** The target's health during the run, and what its thresholds see. */
  target?: { result: TargetResult; input: TargetInput };
}

/** Threshold input of an endpoint, or of the whole run with the target's health added. */
export function withTarget(run: RunAggregate, seconds: number, target: TargetInput | undefined): (endpoint: string | undefined) => ThresholdInput | undefined {
  return (endpoint) => {
    const input = run.thresholdInput(endpoint, seconds);
    return input === undefined || endpoint !== undefined || target === undefined ? input : { ...input, target };
  };
}

/** The result of a run. */
export function buildResult(m: Measured): LoadResult {
  const { plan, run } = m;
  const seconds = m.durationSeconds;
  const c = run.overall.counts;
  const thresholds = evaluateThresholds(plan.thresholds, withTarget(run, seconds, m.target?.input));
  const steps: StepResult[] = [];
  plan.phases.forEach((phase, i) => {
    const measured = m.steps.get(i);
    if (phase.step === undefined || measured === undefined) return;
    const spec = phase.executor;
    const seconds = measured.scheduledSeconds;
    steps.push(stepResult(phase.step, measured.agg, plan.thresholds.filter((t) => t.endpoint === undefined), {
      seconds,
      rps: seconds > 0 ? measured.scheduledRequests / seconds : 0,
      iterationRate: seconds > 0 ? measured.scheduledIterations / seconds : 0,
      saturatedSeconds: measured.saturatedSeconds,
      // No unsaturated second within the step's own time (its drain alone measures nothing of the step's rate).
      unmeasurable: seconds === 0,
      ...(spec.kind === 'constant-arrival-rate' ? { offeredRate: spec.ratePerMs * 1000 } : {}),
    }));
  });
  const warnings = [...plan.warnings, ...m.warnings];
  const ws = plan.ws === undefined ? undefined : wsResult(plan, m, warnings);
  const summary = {
    requests: c.requests,
    errors: c.errors,
    errorRate: c.requests === 0 ? 0 : Math.round((c.errors / c.requests) * 1e6) / 1e6,
    rps: seconds > 0 ? Math.round((c.requests / seconds) * 100) / 100 : 0,
    durationSeconds: Math.round(seconds * 1000) / 1000,
    iterations: run.iterations,
    droppedIterations: run.dropped,
    checks: { passed: c.checksPassed, failed: c.checksFailed },
    errorsByClass: errorsByClass(c),
  };
  const judged = judge({ aborted: m.aborted, steps, thresholds, summary });
  return {
    version: 2,
    runId: m.runId,
    name: plan.name,
    executor: plan.executor,
    target: plan.origin,
    startedAt: new Date(m.startedAt).toISOString(),
    finishedAt: new Date(m.finishedAt).toISOString(),
    measuredFrom: new Date(m.measuredFrom).toISOString(),
    aborted: m.aborted,
    summary,
    latencyMs: summarize(run.overall.hist),
    endpoints: run.endpoints(seconds),
    steps,
    knee: findKnee(steps),
    capacityKnee: findCapacityKnee(steps),
    thresholds,
    generator: m.generator,
    timeSeries: m.series,
    histogram: encodeHistogram(run.overall.hist),
    ...(ws === undefined ? {} : { ws }),
    ...(m.target === undefined ? {} : { health: m.target.result }),
    verdict: judged.verdict,
    ...(judged.reason === undefined ? {} : { verdictReason: judged.reason }),
    warnings,
  };
}

/** How a step's time went and the rates it achieved (measured in one process, or summed over shards). */
export interface StepRates {
  /** Unsaturated seconds within the step's own time. */
  seconds: number;
  /** Requests and iterations completed per second within those seconds. */
  rps: number;
  iterationRate: number;
  saturatedSeconds: number;
  /** Every second of the step was saturated. */
  unmeasurable: boolean;
  /** Rate sweeps: iterations per second asked for. */
  offeredRate?: number;
}

/** A sweep step's result from its merged unsaturated windows (or merged shard steps). */
export function stepResult(step: { index: number; mode: 'vus' | 'rate'; level: number }, agg: RunAggregate, thresholds: readonly Threshold[], rates: StepRates): StepResult {
  const c = agg.overall.counts;
  const outcomes = evaluateThresholds(thresholds, (e) => agg.thresholdInput(e, rates.seconds));
  const offered = rates.offeredRate === undefined ? {} : { offeredRate: round2(rates.offeredRate), keptUp: keepsUp(rates.iterationRate, rates.offeredRate) };
  return {
    index: step.index,
    ...(step.mode === 'vus' ? { vus: step.level } : { rate: step.level }),
    requests: c.requests,
    errors: c.errors,
    errorRate: c.requests === 0 ? 0 : Math.round((c.errors / c.requests) * 1e6) / 1e6,
    rps: round2(rates.rps),
    iterations: agg.iterations,
    iterationRate: round2(rates.iterationRate),
    ...(rates.unmeasurable ? {} : offered),
    droppedIterations: agg.dropped,
    latencyMs: summarize(agg.overall.hist),
    histogram: encodeHistogram(agg.overall.hist),
    durationSeconds: Math.round(rates.seconds * 1000) / 1000,
    saturatedSeconds: Math.round(rates.saturatedSeconds * 1000) / 1000,
    unmeasurable: rates.unmeasurable,
    thresholds: outcomes,
    ok: !rates.unmeasurable && outcomes.every((t) => t.ok),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function wsResult(plan: LoadPlan, m: Measured, warnings: string[]): WsResult {
  const w = m.ws;
  const cfg = plan.ws!;
  const byName = new Map(m.run.endpoints(m.durationSeconds).map((e) => [e.name, e.latencyMs]));
  const empty = summarize(createLatencyHistogram());
  const requested = Math.round(cfg.connectRatePerMs * 1000 * 10) / 10;
  const achieved = w.connectsDue === 0 ? requested : Math.round(requested * (w.connectsStarted / w.connectsDue) * 10) / 10;
  if (w.connectsDue > 0 && w.connectsStarted < w.connectsDue * 0.9) {
    warnings.push(`connect rate: ${requested}/s asked, about ${achieved}/s achieved — the machine could not open connections faster`);
  }
  return {
    connections: { target: cfg.connections, opened: w.opened, failed: w.failed, peak: m.wsPeak },
    connectMs: byName.get('ws connect') ?? empty,
    echoRttMs: byName.get('ws echo') ?? empty,
    echo: { sent: w.echoSent, received: w.echoReceived, lost: w.echoLost },
    fanoutMs: byName.get('ws fanout') ?? empty,
    fanout: { published: w.published, expectedDeliveries: w.expectedDeliveries, delivered: w.delivered },
    reconnect: { dropped: w.dropped, recovered: w.recovered, recoveryMs: w.recoveryMs },
    connectRate: { requested, achieved },
  };
}
