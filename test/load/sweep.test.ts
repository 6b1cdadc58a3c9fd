/**
 * Sweeps that find the real knee: generator-saturated seconds left out of their step (on
 * constructed windows, fed through the driver's own step accumulator and result builder — a real
 * stall is a timing accident on a shared machine, and whether it is flagged depends on how busy
 * the machine is, so the flag is what the tests set), an
 * unmeasurable step skipped, the capacity knee of a rate sweep against a real target that caps
 * its throughput, and the report's scaling table and p95-by-step chart in the step's unit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoad } from '../../src/load/driver.js';
import { planLoad } from '../../src/load/plan/plan.js';
import type { LoadPlan } from '../../src/load/plan/plan.js';
import { sweepOutcome } from '../../src/load/result/judge.js';
import { buildResult } from '../../src/load/result/measure.js';
import { mergeResults } from '../../src/load/result/merge.js';
import type { LoadResult } from '../../src/load/result/result.js';
import { SweepSteps } from '../../src/load/result/sweep-steps.js';
import { RunAggregate } from '../../src/load/window/aggregate.js';
import { WindowRecorder } from '../../src/load/window/recorder.js';
import { emptyWsCounters } from '../../src/load/window/snapshot.js';
import type { WindowSnapshot } from '../../src/load/window/snapshot.js';
import { renderHtml, renderMarkdown } from '../../src/report/index.js';
import { loadConfig, oneRequest } from './load-fixtures.js';
import { startHttp } from './targets.js';

const T0 = 1_700_000_000_000;
const STEP_MS = 2000;

/** One worker's one-second window of `phase`: `count` iterations of one request each, all taking `ms`. */
function window(phase: number, secondOfStep: number, count: number, ms: number, saturated = false): WindowSnapshot {
  const start = T0 + phase * STEP_MS + secondOfStep * 1000;
  const rec = new WindowRecorder(1, start);
  for (let i = 0; i < count; i++) {
    rec.record(0, ms * 1000, '2xx', false, start);
    rec.recordIteration();
  }
  return rec.snapshot(start + 1000, { worker: 0, phase, second: (start + 1000) / 1000, vus: 1, generator: { lagMs: saturated ? 300 : 1, cpuMs: 100, saturated } });
}

/** Feeds windows the way the driver does (each second completed with its saturation flag) and builds the result. */
function sweepResult(plan: LoadPlan, windows: readonly WindowSnapshot[]): LoadResult {
  const steps = new SweepSteps(plan);
  const run = new RunAggregate(plan.endpoints);
  plan.phases.forEach((_, i) => steps.start(i, T0 + i * STEP_MS));
  for (const w of windows) {
    run.add(w);
    steps.add(w);
    steps.complete(w.second, w.generator.saturated);
  }
  const seconds = (plan.phases.length * STEP_MS) / 1000;
  return buildResult({
    plan, runId: 'r', run, steps: steps.results(), ws: emptyWsCounters(), wsPeak: 0, series: [],
    startedAt: T0, measuredFrom: T0, finishedAt: T0 + seconds * 1000, durationSeconds: seconds, aborted: null, warnings: [],
    generator: { workers: 1, segment: '0/1', cpuSeconds: 0, threads: [], saturatedSeconds: 0, maxEventLoopLagMs: 0, avgCpuPercent: 0 },
  });
}

function ratePlan(steps: number[], stepDuration = '2s'): LoadPlan {
  const url = 'http://127.0.0.1:1';
  return planLoad(loadConfig({ name: 's', url, executor: 'sweep', sweep: { mode: 'rate', steps, stepDuration }, scenarios: oneRequest('/'), thresholds: { 'p(95)': '<200ms' } }), { url });
}

