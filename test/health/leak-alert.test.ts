/**
 * The memory-leak alert follows the leak detector's verdict, not the raw slope: a step or a flat
 * GC sawtooth has a fitted slope (a 100 MB step fits ~4 MiB/min) but must not fire `memory-leak`
 * nor read above the dashboard's line, while a steady 1 MB/min climb must fire — judged first on a
 * full window, at the right value. The exported gauges say the same thing Prometheus reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import type { Source } from '../../src/health/source.js';
import type { ResourcesConfig } from '../../src/config/sections/resources.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { MeasureStore } from '../../src/alerts/measure-store.js';

const MB = 1_000_000;
const RESOURCES: ResourcesConfig = { every: 15_000, sources: [], cacheFromHeaders: true, leak: { window: 30 * 60_000, minSlopePerMinute: 1024 } };
// The shipped rule (config/default.yaml), with a shorter `for` to keep the test short.
const CONFIG = `
targets: [{ name: api, url: "http://127.0.0.1:1" }]
alerts:
  - { name: memory-leak, select: { targets: [api] }, measure: memory_slope, window: 30m, for: 5m, warning: "> 256KiB/min", critical: "> 2MiB/min" }
`;

async function gauge(registry: Registry, name: string): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.target === 'api')?.value;
}

/** Runs `minutes` of 15 s samples of `memory(secondsSinceStart)` through monitor, store and evaluator. */
async function run(memory: (s: number) => number, minutes: number) {
  const clock = new FakeClock();
  const registry = new Registry();
  const start = clock.now();
  const source: Source = { type: 'json', read: async (now) => ({ ok: true, memoryBytes: memory((now - start) / 1000) }) };
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const evaluator = new AlertEvaluator(compileRules(loadConfigText(CONFIG, 'leak.yaml', {}).alerts), store);
  const monitor = new HealthMonitor({ clock, registry, targets: [{ name: 'api', resources: RESOURCES, sources: [source] }], onSample: (s) => store.addHealthSample(s) });
  const fired: string[] = [];
  const early: (number | undefined)[] = [];
  let firstSlope: { at: number; value: number } | undefined;
  monitor.start();
  for (let i = 0; i < minutes * 4; i++) {
    await clock.advance(15_000);
    if (i === 4) early.push(await gauge(registry, 'perfwarden_target_memory_slope_bytes_per_second'), await gauge(registry, 'perfwarden_target_memory_leak_confidence'));
    fired.push(...evaluator.evaluate(clock.now()).map((t) => `${t.kind}:${t.severity}`));
    const slope = await gauge(registry, 'perfwarden_target_memory_slope_bytes_per_second');
    if (slope !== undefined && slope > 0) firstSlope ??= { at: clock.now() - start, value: slope };
  }
  const result = {
    fired, early, firstSlope,
    verdict: monitor.assessment('api')?.verdict,
    slope: await gauge(registry, 'perfwarden_target_memory_slope_bytes_per_second'),
    confidence: await gauge(registry, 'perfwarden_target_memory_leak_confidence'),
  };
  await monitor.stop();
  return result;
}

const sawtooth = (s: number, amplitude: number, period = 90) => ((s % period) / period) * amplitude;

test('a 100 MB step under a 20 MB sawtooth is no leak: slope and confidence gauges 0, memory-leak does not fire', async () => {
  const r = await run((s) => 300 * MB + sawtooth(s, 20 * MB) + (s >= 45 * 60 ? 100 * MB : 0), 60);
  assert.equal(r.verdict, 'no_leak');
  assert.equal(r.slope, 0);
  assert.equal(r.confidence, 0);
  assert.deepEqual(r.fired, []);
});

test('a flat sawtooth never fires memory-leak; nothing is exported while data is insufficient', async () => {
  const r = await run((s) => 300 * MB + sawtooth(s, 20 * MB), 50);
  assert.equal(r.verdict, 'no_leak');
  assert.deepEqual(r.early, [undefined, undefined], 'no slope or confidence after a minute');
  assert.equal(r.slope, 0, 'the slope gauge of a flat sawtooth reads 0, under any dashboard line');
  assert.equal(r.confidence, 0);
  assert.equal(r.firstSlope, undefined);
  assert.deepEqual(r.fired, []);
});

test('a steady 1 MB/min climb under the sawtooth fires memory-leak (warning) with confidence >= 0.99', async () => {
  const r = await run((s) => 300 * MB + sawtooth(s, 20 * MB) + (s / 60) * MB, 50);
  assert.equal(r.verdict, 'leak');
  assert.ok(r.confidence !== undefined && r.confidence >= 0.99, `confidence ${r.confidence}`);
  assert.deepEqual(r.fired, ['firing:warning']);
  // The first value is judged on a full 30-minute window (samples 15 s apart cover it from 29:45 on), within ±10 % of the truth.
  assert.ok(r.firstSlope !== undefined && r.firstSlope.at >= 30 * 60_000 - 15_000, `first slope at ${r.firstSlope?.at}`);
  assert.ok(Math.abs(r.firstSlope.value - MB / 60) <= 0.1 * (MB / 60), `first slope ${r.firstSlope.value}`);
});
