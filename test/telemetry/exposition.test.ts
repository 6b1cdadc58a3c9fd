/** `/metrics` content negotiation and exemplars; the plain format checked by `promtool check metrics`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { createRegistry } from '../../src/metrics/registry.js';
import { CONTENT_TYPES, exemplarHistogram, negotiateExposition, renderMetrics } from '../../src/telemetry/exposition.js';

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

test('negotiation follows the Accept header and its q-values', () => {
  assert.equal(negotiateExposition(undefined), 'prometheus');
  assert.equal(negotiateExposition('*/*'), 'prometheus');
  assert.equal(negotiateExposition('text/plain;version=0.0.4'), 'prometheus');
  assert.equal(negotiateExposition(PROMETHEUS_ACCEPT), 'openmetrics');
  assert.equal(negotiateExposition('application/openmetrics-text;q=0.2, text/plain;q=0.9'), 'prometheus');
  assert.equal(negotiateExposition('Application/OpenMetrics-Text; version=1.0.0'), 'openmetrics');
  assert.equal(negotiateExposition('application/openmetrics-text;q=0'), 'prometheus');
});

function sample(): Registry {
  const registry = createRegistry();
  const withTrace: Record<string, string> = { trace_id: TRACE };
  const h = exemplarHistogram(registry, { name: 'perfwarden_probe_duration_seconds', help: 'Probe wall time.', labelNames: ['probe', 'target'], buckets: [0.1, 0.5, 1] });
  h.observe({ labels: { probe: 'status', target: 'demo' }, value: 0.042, exemplarLabels: withTrace });
  h.observe({ labels: { probe: 'status', target: 'demo' }, value: 0.3, exemplarLabels: {} });
  new Counter({ name: 'perfwarden_probe_runs_total', help: 'Runs.', labelNames: ['probe', 'outcome', 'reason'], registers: [registry] }).inc({ probe: 'status', outcome: 'success', reason: '' });
  return registry;
}

test('OpenMetrics carries the exemplar; renders never disturb each other', async () => {
  const registry = sample();
  for (let round = 0; round < 2; round++) {
    const om = await renderMetrics(registry, PROMETHEUS_ACCEPT).then((e) => ({ ...e, body: e.body.toString() }));
    assert.equal(om.contentType, CONTENT_TYPES.openmetrics);
    assert.match(om.body, new RegExp(`perfwarden_probe_duration_seconds_bucket\\{le="0\\.1",probe="status",target="demo"\\} 1 # \\{trace_id="${TRACE}"\\} 0\\.042 \\d+(\\.\\d+)?\\n`));
    assert.match(om.body, /# TYPE perfwarden_probe_runs counter\nperfwarden_probe_runs_total\{probe="status",outcome="success",reason=""\} 1\n/);
    assert.ok(om.body.endsWith('# EOF\n'));

    const text = await renderMetrics(registry, 'text/plain').then((e) => ({ ...e, body: e.body.toString() }));
    assert.equal(text.contentType, CONTENT_TYPES.prometheus);
    assert.doesNotMatch(text.body, /trace_id/);
    assert.match(text.body, /# TYPE perfwarden_probe_runs_total counter\nperfwarden_probe_runs_total\{probe="status",outcome="success",reason=""\} 1/);
  }
});

test('promtool check metrics accepts the Prometheus text format (no problems on perfwarden_ metrics)', async () => {
  const { body } = await renderMetrics(sample(), undefined);
  const run = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
  const output = `${run.stdout}${run.stderr}`;
  // Exit 3 = lint findings only (prom-client's own nodejs_* names); 1 = unparsable.
  assert.ok(run.status === 0 || run.status === 3, `promtool exit ${run.status}: ${output}`);
  assert.doesNotMatch(output, /error|perfwarden_/i, output);
});
