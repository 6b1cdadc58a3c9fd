/**
 * The whole daemon with `telemetry.otlp.endpoint` pointing at a real OTLP/HTTP receiver: probe
 * runs arrive as spans with their phase children, and the trace ids in the probe results (what
 * went out as `traceparent`) are the exported spans'. `createDaemon` must publish the service
 * "tracing" (the telemetry module): its absence fails the test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { PROBE_ATTR } from '../../src/telemetry/trace-probe.js';
import type { Tracing } from '../../src/telemetry/tracing.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver } from './otlp-receiver.js';

let receiver: OtlpReceiver;
let daemon: Daemon;
const results: ProbeResult[] = [];

before(async () => {
  receiver = await startOtlpReceiver();
  const config = loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
log: { level: silent }
storage: { path: ":memory:" }
demo: { enabled: true, host: 127.0.0.1, port: 0 }
targets: [{ name: demo, demo: true }]
probes:
  - { name: status, target: demo, every: 1s, http: { path: /api/status }, assert: { status: 2xx } }
  - { name: ws-echo, target: demo, every: 1s, ws: { path: /ws, send: { id: p, type: ping }, matchId: $.id } }
telemetry:
  otlp: { endpoint: "${receiver.url}", serviceName: perfwarden-daemon-test }
`, 'daemon-traces.yaml', {});
  daemon = await createDaemon(config, { logger: silentLogger() });
  daemon.context.events.on('probe:result', (r) => results.push(r));
});

after(async () => {
  await daemon?.stop('test done');
  await receiver?.close();
});

test('probe runs of the daemon arrive at the OTLP receiver with their phases', async () => {
  const tracing = daemon.context.services.get('tracing') as Tracing | undefined;
  assert.ok(tracing !== undefined, 'createDaemon publishes the telemetry module\'s "tracing" service');
  assert.equal(tracing.enabled, true);
  const spans = await receiver.waitFor((all) => {
    const okHttp = results.find((r) => r.kind === 'http' && r.ok && all.some((s) => s.spanId === r.spanId));
    const okWs = results.find((r) => r.kind === 'ws' && r.ok && all.some((s) => s.spanId === r.spanId));
    if (okHttp === undefined || okWs === undefined) {
      void tracing.forceFlush();
      return false;
    }
    return all.some((s) => s.parentSpanId === okHttp.spanId && s.name === 'ttfb') && all.some((s) => s.parentSpanId === okWs.spanId && s.name === 'ws round trip');
  }, 30_000);
  const http = results.find((r) => r.kind === 'http' && r.ok && spans.some((s) => s.spanId === r.spanId))!;
  const root = spans.find((s) => s.spanId === http.spanId)!;
  assert.equal(root.traceId, http.traceId);
  assert.equal(root.parentSpanId, '');
  assert.equal(root.resource['service.name'], 'perfwarden-daemon-test');
  assert.equal(root.attributes[PROBE_ATTR.probe], 'status');
  assert.equal(root.attributes[PROBE_ATTR.target], 'demo');
  assert.equal(root.attributes[PROBE_ATTR.outcome], 'success');
  assert.equal(root.attributes[PROBE_ATTR.status], 200);
  const phases = spans.filter((s) => s.parentSpanId === root.spanId).map((s) => s.name);
  assert.ok(phases.includes('ttfb') && phases.includes('transfer'), phases.join(','));
});