test('one saturated second in the 200/s step moves neither knee: it is left out of the step, and the step says so', () => {
  const plan = ratePlan([50, 100, 200, 400]);
  const windows = [
    window(0, 0, 50, 20), window(0, 1, 50, 20),
    window(1, 0, 100, 20), window(1, 1, 100, 20),
    // The generator stalled for a second: few completions, each 1.3 s late.
    window(2, 0, 200, 20), window(2, 1, 50, 1300, true),
    // The target's real limit: 300 of 400/s, slow.
    window(3, 0, 300, 500), window(3, 1, 300, 500),
  ];
  const r = sweepResult(plan, windows);
  const stalled = r.steps[2]!;
  assert.equal(stalled.saturatedSeconds, 1);
  assert.equal(stalled.requests, 200, 'only the unsaturated second counts');
  assert.ok(stalled.latencyMs.p95 < 50, `p95 ${stalled.latencyMs.p95} ms without the stall`);
  assert.equal(stalled.iterationRate, 200);
  assert.deepEqual(r.steps.map((s) => s.ok), [true, true, true, false]);
  assert.equal(r.knee?.rate, 200, 'the threshold knee stays at 200/s');
  assert.deepEqual(r.steps.map((s) => s.keptUp), [true, true, true, false]);
  assert.equal(r.steps[3]?.iterationRate, 300);
  assert.equal(r.capacityKnee?.rate, 200, 'the capacity knee: 400/s achieved only 300/s');
  const md = renderMarkdown(r);
  assert.match(md, /## Concurrency scaling/);
  assert.match(md, /\| Step \| Rate \| Achieved it\/s \| Req\/s \| p50 \| p95 \| p99 \| Errors \| Saturated \| Meets SLO \|/);
  assert.match(md, /\| 3 \| 200\/s \| 200\.0 \| 200\.0 \| .* \| 1 s \| ✅ yes ← knee ← capacity \|/);
  assert.match(md, /\| 4 \| 400\/s \| 300\.0 \(behind\) \|/);
  assert.match(md, /Capacity knee: step 3 \(200\/s\); at step 4 the target completed 300\/s of 400\/s offered/);
  assert.match(md, /left out of their step's numbers/);

  // The same windows with the stall counted as measured: the knee would have dropped to 100/s.
  const counted = sweepResult(plan, windows.map((w) => ({ ...w, generator: { ...w.generator, saturated: false } })));
  assert.equal(counted.knee?.rate, 100);
  assert.equal(counted.capacityKnee?.rate, 100);
});

test('the second after a saturated one is left out too: the stall\'s late completions land there', () => {
  const r = sweepResult(ratePlan([100], '3s'), [
    window(0, 0, 60, 20, true),
    // Flushed on time after the stall, but holding the requests it delayed.
    window(0, 1, 140, 900),
    window(0, 2, 100, 20),
  ]);
  const step = r.steps[0]!;
  assert.equal(step.saturatedSeconds, 2);
  assert.equal(step.requests, 100);
  assert.ok(step.latencyMs.max < 50, `max ${step.latencyMs.max} ms`);
  assert.equal(step.ok, true);
});

test('a step saturated in every second is unmeasurable: no numbers, not used for either knee', () => {
  const plan = ratePlan([50, 100, 200]);
  const r = sweepResult(plan, [
    window(0, 0, 50, 20), window(0, 1, 50, 20),
    window(1, 0, 10, 2000, true), window(1, 1, 10, 2000, true),
    window(2, 0, 200, 30), window(2, 1, 200, 30),
  ]);
  const lost = r.steps[1]!;
  assert.equal(lost.unmeasurable, true);
  assert.equal(lost.ok, false);
  assert.equal(lost.requests, 0);
  assert.equal(lost.saturatedSeconds, 2);
  assert.equal(lost.keptUp, undefined);
  assert.equal(r.knee, null);
  assert.equal(sweepOutcome(r), 'all-passed', 'the measurable steps all passed');
  assert.equal(r.capacityKnee, null);
  assert.equal(r.verdict, 'pass');
  const md = renderMarkdown(r);
  assert.match(md, /\| 2 \| 100\/s \| – \| – \| – \| – \| – \| – \| 2 s \| ❌ unmeasurable \|/);
  assert.match(md, /Unmeasurable: step 2 \(100\/s\) — the generator was saturated in every second, so it is not used for either knee\./);
});

test('shards of a rate sweep merge into the whole: offered and achieved rates add, each shard leaves out its own saturated seconds', () => {
  // Two shards, each half of a [100, 200, 400] sweep; shard 1 stalled for a second in the middle step.
  const plan = ratePlan([50, 100, 200]);
  const a = sweepResult(plan, [window(0, 0, 50, 20), window(0, 1, 50, 20), window(1, 0, 100, 20), window(1, 1, 100, 20), window(2, 0, 150, 400), window(2, 1, 150, 400)]);
  const b = sweepResult(plan, [window(0, 0, 50, 20), window(0, 1, 50, 20), window(1, 0, 100, 20), window(1, 1, 30, 1500, true), window(2, 0, 150, 400), window(2, 1, 150, 400)]);
  const merged = mergeResults([{ ...a, generator: { ...a.generator, segment: '0/2' } }, { ...b, generator: { ...b.generator, segment: '1/2' } }]);
  assert.deepEqual(merged.steps.map((s) => s.rate), [100, 200, 400]);
  assert.deepEqual(merged.steps.map((s) => s.offeredRate), [100, 200, 400]);
  assert.deepEqual(merged.steps.map((s) => s.iterationRate), [100, 200, 300]);
  assert.equal(merged.steps[1]?.saturatedSeconds, 1);
  assert.ok((merged.steps[1]?.latencyMs.p95 ?? 0) < 50, 'the stalled second stays out of the merged step');
  assert.equal(merged.capacityKnee?.rate, 200);
});

test('two workers whose windows of a second complete it one after the other: the second\'s time counts once, the achieved rate is whole', () => {
  // The driver completes a second when every worker has reported it; a worker's later window of the
  // same second (its phase-end flush) completes it again. Counting its time twice read 0.77x the rate.
  const plan = ratePlan([100, 400]);
  const both = (phase: number, second: number, count: number) => [window(phase, second, count / 2, 5), { ...window(phase, second, count / 2, 5), worker: 1 }];
  const r = sweepResult(plan, [...both(0, 0, 100), ...both(0, 1, 100), ...both(1, 0, 400), ...both(1, 1, 400)]);
  assert.deepEqual(r.steps.map((s) => s.iterationRate), [100, 400]);
  assert.deepEqual(r.steps.map((s) => s.keptUp), [true, true]);
  assert.equal(r.capacityKnee, null);
});

/** A target that serves at most `perSecond` requests a second, first come first served. */
async function cappedTarget(perSecond: number) {
  const gap = 1000 / perSecond;
  let nextFree = 0;
  return startHttp((_req, res) => {
    const now = performance.now();
    const at = Math.max(now, nextFree);
    nextFree = at + gap;
    setTimeout(() => res.end('ok'), at - now);
  });
}

test('a rate sweep against a target capped at 100 req/s: the capacity knee is the last step under the cap', { timeout: 60_000 }, async () => {
  const target = await cappedTarget(100);
  try {
    // This test is about the target's limit: on a busy test machine, seconds flagged saturated
    // would be left out until a step has none (the rule tested above), so flag only real stalls.
    const load = loadConfig({ name: 'cap', url: target.url, executor: 'sweep', sweep: { mode: 'rate', steps: [25, 50, 200], stepDuration: '4s' }, saturationLag: '1s', maxVUs: 1000, scenarios: oneRequest('/') });
    const r = await startLoad(load, { url: target.url }, { workers: 1 }).done;
    assert.deepEqual(r.steps.map((s) => s.offeredRate), [25, 50, 200]);
    const [a, b, c] = r.steps;
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    assert.ok(a.iterationRate >= 23.75 && b.iterationRate >= 47.5, `under the cap the target keeps up: ${a.iterationRate}, ${b.iterationRate}/s`);
    assert.ok(c.iterationRate > 80 && c.iterationRate < 125, `at 200/s it completes about its cap: ${c.iterationRate}/s`);
    assert.deepEqual(r.steps.map((s) => s.keptUp), [true, true, false]);
    assert.equal(r.capacityKnee?.rate, 50);
    assert.match(renderMarkdown(r), /Capacity knee: step 2 \(50\/s\)/);
  } finally {
    await target.close();
  }
});

test('the p95-by-step chart labels its x axis in the step unit (VUs or req/s), not in seconds', () => {
  const vus = sweepResult(ratePlan([50, 100, 200]), [window(0, 0, 50, 20), window(1, 0, 100, 20), window(2, 0, 200, 20)]);
  const byVus: LoadResult = { ...vus, steps: vus.steps.map(({ rate: _rate, offeredRate: _o, keptUp: _k, ...s }, i) => ({ ...s, vus: [5, 20, 50][i] ?? 0 })), capacityKnee: null };
  for (const [r, unit, levels] of [[vus, 'req/s', [50, 100, 200]], [byVus, 'VUs', [5, 20, 50]]] as const) {
    const html = renderHtml(r);
    const chart = /<svg [^>]*aria-label="p95 by step[^"]*"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    assert.notEqual(chart, '', 'the chart is there');
    const ticks = [...chart.matchAll(/<text class="xtick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '');
    assert.deepEqual(ticks, levels.map(String), 'a tick at each step level, no seconds');
    assert.match(chart, new RegExp(`>${unit.replace('/', '\\/')}</text>`), `axis label ${unit}`);
    assert.match(chart, new RegExp(`<title>${levels[1]} ${unit.replace('/', '\\/')}: p95 `), 'hover names the unit');
  }
});
