import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { MeasureStore } from '../../src/alerts/measure-store.js';
import { parseThreshold } from '../../src/alerts/threshold.js';
import { hasCode } from '../../src/core/errors.js';
import type { ProbeResult } from '../../src/probe/types.js';

const SEED_002 = `
targets:
  - { name: api, url: "http://127.0.0.1:1" }
probes:
  - { name: status, target: api, every: 5s, http: { path: /api/status } }
alerts:
  - { name: api-latency, for: 1m, select: { probes: [status] }, measure: latency.p95, window: 2m, warning: "> 400ms", critical: "> 600ms", clear: "< 350ms" }
  - { name: api-errors, select: { probes: [status] }, measure: error_rate, window: 2m, warning: "> 0.5%", critical: "> 2%" }
  - { name: api-cache, select: { probes: [status] }, measure: cache_hit_ratio, window: 2m, warning: "< 75%", critical: "< 60%" }
  - { name: api-memory, select: { targets: [api] }, measure: memory_ratio, window: 2m, warning: "> 75%", critical: "> 90%" }
  - { name: api-cpu, select: { targets: [api] }, measure: cpu_ratio, window: 2m, warning: "> 80%", critical: "> 95%" }
  - { name: api-leak, select: { targets: [api] }, measure: memory_slope, window: 30m, warning: "> 512KiB/min" }
`;

function result(at: number, seconds: number, ok = true, headers?: Record<string, string>): ProbeResult {
  return { probe: 'status', target: 'api', kind: 'http', url: 'http://x/', ok, startedAt: at, durationSeconds: seconds, phases: {}, ...(headers ? { headers } : {}) };
}

/** Probes that have been running for an hour, past their first window (which alerts ignore). */
function warmUp(store: MeasureStore, now: number, ...probes: string[]): void {
  for (const probe of probes) store.addProbeResult({ ...result(now - 3_600_000, 0.01), probe });
}

function setup() {
  const config = loadConfigText(SEED_002, 'seed.yaml', {});
  const rules = compileRules(config.alerts);
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const evaluator = new AlertEvaluator(rules, store);
  const clock = new FakeClock();
  warmUp(store, clock.now(), 'status');
  /** Feeds a result every 5 s for `ms` with the given latency, evaluating each time. */
  const run = async (ms: number, seconds: number, extra: Partial<ProbeResult> = {}) => {
    const out = [];
    for (let t = 0; t < ms; t += 5000) {
      await clock.advance(5000);
      store.addProbeResult({ ...result(clock.now(), seconds), ...extra });
      out.push(...evaluator.evaluate(clock.now()).filter((x) => x.alert === 'api-latency'));
    }
    return out;
  };
  return { config, rules, store, evaluator, clock, run };
}

test('seed 002 thresholds are expressible as written and decode to base units', () => {
  const { rules } = setup();
  const byName = new Map(rules.map((r) => [r.name, r]));
  assert.deepEqual(byName.get('api-latency')?.warning, { op: '>', value: 0.4, kind: 'duration', text: '> 400ms' });
  assert.equal(byName.get('api-errors')?.warning?.value, 0.005);
  assert.equal(byName.get('api-cache')?.critical?.op, '<');
  assert.equal(byName.get('api-cpu')?.critical?.value, 0.95);
  assert.ok(Math.abs((byName.get('api-leak')?.warning?.value ?? 0) - 524288 / 60) < 1e-6);
  assert.equal(byName.get('api-latency')?.clear.warning?.text, '< 350ms');
  assert.equal(byName.get('api-latency')?.clear.critical?.text, '< 525ms', 'the warning band, scaled to the critical line');
});

