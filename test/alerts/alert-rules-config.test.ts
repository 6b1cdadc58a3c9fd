/**
 * Rule semantics that must match what a user configures and what `perfwarden rules` generates:
 * per-severity hysteresis, impossible alerts caught by validate, load latency from histograms
 * (any quantile, as histogram_quantile computes it), and regression as an alert measure.
 */
import { WindowFeed } from '../helpers/load-window.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { histogramQuantile, MeasureStore } from '../../src/alerts/measure-store.js';
import { readLoadHistogram } from '../../src/alerts/load-histogram.js';
import { generatePrometheusRules } from '../../src/alerts/prometheus-rules.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import { hasCode } from '../../src/core/errors.js';

const BASE = `
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /api/status } }]
loads: [{ name: smoke, target: api, executor: constant-vus, vus: 1, duration: 10s, scenarios: [{ name: s, requests: [{ path: / }] }] }]
`;

function rulesOf(alerts: string) {
  return loadConfigText(`${BASE}alerts:\n${alerts}`, 'a.yaml', {}).alerts;
}

test('a recovering critical keeps its own clear band: hovering around 600 ms sends no DOWNGRADED', async () => {
  const config = rulesOf('  - { name: lat, select: { probes: [status] }, measure: latency.p95, window: 30s, warning: "> 400ms", critical: "> 600ms", clear: "< 350ms" }');
  const rules = compileRules(config);
  assert.equal(rules[0]?.clear.critical?.text, '< 525ms');
  const store = new MeasureStore({ retentionMs: 600_000 });
  const ev = new AlertEvaluator(rules, store);
  const clock = new FakeClock();
  const kinds: string[] = [];
  const feed = async (seconds: number, n: number) => {
    for (let i = 0; i < n; i++) {
      await clock.advance(5000);
      store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: seconds, phases: {} });
      kinds.push(...ev.evaluate(clock.now()).map((t) => `${t.kind}:${t.severity}`));
    }
  };
  await feed(0.7, 12);
  for (let i = 0; i < 4; i++) {
    await feed(0.58, 6);
    await feed(0.62, 6);
  }
  assert.deepEqual(kinds, ['firing:critical']);
  await feed(0.3, 12);
  assert.equal(kinds.at(-1)?.startsWith('resolved:'), true, kinds.join());
  assert.equal(kinds.filter((k) => k.startsWith('escalated')).length, 0, 'no flapping back up on the way down');
  // Explicit per-severity form.
  const explicit = compileRules(rulesOf('  - { name: lat, select: { probes: [status] }, measure: latency.p95, warning: "> 400ms", critical: "> 600ms", clear: { warning: "< 350ms", critical: "< 550ms" } }'));
  assert.equal(explicit[0]?.clear.critical?.text, '< 550ms');
  // And the generated rule holds the critical between 550 and 600 ms.
  const gen = generatePrometheusRules(rulesOf('  - { name: lat, select: { probes: [status] }, measure: latency.p95, warning: "> 400ms", critical: "> 600ms", clear: "< 350ms" }'));
  const crit = gen.groups[0]?.rules.find((r) => r.labels.severity === 'critical');
  assert.match(crit?.expr ?? '', />= 0\.525\n\s+and on \(probe\) ALERTS\{alertname="lat",severity="critical",alertstate="firing"\}/);
});

test('validate rejects impossible alerts with file:line', () => {
  const bad = `${BASE}alerts:
  - { name: a, select: { probes: [status] }, measure: memory_ratio, warning: "> 75%" }
  - { name: b, select: { probes: [status] }, measure: cpu_ratio, warning: "> 80%" }
  - { name: c, select: { loads: [nope] }, measure: error_rate, warning: "> 1%" }
  - { name: d, select: { targets: [ghost] }, measure: memory_bytes, warning: "> 1GiB" }
  - { name: e, select: { probes: [status] }, measure: latency.p95, warning: "> 400ms", clear: "< 450ms" }
  - { name: f, select: { targets: [api] }, measure: cache_hit_ratio, warning: "< 75%", critical: "< 60%", clear: { critical: "< 65%" } }
  - { name: g, select: { probes: [status] }, measure: regression, warning: "> 0" }
`;
  assert.throws(() => loadConfigText(bad, 'bad.yaml', {}), (err: unknown) => {
    assert.ok(hasCode(err, 'PW_ERR_CONFIG_INVALID'));
    const msg = (err as Error).message;
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[0\]\.select\.probes: measure "memory_ratio" cannot be computed for probes/);
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[1\]\.select\.probes: measure "cpu_ratio" cannot be computed for probes/);
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[2\]\.select\.loads\[0\]: unknown load "nope"/);
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[3\]\.select\.targets\[0\]: unknown target "ghost"/);
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[4\]\.clear: clear "< 450ms" is not on the good side of warning "> 400ms"/);
    assert.match(msg, /bad\.yaml:\d+:\d+ alerts\[5\]\.clear\.critical: clear "< 65%" is not on the good side of critical "< 60%"/);
    assert.match(msg, /alerts\[6\]\.select\.probes: measure "regression" cannot be computed for probes/);
    return true;
  });
});

