/**
 * Probe tracing end to end: a real HTTP probe against a real target server, spans exported over
 * OTLP/HTTP (JSON) to a real receiver on port 0. Asserts the span tree, its attributes, and that
 * the `traceparent` the target saw is the exported run span's context.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigText } from '../../src/config/load-config.js';
import { resolveOtlpSettings } from '../../src/config/sections/telemetry.js';
import { buildProbeRunners, resolveTargets } from '../../src/probe/build-probes.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import type { ProbeResult, ProbeRunner } from '../../src/probe/types.js';
import { createTelemetryModule } from '../../src/telemetry/telemetry-module.js';
import { PROBE_ATTR, traceProbe } from '../../src/telemetry/trace-probe.js';
import { createTracing } from '../../src/telemetry/tracing.js';
import type { Tracing } from '../../src/telemetry/tracing.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver, ReceivedSpan } from './otlp-receiver.js';

const SPAN_STATUS_ERROR = 2;

interface Target { server: Server; url: string; traceparents: string[] }

async function startTarget(): Promise<Target> {
  const traceparents: string[] = [];
  const server = createServer((req, res) => {
    traceparents.push(String(req.headers.traceparent ?? ''));
    if (req.url === '/broken') res.writeHead(500, { 'content-type': 'text/plain' }).end('no');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, traceparents };
}

function runners(targetUrl: string): ProbeRunner[] {
  const config = loadConfigText(`
targets:
  - name: api
    url: ${targetUrl}
probes:
  - name: api-status
    target: api
    every: 15s
    http: { path: /status }
    assert: { status: 200 }
  - name: api-broken
    target: api
    every: 15s
    http: { path: /broken }
    assert: { status: 200 }
`, 'test.yaml', {});
  return buildProbeRunners(config, resolveTargets(config, undefined));
}

function tracingTo(receiver: OtlpReceiver, samplingRatio = 1): Tracing {
  const settings = resolveOtlpSettings({ enabled: true, endpoint: receiver.url, serviceName: 'perfwarden-test', samplingRatio }, {});
  return createTracing(settings, { scheduledDelayMillis: 50 });
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan): ReceivedSpan[] {
  return spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId).sort((a, b) => a.startMs - b.startMs);
}

describe('traceProbe', () => {
  let target: Target;
  let receiver: OtlpReceiver;
  before(async () => {
    target = await startTarget();
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    target.server.closeAllConnections();
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
    await receiver.close();
  });

  test('a successful HTTP run exports a span tree whose context is the traceparent the target saw', async () => {
    const tracing = tracingTo(receiver);
    const [statusProbe] = runners(target.url);
    assert.ok(statusProbe);
    const traced = traceProbe(statusProbe, tracing);
    const sentBefore = target.traceparents.length;
    const result = await traced.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, true, result.message);
    await tracing.forceFlush();

    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === result.traceId && s.name === 'transfer'));
    const root = spans.find((s) => s.traceId === result.traceId && s.parentSpanId === '');
    assert.ok(root, 'a root span for the run');
    assert.equal(root.name, 'probe api-status');
    assert.equal(root.spanId, result.spanId);
    assert.equal(root.resource['service.name'], 'perfwarden-test');
    assert.equal(root.attributes[PROBE_ATTR.probe], 'api-status');
    assert.equal(root.attributes[PROBE_ATTR.target], 'api');
    assert.equal(root.attributes[PROBE_ATTR.url], `${target.url}/status`);
    assert.equal(root.attributes[PROBE_ATTR.status], 200);
    assert.equal(root.attributes[PROBE_ATTR.outcome], 'success');
    assert.equal(root.attributes[PROBE_ATTR.reason], undefined);
    assert.notEqual(root.status.code, SPAN_STATUS_ERROR);

    // The target saw exactly this span's context as traceparent (sampled).
    assert.deepEqual(target.traceparents.slice(sentBefore), [`00-${root.traceId}-${root.spanId}-01`]);

    // Phases as children, in order, end to end, with the measured durations.
    const children = childrenOf(spans, root);
    const names = children.map((c) => c.name);
    const expected = (['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const).filter((p) => result.phases[p] !== undefined);
    assert.deepEqual(names, expected);
    assert.ok(names.includes('ttfb') && names.includes('connect'), `phases: ${names.join(',')}`);
    for (const c of children) {
      const phase = result.phases[c.name as keyof ProbeResult['phases']];
      assert.ok(phase !== undefined);
      assert.ok(Math.abs(c.endMs - c.startMs - phase * 1000) < 1, `${c.name} duration`);
    }
    for (let i = 1; i < children.length; i++) {
      assert.ok(Math.abs(children[i]!.startMs - children[i - 1]!.endMs) < 0.01, 'phases laid end to end');
    }
    await tracing.shutdown();
  });

  test('a failing run carries outcome, reason and an error status', async () => {
    const tracing = tracingTo(receiver);
    const broken = runners(target.url)[1];
    assert.ok(broken);
    const result = await traceProbe(broken, tracing).run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'status');
    await tracing.forceFlush();
    const spans = await receiver.waitFor((all) => all.some((s) => s.spanId === result.spanId));
    const root = spans.find((s) => s.spanId === result.spanId);
    assert.ok(root);
    assert.equal(root.attributes[PROBE_ATTR.outcome], 'failure');
    assert.equal(root.attributes[PROBE_ATTR.reason], 'status');
    assert.equal(root.attributes[PROBE_ATTR.status], 500);
    assert.equal(root.status.code, SPAN_STATUS_ERROR);
    await tracing.shutdown();
  });

  test('WebSocket results become handshake and round-trip child spans', async () => {
    const tracing = tracingTo(receiver);
    const startedAt = Date.now();
    const wsRunner: ProbeRunner = {
      name: 'ws-echo', kind: 'ws', target: 'api',
      run: async (ctx) => ({
        probe: 'ws-echo', target: 'api', kind: 'ws', url: 'ws://127.0.0.1:1/ws', ok: true, startedAt,
        durationSeconds: 0.03, phases: {}, ws: { connectSeconds: 0.01, rttSeconds: 0.02 },
        traceId: ctx.traceContext.traceId, spanId: ctx.traceContext.spanId,
      }),
    };
    const result = await traceProbe(wsRunner, tracing).run({ traceContext: newTraceContext() });
    await tracing.forceFlush();
    const spans = await receiver.waitFor((all) => all.some((s) => s.traceId === result.traceId && s.name === 'ws round trip'));
    const root = spans.find((s) => s.spanId === result.spanId);
    assert.ok(root);
    const children = childrenOf(spans, root);
    assert.deepEqual(children.map((c) => c.name), ['ws handshake', 'ws round trip']);
    assert.ok(Math.abs(children[0]!.startMs - startedAt) < 0.01);
    assert.ok(Math.abs(children[1]!.endMs - (startedAt + 30)) < 0.01);
    await tracing.shutdown();
  });

  test('a stepped run has a span a step, each with its own phases, and sends the run\'s traceparent at every step', async () => {
    const tracing = tracingTo(receiver);
    const config = loadConfigText(`
targets: [{ name: api, url: "${target.url}" }]
probes:
  - name: stepped
    type: http
    target: api
    every: 15s
    http:
      steps:
        - { name: first, path: /status, extract: { s: $.status } }
        - { name: second, path: "/status?s={{s}}" }
`, 'test.yaml', {});
    const [stepped] = buildProbeRunners(config, resolveTargets(config, undefined));
    assert.ok(stepped);
    const sentBefore = target.traceparents.length;
    const result = await traceProbe(stepped, tracing).run({ traceContext: newTraceContext() });
    assert.equal(result.ok, true, result.message);
    await tracing.forceFlush();
    const spans = await receiver.waitFor((all) => all.filter((s) => s.traceId === result.traceId && s.name === 'transfer').length === 2);
    const root = spans.find((s) => s.spanId === result.spanId);
    assert.ok(root);
    const steps = childrenOf(spans, root);
    assert.deepEqual(steps.map((c) => c.name), ['step first', 'step second']);
    assert.equal(steps[1]?.attributes[PROBE_ATTR.url], `${target.url}/status?s={{s}}`, 'the URL as written, never a value');
    for (const [i, step] of steps.entries()) {
      assert.ok(Math.abs(step.endMs - step.startMs - (result.steps?.[i]?.durationSeconds ?? 0) * 1000) < 1, `${step.name} duration`);
      assert.ok(childrenOf(spans, step).some((c) => c.name === 'ttfb'), `${step.name} has its phases`);
    }
    assert.ok(steps[1]!.startMs >= steps[0]!.endMs - 0.01, 'steps laid end to end');
    assert.deepEqual(target.traceparents.slice(sentBefore), [`00-${root.traceId}-${root.spanId}-01`, `00-${root.traceId}-${root.spanId}-01`]);
    await tracing.shutdown();
  });

  test('unsampled runs still send a valid traceparent (flags 00) and export nothing', async () => {
    const tracing = tracingTo(receiver, 0);
    const [statusProbe] = runners(target.url);
    assert.ok(statusProbe);
    const sentBefore = target.traceparents.length;
    const result = await traceProbe(statusProbe, tracing).run({ traceContext: newTraceContext() });
    assert.match(result.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.deepEqual(target.traceparents.slice(sentBefore), [`00-${result.traceId}-${result.spanId}-00`]);
    assert.deepEqual(tracing.exemplarLabels(result.traceId), {});
    await tracing.forceFlush();
    await tracing.shutdown();
    assert.equal(receiver.spans.some((s) => s.traceId === result.traceId), false);
    assert.equal(tracing.stats().exportedSpans, 0);
  });

  test('exemplar labels name recorded traces only', async () => {
    const tracing = tracingTo(receiver);
    const [statusProbe] = runners(target.url);
    assert.ok(statusProbe);
    const result = await traceProbe(statusProbe, tracing).run({ traceContext: newTraceContext() });
    assert.deepEqual(tracing.exemplarLabels(result.traceId), { trace_id: result.traceId });
    assert.deepEqual(tracing.exemplarLabels('0123456789abcdef0123456789abcdef'), {});
    await tracing.shutdown();
  });
});

describe('exporter failures never reach the daemon', () => {
  test('a dead collector is counted, runs go on, shutdown is bounded and safe twice', async () => {
    // A port that was free a moment ago: connection refused.
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const deadUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const tracing = createTracing(resolveOtlpSettings({ enabled: true, endpoint: deadUrl }, {}), { scheduledDelayMillis: 50, exportTimeoutMillis: 2000 });
    const runner: ProbeRunner = {
      name: 'p', kind: 'http', target: 't',
      run: async (ctx) => ({ probe: 'p', target: 't', kind: 'http', url: 'http://x', ok: true, startedAt: Date.now(), durationSeconds: 0.001, phases: { ttfb: 0.001 }, traceId: ctx.traceContext.traceId }),
    };
    const traced = traceProbe(runner, tracing);
    for (let i = 0; i < 3; i++) assert.equal((await traced.run({ traceContext: newTraceContext() })).ok, true);
    await tracing.forceFlush();
    const stats = tracing.stats();
    assert.ok(stats.failedSpans >= 6, `failed spans counted: ${JSON.stringify(stats)}`);
    assert.equal(stats.exportedSpans, 0);
    await tracing.shutdown();
    await tracing.shutdown();
  });
});

describe('tracing off', () => {
  test('no endpoint anywhere: disabled, runners returned unchanged, counters still served', async () => {
    const config = loadConfigText('{}', 'empty.yaml', {});
    const telemetry = createTelemetryModule(config.telemetry, { env: {} });
    assert.equal(telemetry.tracing.enabled, false);
    const runner: ProbeRunner = { name: 'p', kind: 'http', target: 't', run: () => Promise.reject(new Error('not called')) };
    assert.equal(traceProbe(runner, telemetry.tracing), runner);
    await telemetry.stop?.('test');
    await telemetry.stop?.('test again');
  });

  test('OTEL_EXPORTER_OTLP_ENDPOINT alone switches it on', () => {
    const config = loadConfigText('{}', 'empty.yaml', {});
    const telemetry = createTelemetryModule(config.telemetry, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } });
    assert.equal(telemetry.tracing.enabled, true);
    return telemetry.tracing.shutdown();
  });
});
