/**
 * Probe latency exemplars from the whole daemon, scraped as Prometheus does (OpenMetrics): they
 * name only traces that were recorded — none with tracing off or with the run sampled out, and
 * with tracing on the trace id is one the OTLP receiver actually got.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import type { ProbeResult } from '../../src/probe/types.js';
import type { Tracing } from '../../src/telemetry/tracing.js';
import { startOtlpReceiver } from './otlp-receiver.js';
import type { OtlpReceiver } from './otlp-receiver.js';

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';
const daemons: Daemon[] = [];
let receiver: OtlpReceiver | undefined;

after(async () => {
  await Promise.all(daemons.map((d) => d.stop('test done')));
  await receiver?.close();
});

/** Starts a daemon probing its demo target every second; resolves after `n` probe results. */
async function daemonWith(telemetry: string, n = 2): Promise<{ daemon: Daemon; results: ProbeResult[] }> {
  const config = loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
log: { level: silent }
storage: { path: ":memory:" }
demo: { enabled: true, host: 127.0.0.1, port: 0 }
targets: [{ name: demo, demo: true }]
probes:
  - { name: status, target: demo, every: 1s, http: { path: /api/status }, assert: { status: 2xx } }
${telemetry}
`, 'exemplars.yaml', {});
  const daemon = await createDaemon(config, { logger: silentLogger(), random: () => 0, env: {} });
  daemons.push(daemon);
  const results: ProbeResult[] = [];
  await new Promise<void>((resolve) => {
    daemon.context.events.on('probe:result', (r) => {
      results.push(r);
      if (results.length === n) resolve();
    });
  });
  return { daemon, results };
}

/** The trace ids of the exemplars on the probe duration histogram. */
async function exemplarTraceIds(daemon: Daemon): Promise<string[]> {
  const res = await fetch(`${daemon.url}/metrics`, { headers: { accept: OPENMETRICS_ACCEPT } });
  assert.match(res.headers.get('content-type') ?? '', /openmetrics/);
  const body = await res.text();
  assert.match(body, /^perfwarden_probe_duration_seconds_bucket\{/m, 'the histogram is exposed');
  return [...body.matchAll(/^perfwarden_probe_duration_seconds_bucket\{[^}]*\} \S+ # \{trace_id="([0-9a-f]+)"\}/gm)].map((m) => m[1] ?? '');
}

test('tracing off: no exemplars, although probes still send a traceparent', async () => {
  const { daemon, results } = await daemonWith('');
  assert.ok(results.every((r) => r.traceId !== undefined), 'results carry the traceparent trace id');
  assert.deepEqual(await exemplarTraceIds(daemon), []);
});

test('tracing on but the run sampled out: no exemplar pointing at an unexported trace', async () => {
  receiver ??= await startOtlpReceiver();
  const { daemon } = await daemonWith(`telemetry: { otlp: { endpoint: "${receiver.url}", samplingRatio: 0 } }`);
  assert.deepEqual(await exemplarTraceIds(daemon), []);
});

test('tracing on: the exemplar names a trace the collector received', async () => {
  receiver ??= await startOtlpReceiver();
  const { daemon, results } = await daemonWith(`telemetry: { otlp: { endpoint: "${receiver.url}", samplingRatio: 1, serviceName: exemplar-test } }`);
  const ids = await exemplarTraceIds(daemon);
  assert.ok(ids.length >= 1, 'at least one exemplar');
  const tracing = daemon.context.services.get('tracing') as Tracing;
  await tracing.forceFlush();
  const r = receiver;
  await r.waitFor((spans) => ids.every((id) => spans.some((s) => s.traceId === id)), 20_000);
  for (const id of ids) assert.ok(results.some((res) => res.traceId === id) || r.spans.some((s) => s.traceId === id && s.name === 'probe status'));
});
