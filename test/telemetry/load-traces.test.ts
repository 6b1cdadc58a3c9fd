/**
 * A load run inside the daemon, with `telemetry.otlp.endpoint` pointing at a real OTLP/HTTP
 * receiver: the run span, one span per configured stage under it, and request spans sampled at
 * `telemetry.loadRequestSampleRatio` (bounded by ratio × requests, never one per request).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import type { LoadService } from '../../src/load/load-service.js';
import type { Tracing } from '../../src/telemetry/tracing.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver } from './otlp-receiver.js';

const RATIO = 0.02;
let receiver: OtlpReceiver;
let target: Server;
let daemon: Daemon;

before(async () => {
  receiver = await startOtlpReceiver();
  target = createServer((req, res) => {
    res.writeHead(req.url === '/fail' ? 503 : 200, { 'content-type': 'text/plain' }).end('ok');
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const port = (target.address() as AddressInfo).port;
  const config = loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
log: { level: silent }
storage: { path: ":memory:" }
loads:
  - name: traced
    url: "http://127.0.0.1:${port}"
    executor: ramping-vus
    vus: 1
    stages: [{ duration: 600ms, target: 2 }, { duration: 600ms, target: 2 }]
    scenarios: [{ name: s, requests: [{ path: /ok }] }]
telemetry:
  otlp: { endpoint: "${receiver.url}", serviceName: perfwarden-load-test }
  loadRequestSampleRatio: ${RATIO}
`, 'load-traces.yaml', {});
  daemon = await createDaemon(config, { logger: silentLogger() });
});

after(async () => {
  await daemon?.stop('test done');
  await receiver?.close();
  target?.close();
});

test('a daemon load run exports its run span, a span per stage and a bounded sample of request spans', async () => {
  const tracing = daemon.context.services.get('tracing') as Tracing | undefined;
  assert.ok(tracing !== undefined, 'createDaemon publishes the tracing service');
  assert.equal(tracing.enabled, true);
  const loads = daemon.context.services.get('loads') as LoadService;
  const { runId } = loads.trigger('traced');
  const result = await loads.waitFor(runId);
  assert.ok(result !== undefined);
  const requests = result.summary.requests;
  assert.ok(requests >= 1 / RATIO, `enough requests to sample at least one (${requests})`);

  const spans = await receiver.waitFor((all) => {
    const root = all.find((s) => s.name === 'load traced');
    if (root === undefined || !all.some((s) => s.name === 'stage run 2/2')) {
      void tracing.forceFlush();
      return false;
    }
    return true;
  }, 30_000);
  await tracing.forceFlush();
  const root = spans.find((s) => s.name === 'load traced')!;
  assert.equal(root.parentSpanId, '');
  assert.equal(root.resource['service.name'], 'perfwarden-load-test');
  assert.equal(root.attributes['perfwarden.run'], 'traced');
  assert.equal(root.attributes['perfwarden.run_id'], runId);
  assert.equal(root.attributes['perfwarden.verdict'], result.verdict);

  const mine = receiver.spans.filter((s) => s.traceId === root.traceId);
  const stages = mine.filter((s) => s.name.startsWith('stage '));
  assert.deepEqual(stages.map((s) => s.name).sort(), ['stage run 1/2', 'stage run 2/2']);
  for (const s of stages) assert.equal(s.parentSpanId, root.spanId);
  assert.equal(stages.find((s) => s.name === 'stage run 1/2')?.attributes['perfwarden.stage.to_vus'], 2);

  const requestSpans = mine.filter((s) => s.name === 'GET /ok');
  const stageIds = new Set(stages.map((s) => s.spanId));
  assert.ok(requestSpans.length >= 1, `at least one sampled request span: ${[...new Set(mine.map((s) => s.name))].join(', ')}`);
  assert.ok(requestSpans.length <= Math.ceil(requests * RATIO) + 1, `${requestSpans.length} request spans for ${requests} requests at ratio ${RATIO}`);
  for (const s of requestSpans) {
    assert.ok(stageIds.has(s.parentSpanId), 'request spans hang under a stage');
    assert.equal(s.attributes['perfwarden.outcome'], 'success');
    assert.ok(s.endMs >= s.startMs && s.startMs >= root.startMs - 1);
  }
});
