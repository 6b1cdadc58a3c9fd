/**
 * Merging the results of shards (`perfwarden merge`): counts add, encoded histograms merge
 * bucket by bucket, time-series points line up by wall-clock second, and thresholds are
 * evaluated again on the merged data — so N shards give the numbers one machine would have.
 * Pure: results in, a result out. Results of different plans refuse to merge, saying why.
 */
import { PwError } from '../../core/errors.js';
import { parseThresholdExpression } from '../thresholds.js';
import type { Threshold } from '../thresholds.js';
import { RunAggregate } from '../window/aggregate.js';
import { emptyCounts } from '../window/counts.js';
import type { Counts } from '../window/counts.js';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, percentilesMs, summarize } from '../window/histogram.js';
import type { Histogram } from '../window/histogram.js';
import type { OutcomeClass } from '../window/outcome.js';
import { findCapacityKnee, findKnee, judge } from './judge.js';
import { evaluateThresholds } from '../thresholds.js';
import { stepResult } from './measure.js';
import type { AbortCause, EndpointStats, LoadResult, SeriesPoint, StepResult, WsResult } from './result.js';

/** Merges shard results; `thresholds` (CLI) replace the ones stored in the results. Throws PW_ERR_INVALID_ARGUMENT. */
export function mergeResults(results: readonly LoadResult[], thresholds?: readonly Threshold[]): LoadResult {
  const first = results[0];
  if (first === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'nothing to merge: give one or more result files');
  const warnings = checkSamePlan(results);
  const gates = thresholds ?? first.thresholds.map((t) => parseThresholdExpression(t.expression, t.endpoint));
  const names = first.endpoints.map((e) => e.name);
  const run = new RunAggregate(names);
  const seconds = Math.max(...results.map((r) => r.summary.durationSeconds));
  for (const r of results) addResult(run, r, names);

  const steps: StepResult[] = first.steps.map((s0, i) => {
    const agg = new RunAggregate(['overall']);
    const shardSteps = results.map((r) => r.steps[i]).filter((s): s is StepResult => s !== undefined);
    for (const s of shardSteps) {
      agg.overall.merge(countsOf(s), s.histogram === '' ? null : decodeHistogram(s.histogram));
      agg.dropped += s.droppedIterations;
      agg.iterations += s.iterations;
    }
    const step = s0.vus !== undefined ? { index: s0.index, mode: 'vus' as const, level: sumOf(results, (r) => r.steps[i]?.vus ?? 0) } : { index: s0.index, mode: 'rate' as const, level: sumOf(results, (r) => r.steps[i]?.rate ?? 0) };
    // Shards run side by side over the same seconds: their achieved rates add; a step is
    // unmeasurable only when it was in every shard (each shard left out its own saturated seconds).
    const measured = shardSteps.filter((s) => !s.unmeasurable);
    const offered = shardSteps.filter((s) => s.offeredRate !== undefined);
    return stepResult(step, agg, gates.filter((t) => t.endpoint === undefined), {
      seconds: Math.max(0, ...measured.map((s) => s.durationSeconds)),
      rps: measured.reduce((a, s) => a + s.rps, 0),
      iterationRate: measured.reduce((a, s) => a + s.iterationRate, 0),
      saturatedSeconds: Math.max(0, ...shardSteps.map((s) => s.saturatedSeconds)),
      unmeasurable: measured.length === 0,
      ...(offered.length === 0 ? {} : { offeredRate: offered.reduce((a, s) => a + (s.offeredRate ?? 0), 0) }),
    });
  });

  const c = run.overall.counts;
  const summary: LoadResult['summary'] = {
    requests: c.requests,
    errors: c.errors,
    errorRate: c.requests === 0 ? 0 : Math.round((c.errors / c.requests) * 1e6) / 1e6,
    rps: seconds > 0 ? Math.round((c.requests / seconds) * 100) / 100 : 0,
    durationSeconds: seconds,
    iterations: sumOf(results, (r) => r.summary.iterations),
    droppedIterations: sumOf(results, (r) => r.summary.droppedIterations),
    checks: { passed: c.checksPassed, failed: c.checksFailed },
    errorsByClass: mergeClasses(results.map((r) => r.summary.errorsByClass)),
  };
  run.dropped = summary.droppedIterations;
  const outcomes = evaluateThresholds(gates, (e) => run.thresholdInput(e, seconds));
  const aborted = results.map((r) => r.aborted).filter((a): a is AbortCause => a !== null).sort((a, b) => rank(a) - rank(b))[0] ?? null;
  const judged = judge({ aborted, steps, thresholds: outcomes, summary });
  const endpoints = run.endpoints(seconds);
  const ws = mergeWs(results, new Map(endpoints.map((e) => [e.name, e.latencyMs])));
  return {
    version: 2,
    runId: results.map((r) => r.runId).join('+'),
    name: first.name,
    executor: first.executor,
    target: first.target,
    startedAt: minIso(results.map((r) => r.startedAt)),
    finishedAt: maxIso(results.map((r) => r.finishedAt)),
    measuredFrom: minIso(results.map((r) => r.measuredFrom)),
    aborted,
    summary,
    latencyMs: summarize(run.overall.hist),
    endpoints,
    steps,
    knee: findKnee(steps),
    capacityKnee: findCapacityKnee(steps),
    thresholds: outcomes,
    generator: {
      workers: sumOf(results, (r) => r.generator.workers),
      segment: results.length === 1 ? first.generator.segment : results.map((r) => r.generator.segment).join('+'),
      cpuSeconds: Math.round(sumOf(results, (r) => r.generator.cpuSeconds) * 1000) / 1000,
      threads: results.flatMap((r) => r.generator.threads).map((t, worker) => ({ ...t, worker })),
      saturatedSeconds: Math.max(...results.map((r) => r.generator.saturatedSeconds)),
      maxEventLoopLagMs: Math.max(...results.map((r) => r.generator.maxEventLoopLagMs)),
      avgCpuPercent: sumOf(results, (r) => r.generator.avgCpuPercent),
      ...(first.generator.seed === undefined ? {} : { seed: first.generator.seed }),
    },
    timeSeries: mergeSeries(results),
    histogram: encodeHistogram(run.overall.hist),
    ...(ws === undefined ? {} : { ws }),
    verdict: judged.verdict,
    ...(judged.reason === undefined ? {} : { verdictReason: judged.reason }),
    warnings: [...warnings, ...new Set(results.flatMap((r) => r.warnings))],
  };
}

