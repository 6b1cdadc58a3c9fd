/** Load-run tracing: run and stage spans always, request spans sampled deterministically. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { FakeClock } from '../../src/core/clock.js';
import { planLoad } from '../../src/load/plan/plan.js';
import { loadConfig } from '../load/load-fixtures.js';
import { loadRunTracer } from '../../src/telemetry/load-run-tracer.js';
import { traceLoadRun } from '../../src/telemetry/trace-load.js';
import { createTracing } from '../../src/telemetry/tracing.js';

const settings = { url: 'http://unused/v1/traces', headers: {}, samplingRatio: 1, serviceName: 'pw' };

test('a span per run and per stage, and exactly ratio × requests request spans', async () => {
  const exporter = new InMemorySpanExporter();
  const clock = new FakeClock();
  const tracing = createTracing(settings, { exporter, clock });
  const run = traceLoadRun(tracing, { run: 'soak' }, 0.01);
  const ramp = run.stage('ramp');
  let sampled = 0;
  for (let i = 0; i < 500; i++) {
    const req = run.request('GET /api/trade');
    if (req !== undefined) {
      sampled += 1;
      assert.match(req.traceContext.traceparent, new RegExp(`^00-${run.traceContext.traceId}-[0-9a-f]{16}-01$`));
      req.end({ ok: i % 2 === 0, status: i % 2 === 0 ? 200 : 503, ...(i % 2 === 0 ? {} : { reason: 'status' }) });
    }
  }
  ramp.end();
  const hold = run.stage('hold');
  for (let i = 0; i < 500; i++) run.request('GET /api/trade')?.end({ ok: true, status: 200 });
  await clock.advance(1000);
  run.end({ verdict: 'pass' });
  run.end({ verdict: 'ignored' });
  hold.end();
  await tracing.forceFlush();

  const spans = exporter.getFinishedSpans();
  const byName = (n: string) => spans.filter((s) => s.name === n);
  assert.equal(sampled, 5);
  assert.equal(byName('GET /api/trade').length, 10);
  const [root] = byName('load soak');
  const [rampSpan] = byName('stage ramp');
  const [holdSpan] = byName('stage hold');
  assert.ok(root && rampSpan && holdSpan);
  assert.equal(root.attributes['perfwarden.verdict'], 'pass');
  assert.equal(rampSpan.parentSpanContext?.spanId, root.spanContext().spanId);
  const requestParents = byName('GET /api/trade').map((s) => s.parentSpanContext?.spanId);
  assert.deepEqual(requestParents, [...Array(5).fill(rampSpan.spanContext().spanId), ...Array(5).fill(holdSpan.spanContext().spanId)]);
  assert.equal(spans.length, 13);
  await tracing.shutdown();
});

test('ratio 0 or tracing off: no request spans', async () => {
  const exporter = new InMemorySpanExporter();
  const tracing = createTracing(settings, { exporter });
  const run = traceLoadRun(tracing, { run: 'r' }, 0);
  for (let i = 0; i < 100; i++) assert.equal(run.request('GET /'), undefined);
  run.end();
  const off = traceLoadRun(createTracing(undefined), { run: 'r' }, 1);
  assert.equal(off.request('GET /'), undefined);
  off.end();
  await tracing.forceFlush();
  assert.deepEqual(exporter.getFinishedSpans().map((s) => s.name), ['load r']);
  await tracing.shutdown();
});

test('the engine hook: warmup, a stage span per ramp stage (timed), sweep steps, sampled requests from the workers', async () => {
  const exporter = new InMemorySpanExporter();
  const clock = new FakeClock();
  const tracing = createTracing(settings, { exporter, clock });
  const t0 = clock.now();
  const run = traceLoadRun(tracing, { run: 'ramp' }, 0.5);
  const hook = loadRunTracer(run, clock);
  assert.equal(hook.sampleRatio, 0.5, 'the workers sample at the trace ratio');
  const plan = planLoad(loadConfig({
    name: 'ramp', url: 'http://127.0.0.1:1', executor: 'ramping-vus', warmup: '500ms',
    stages: [{ duration: '1s', target: 10 }, { duration: '2s', target: 10 }, { duration: '1s', target: 0 }],
    scenarios: [{ name: 's', requests: [{ path: '/a' }, { method: 'POST', path: '/b' }] }],
  }), { url: 'http://127.0.0.1:1' });
  hook.phase(plan.phases[0]!, plan);
  await clock.advance(500);
  hook.phase(plan.phases[1]!, plan);
  await clock.advance(200);
  // Samples arrive with a window, after the requests ended: each span keeps its own start and end.
  hook.requests([{ endpoint: 0, startMs: clock.now() - 100, seconds: 0.1, cls: '2xx' }, { endpoint: 1, startMs: clock.now() - 50, seconds: 0.05, cls: '2xx' }], plan.endpoints);
  await clock.advance(1000);
  hook.requests([{ endpoint: 1, startMs: clock.now() - 50, seconds: 0.05, cls: '5xx' }], plan.endpoints);
  await clock.advance(2000);
  hook.close();
  await clock.advance(5000);
  run.end({ verdict: 'pass' });
  await tracing.forceFlush();

  const spans = exporter.getFinishedSpans();
  const stages = spans.filter((s) => s.name.startsWith('stage '));
  assert.deepEqual(stages.map((s) => s.name), ['stage warmup', 'stage run 1/3', 'stage run 2/3', 'stage run 3/3']);
  const [, first, second, third] = stages;
  assert.ok(first && second && third);
  assert.equal(first.attributes['perfwarden.stage.to_vus'], 10);
  // Stage switches follow the planned stage lengths from the start of the run phase.
  assert.deepEqual([first, second, third].map((s) => Math.round(s.startTime[0] * 1000 + s.startTime[1] / 1e6 - t0)), [500, 1500, 3500]);
  const requests = spans.filter((s) => s.name === 'GET /a' || s.name === 'POST /b');
  assert.equal(requests.length, 3, 'one span per sample');
  assert.deepEqual(requests.map((s) => s.parentSpanContext?.spanId), [first, first, second].map((s) => s.spanContext().spanId));
  const failed = requests.find((s) => s.parentSpanContext?.spanId === second.spanContext().spanId);
  assert.equal(failed?.attributes['perfwarden.reason'], '5xx');
  assert.equal(failed?.attributes['perfwarden.outcome'], 'failure');
  const r0 = requests[0]!;
  assert.equal(Math.round((r0.endTime[0] - r0.startTime[0]) * 1000 + (r0.endTime[1] - r0.startTime[1]) / 1e6), 100);

  // Sweeps: one span per step.
  const sweepRun = traceLoadRun(tracing, { run: 'sweep' }, 0);
  const sweepHook = loadRunTracer(sweepRun, clock);
  const sweepPlan = planLoad(loadConfig({ name: 'sweep', url: 'http://127.0.0.1:1', executor: 'sweep', sweep: { mode: 'rate', steps: [100, 200], stepDuration: '1s' }, scenarios: [{ name: 's', requests: [{ path: '/' }] }] }), { url: 'http://127.0.0.1:1' });
  sweepHook.phase(sweepPlan.phases[0]!, sweepPlan);
  sweepHook.phase(sweepPlan.phases[1]!, sweepPlan);
  sweepHook.close();
  sweepRun.end();
  await tracing.forceFlush();
  const steps = exporter.getFinishedSpans().filter((s) => s.name.startsWith('stage step'));
  assert.deepEqual(steps.map((s) => [s.name, s.attributes['perfwarden.stage.rate_per_s']]), [['stage step 1/2', 100], ['stage step 2/2', 200]]);
  await tracing.shutdown();
});