test('load latency.pXX comes from the load histogram, as histogram_quantile computes it', async () => {
  const registry = new Registry();
  const bound = new LoadMetrics(registry).bind('smoke', ['a', 'b']);
  const store = new MeasureStore({ retentionMs: 600_000 });
  const ev = new AlertEvaluator(compileRules(rulesOf(`
  - { name: p99, select: { loads: [smoke] }, measure: latency.p99, window: 1m, warning: "> 400ms" }
  - { name: p50, select: { loads: [smoke] }, measure: latency.p50, window: 1m, warning: "> 400ms" }
`)), store);
  const t0 = Date.UTC(2026, 0, 1);
  // An old run outside the window: it must not count.
  const feed = new WindowFeed(bound, 2);
  for (let i = 0; i < 100; i++) feed.observe(0, 3, '2xx');
  feed.flush();
  store.addLoadHistogram('smoke', { at: t0, buckets: (await readLoadHistogram(registry, 'smoke')) ?? [] });
  // This run: 90 fast (10 ms … 25 ms bucket), 10 slow in (0.5, 1] on two endpoints.
  for (let i = 0; i < 90; i++) feed.observe(i % 2, 0.02, '2xx');
  for (let i = 0; i < 10; i++) feed.observe(1, 0.8, '2xx');
  feed.flush();
  const now = t0 + 120_000;
  store.addLoadHistogram('smoke', { at: now, buckets: (await readLoadHistogram(registry, 'smoke')) ?? [] });
  const p99 = store.measure({ kind: 'latency', quantile: 0.99, text: 'latency.p99' }, 'loads', 'smoke', 60_000, now);
  // rank 99 of 100: 9 of the 10 in (0.5, 1] → 0.5 + 0.5 × 9/10.
  assert.ok(p99 !== undefined && Math.abs(p99.value - 0.95) < 1e-9, `p99 ${p99?.value}`);
  assert.equal(p99.samples, 100);
  const p50 = store.measure({ kind: 'latency', quantile: 0.5, text: 'latency.p50' }, 'loads', 'smoke', 60_000, now);
  assert.ok(p50 !== undefined && Math.abs(p50.value - (0.01 + 0.015 * (50 / 90))) < 1e-9, `p50 ${p50?.value}`);
  assert.deepEqual(ev.evaluate(now).map((t) => `${t.alert}:${t.valueText}`), ['p99:950ms']);
  assert.equal(histogramQuantile(0.999, [{ le: 1, count: 1 }, { le: Number.POSITIVE_INFINITY, count: 1000 }]), 1, 'the +Inf bucket answers the highest bound');
});

test('regression is an alert measure of loads, mapped to perfwarden_load_regression', () => {
  const alerts = rulesOf('  - { name: smoke-regressed, select: { loads: [smoke] }, measure: regression, warning: "> 0" }');
  const store = new MeasureStore({ retentionMs: 600_000 });
  const ev = new AlertEvaluator(compileRules(alerts), store);
  const t0 = Date.UTC(2026, 0, 1);
  assert.deepEqual(ev.evaluate(t0), []);
  store.setLoadRegression('smoke', undefined);
  assert.deepEqual(ev.evaluate(t0 + 1000), [], 'no baseline: no data');
  store.setLoadRegression('smoke', true);
  assert.deepEqual(ev.evaluate(t0 + 3_600_000).map((t) => `${t.kind}:${t.valueText}`), ['firing:regressed']);
  store.setLoadRegression('smoke', false);
  assert.deepEqual(ev.evaluate(t0 + 7_200_000).map((t) => t.kind), ['resolved']);
  const gen = generatePrometheusRules(alerts);
  assert.equal(gen.groups[0]?.rules[0]?.expr, '(max by (run) (perfwarden_load_regression{run="smoke"})) > 0');
});

test('a failing resource source is alertable (source_up), and check_rate fires on zero checks', () => {
  const alerts = rulesOf(`
  - { name: sources, select: { targets: [api] }, measure: source_up, window: 1m, critical: "< 1" }
  - { name: checks, select: { probes: [status] }, measure: check_rate, window: 1m, warning: "< 1" }
`);
  const store = new MeasureStore({ retentionMs: 600_000 });
  const ev = new AlertEvaluator(compileRules(alerts), store);
  const t0 = Date.UTC(2026, 0, 1);
  store.addHealthSample({ target: 'api', source: 'prometheus', at: t0, ok: true, memoryBytes: 1 });
  store.addHealthSample({ target: 'api', source: 'redis', at: t0, ok: true });
  store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: t0, durationSeconds: 0.01, phases: {} });
  store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: t0 + 1, durationSeconds: 0.01, phases: {} });
  assert.deepEqual(ev.evaluate(t0 + 1000), []);
  store.addHealthSample({ target: 'api', source: 'redis', at: t0 + 15_000, ok: false, error: 'ECONNREFUSED' });
  // The probes stopped: no result in the last minute is a check rate of 0, not "no data".
  const fired = ev.evaluate(t0 + 61_000).map((t) => `${t.alert}:${t.kind}:${t.severity}:${t.valueText}`).sort();
  assert.deepEqual(fired, ['checks:firing:warning:0/min', 'sources:firing:critical:a source is down']);
  const gen = generatePrometheusRules(alerts);
  assert.equal(gen.groups[0]?.rules[0]?.expr, '(min by (target) (perfwarden_target_source_up{target="api"})) < 1');
});