/** Refuses results of different plans; warns when the shards do not cover the plan exactly. */
function checkSamePlan(results: readonly LoadResult[]): string[] {
  const first = results[0]!;
  const same = (what: string, get: (r: LoadResult) => string) => {
    for (const r of results) {
      if (get(r) !== get(first)) throw new PwError('PW_ERR_INVALID_ARGUMENT', `cannot merge results of different plans: ${what} "${get(first)}" (run ${first.runId}) vs "${get(r)}" (run ${r.runId})`);
    }
  };
  same('load', (r) => r.name);
  same('executor', (r) => r.executor);
  same('target', (r) => r.target);
  same('endpoints', (r) => r.endpoints.map((e) => e.name).join(', '));
  same('thresholds', (r) => r.thresholds.map((t) => `${t.endpoint ?? ''}:${t.expression}`).join(', '));
  same('sweep steps', (r) => r.steps.map((s) => s.index).join(','));
  const segments = results.map((r) => r.generator.segment);
  const dup = segments.find((s, i) => segments.indexOf(s) !== i);
  if (dup !== undefined && dup !== '0/1') throw new PwError('PW_ERR_INVALID_ARGUMENT', `shard ${dup} is given twice`);
  const strides = new Set(segments.map((s) => s.split('/')[1]));
  const count = Number([...strides][0]);
  if (strides.size === 1 && count > 1 && segments.length < count) {
    const missing = Array.from({ length: count }, (_, i) => `${i}/${count}`).filter((s) => !segments.includes(s));
    return [`merged ${segments.length} of ${count} shards (missing ${missing.join(', ')}): the numbers cover part of the plan`];
  }
  return [];
}

function countsOf(s: { requests: number; errors: number; checks?: { passed: number; failed: number }; errorsByClass?: Partial<Record<OutcomeClass, number>> }): Counts {
  const c = emptyCounts();
  c.requests = s.requests;
  c.errors = s.errors;
  c.checksPassed = s.checks?.passed ?? 0;
  c.checksFailed = s.checks?.failed ?? 0;
  for (const [cls, n] of Object.entries(s.errorsByClass ?? {})) c.classes[cls as OutcomeClass] += n ?? 0;
  return c;
}

function addResult(run: RunAggregate, r: LoadResult, names: readonly string[]): void {
  const overall = countsOf({ ...r.summary, checks: r.summary.checks });
  run.overall.merge(overall, r.histogram === '' ? null : decodeHistogram(r.histogram));
  if (names.length <= 1) return;
  const byName = new Map<string, EndpointStats>(r.endpoints.map((e) => [e.name, e]));
  names.forEach((name) => {
    const e = byName.get(name);
    if (e === undefined) return;
    run.endpoint(name)?.merge(countsOf(e), e.histogram === '' ? null : decodeHistogram(e.histogram));
  });
}