test('bad thresholds, units and references are config errors with paths', () => {
  const bad = `
targets: [{ name: api, url: "http://127.0.0.1:1" }]
alerts:
  - { name: a, select: { probes: [nope] }, measure: latency.p95, warning: "> 40%" }
  - { name: b, select: { targets: [api] }, measure: mem_bytes, critical: "about 3" }
`;
  assert.throws(() => loadConfigText(bad, 'bad.yaml', {}), (err: unknown) => {
    assert.ok(hasCode(err, 'PW_ERR_CONFIG_INVALID'));
    const msg = (err as Error).message;
    assert.match(msg, /alerts\[0\]\.select\.probes\[0\]: unknown probe "nope"/);
    assert.match(msg, /alerts\[0\]\.warning: a ratio threshold does not fit measure "latency.p95"/);
    assert.match(msg, /alerts\[1\]\.measure: unknown measure "mem_bytes"/);
    assert.match(msg, /alerts\[1\]\.critical: expected a threshold/);
    return true;
  });
  assert.throws(() => parseThreshold('400ms'), (e: unknown) => hasCode(e, 'PW_ERR_THRESHOLD'));
});

test('warning goes pending, fires after "for", escalates to critical once, resolves once with hysteresis', async () => {
  const { run, evaluator } = setup();
  const slow = await run(50_000, 0.5);
  assert.deepEqual(slow, [], 'pending only before "for" elapses');
  assert.deepEqual(evaluator.gauge().find((g) => g.alert === 'api-latency' && g.severity === 'warning')?.value, 1);
  const fired = await run(15_000, 0.5);
  assert.deepEqual(fired.map((t) => `${t.kind}:${t.severity}`), ['firing:warning']);
  assert.equal(fired[0]?.valueText, '500ms');
  assert.equal(fired[0]?.threshold, '> 400ms');
  // The window is 2 min: p95 crosses 600 ms once enough 700 ms samples are in it, then `for` 1 min.
  const crit = await run(3 * 60_000, 0.7);
  assert.deepEqual(crit.map((t) => `${t.kind}:${t.severity}`), ['escalated:critical']);
  assert.equal(evaluator.gauge().find((g) => g.alert === 'api-latency' && g.severity === 'critical')?.value, 2);
  // 380 ms: below critical (downgrade to warning) but above the 350 ms clear line: still warning.
  const down = await run(3 * 60_000, 0.38);
  assert.deepEqual(down.map((t) => `${t.kind}:${t.severity}`), ['downgraded:warning']);
  const ok = await run(3 * 60_000, 0.1);
  assert.deepEqual(ok.map((t) => `${t.kind}:${t.severity}:${t.from}`), ['resolved:warning:warning']);
  assert.equal(evaluator.gauge().find((g) => g.alert === 'api-latency' && g.severity === 'warning')?.value, 0);
});

test('a jump straight past both lines is one critical notice, not two', async () => {
  const { run } = setup();
  const t = await run(4 * 60_000, 0.9);
  assert.deepEqual(t.map((x) => `${x.kind}:${x.severity}`), ['firing:critical']);
  const r = await run(3 * 60_000, 0.05);
  assert.deepEqual(r.map((x) => `${x.kind}:${x.severity}`), ['resolved:critical']);
});

test('a flapping value around the warning line does not spam (hysteresis)', async () => {
  const { run } = setup();
  await run(3 * 60_000, 0.45);
  const flaps = [];
  for (let i = 0; i < 10; i++) flaps.push(...(await run(20_000, i % 2 === 0 ? 0.39 : 0.41)));
  assert.deepEqual(flaps, []);
});

test('no data neither fires nor resolves; restore keeps a firing alert firing', async () => {
  const { run, evaluator, clock, store, rules } = setup();
  await run(3 * 60_000, 0.5);
  await clock.advance(10 * 60_000);
  assert.deepEqual(evaluator.evaluate(clock.now()).filter((t) => t.alert === 'api-latency'), []);
  const saved = evaluator.states();
  const again = new AlertEvaluator(rules, store);
  again.restore(saved);
  store.addProbeResult(result(clock.now(), 0.5));
  assert.deepEqual(again.evaluate(clock.now()).filter((t) => t.alert === 'api-latency'), []);
  assert.equal(again.states().find((s) => s.key === 'api-latency/status')?.level, 'warning');
});

