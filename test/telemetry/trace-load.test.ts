/** Load-run tracing: run and stage spans always, request spans sampled deterministically. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { FakeClock } from '../../src/core/clock.js';
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