function mergeSeries(results: readonly LoadResult[]): SeriesPoint[] {
  const byStart = new Map<number, { t: number; width: number; requests: number; errors: number; dropped: number; vus: number; lagMs: number; cpuPercent: number; saturated: boolean; hist: Histogram }>();
  const origin = Math.min(...results.map((r) => Date.parse(r.measuredFrom)));
  for (const r of results) {
    const from = Date.parse(r.measuredFrom);
    for (const p of r.timeSeries) {
      const at = Math.round((from + p.t * 1000) / 1000) * 1000;
      let m = byStart.get(at);
      if (m === undefined) byStart.set(at, (m = { t: Math.max(0, (at - origin) / 1000), width: 0, requests: 0, errors: 0, dropped: 0, vus: 0, lagMs: 0, cpuPercent: 0, saturated: false, hist: createLatencyHistogram() }));
      m.width = Math.max(m.width, p.width);
      m.requests += p.requests;
      m.errors += p.errors;
      m.dropped += p.dropped;
      m.vus += p.vus;
      m.lagMs = Math.max(m.lagMs, p.lagMs);
      m.cpuPercent += p.cpuPercent;
      m.saturated ||= p.saturated;
      if (p.histogram !== null) m.hist.add(decodeHistogram(p.histogram));
    }
  }
  return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => {
    const has = m.hist.totalCount > 0;
    const [p50 = null, p95 = null, p99 = null] = has ? percentilesMs(m.hist, [50, 95, 99]) : [];
    return {
      t: m.t, width: m.width, requests: m.requests, errors: m.errors,
      rps: Math.round((m.requests / Math.max(1e-3, m.width)) * 10) / 10,
      p50, p95, p99,
      histogram: has ? encodeHistogram(m.hist) : null,
      vus: m.vus, dropped: m.dropped, lagMs: m.lagMs, cpuPercent: m.cpuPercent, saturated: m.saturated,
    };
  });
}

function mergeWs(results: readonly LoadResult[], latency: ReadonlyMap<string, WsResult['connectMs']>): WsResult | undefined {
  const all = results.map((r) => r.ws).filter((w): w is WsResult => w !== undefined);
  const w0 = all[0];
  if (w0 === undefined) return undefined;
  const sum = (get: (w: WsResult) => number) => all.reduce((a, w) => a + get(w), 0);
  const recovery = all.map((w) => w.reconnect.recoveryMs).filter((x): x is number => x !== null);
  return {
    connections: { target: sum((w) => w.connections.target), opened: sum((w) => w.connections.opened), failed: sum((w) => w.connections.failed), peak: sum((w) => w.connections.peak) },
    connectMs: latency.get('ws connect') ?? w0.connectMs,
    echoRttMs: latency.get('ws echo') ?? w0.echoRttMs,
    echo: { sent: sum((w) => w.echo.sent), received: sum((w) => w.echo.received), lost: sum((w) => w.echo.lost) },
    fanoutMs: latency.get('ws fanout') ?? w0.fanoutMs,
    fanout: { published: sum((w) => w.fanout.published), expectedDeliveries: sum((w) => w.fanout.expectedDeliveries), delivered: sum((w) => w.fanout.delivered) },
    reconnect: { dropped: sum((w) => w.reconnect.dropped), recovered: sum((w) => w.reconnect.recovered), recoveryMs: recovery.length === 0 ? null : Math.max(...recovery) },
    connectRate: { requested: sum((w) => w.connectRate.requested), achieved: sum((w) => w.connectRate.achieved) },
  };
}

function mergeClasses(maps: readonly Partial<Record<OutcomeClass, number>>[]): Partial<Record<OutcomeClass, number>> {
  const out: Partial<Record<OutcomeClass, number>> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) out[k as OutcomeClass] = (out[k as OutcomeClass] ?? 0) + (v ?? 0);
  return out;
}

/** Which abort cause a merged result reports: a failure of the generator first, then a stop, then a gate. */
function rank(a: AbortCause): number {
  return a.cause === 'internal' ? 0 : a.cause === 'stopped' ? 1 : 2;
}

function sumOf(results: readonly LoadResult[], get: (r: LoadResult) => number): number {
  return results.reduce((a, r) => a + get(r), 0);
}

function minIso(xs: readonly string[]): string {
  return new Date(Math.min(...xs.map((x) => Date.parse(x)))).toISOString();
}

function maxIso(xs: readonly string[]): string {
  return new Date(Math.max(...xs.map((x) => Date.parse(x)))).toISOString();
}