test('error rate, cache hit ratio from headers and target health measures', async () => {
  const { store, evaluator, clock } = setup();
  for (let i = 0; i < 100; i++) {
    await clock.advance(1000);
    store.addProbeResult(result(clock.now(), 0.01, i % 20 !== 0, { 'x-cache': i % 3 === 0 ? 'MISS' : 'HIT from edge' }));
    store.addHealthSample({ target: 'api', source: 'json', at: clock.now(), ok: true, memoryBytes: 950, memoryLimitBytes: 1000, cpuRatio: 0.85 });
  }
  const t = evaluator.evaluate(clock.now());
  const by = Object.fromEntries(t.map((x) => [x.alert, `${x.kind}:${x.severity}:${x.valueText}`]));
  assert.equal(by['api-errors'], 'firing:critical:5%');
  assert.equal(by['api-cache'], 'firing:warning:66%');
  assert.equal(by['api-memory'], 'firing:critical:95%');
  assert.equal(by['api-cpu'], 'firing:warning:85%');
  assert.equal(by['api-leak'], undefined);
});

test('keepFiringFor holds a firing alert after the value cleared, and a relapse resets the hold', async () => {
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /s } }]
alerts:
  - { name: lat, select: { probes: [status] }, measure: latency.p50, window: 1s, keepFiringFor: 30s, warning: "> 400ms" }
`, 'k.yaml', {});
  const store = new MeasureStore({ retentionMs: 60_000 });
  const ev = new AlertEvaluator(compileRules(config.alerts), store);
  const clock = new FakeClock();
  warmUp(store, clock.now(), 'status');
  const at = async (seconds: number) => {
    await clock.advance(5000);
    store.addProbeResult({ ...result(clock.now(), seconds) });
    return ev.evaluate(clock.now()).map((t) => t.kind);
  };
  assert.deepEqual(await at(0.5), ['firing']);
  for (let i = 0; i < 5; i++) assert.deepEqual(await at(0.1), [], `held at ${i}`);
  assert.deepEqual(await at(0.5), []);
  // Cleared again at T; held through T+25 s, resolved at T+30 s.
  for (let i = 0; i < 6; i++) assert.deepEqual(await at(0.1), [], `held again at ${i}`);
  assert.deepEqual(await at(0.1), ['resolved']);
});

test("a probe's first window is ignored: a start-up burst alone never fires, a full window does", async () => {
  const config = loadConfigText(`
probes: [{ name: status, type: http, every: 5s, http: { url: "http://127.0.0.1:1/" } }]
alerts:
  - { name: lat, select: { probes: [status] }, measure: latency.p95, window: 1m, for: 0s, critical: "> 400ms" }
`, 'w.yaml', {});
  const store = new MeasureStore({ retentionMs: 3_600_000 });
  const ev = new AlertEvaluator(compileRules(config.alerts), store);
  const clock = new FakeClock();
  const kinds: string[] = [];
  // cold start: the first runs are slow, then the service is fast
  for (let i = 0; i < 12; i++) {
    await clock.advance(5000);
    store.addProbeResult(result(clock.now(), i < 3 ? 0.9 : 0.02));
    kinds.push(...ev.evaluate(clock.now()).map((t) => t.kind));
  }
  assert.deepEqual(kinds, [], 'nothing fired during the first minute');
  // a whole window of slow results after it does fire
  const later: string[] = [];
  for (let i = 0; i < 12; i++) {
    await clock.advance(5000);
    store.addProbeResult(result(clock.now(), 0.9));
    later.push(...ev.evaluate(clock.now()).map((t) => t.kind));
  }
  assert.deepEqual(later, ['firing']);
});
