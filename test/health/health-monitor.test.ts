import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import type { Source, SourceReading } from '../../src/health/source.js';
import type { HealthSample } from '../../src/health/types.js';
import type { ResourcesConfig } from '../../src/config/sections/resources.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { MeasureStore } from '../../src/alerts/measure-store.js';

const MB = 1_000_000;
const RESOURCES: ResourcesConfig = { every: 15_000, sources: [], memoryLimit: 512 * MB, cacheFromHeaders: true, leak: { window: 30 * 60_000, minSlopePerMinute: 1024 } };

async function value(registry: Registry, name: string, labels: Record<string, string> = { target: 'api' }): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

test('a leaking target: slope gauge, limit ETA, and a memory_slope alert fires; a failing source is data', async () => {
  const clock = new FakeClock();
  const registry = new Registry();
  let failing = false;
  const start = clock.now();
  // 1 MB/min leak under a 90 s GC sawtooth of 30 MB.
  const leaky: Source = {
    type: 'json',
    read: async (now): Promise<SourceReading> => failing
      ? { ok: false, error: 'HTTP 503' }
      : { ok: true, memoryBytes: 200 * MB + ((((now - start) / 1000) % 90) / 90) * 30 * MB + ((now - start) / 60_000) * MB },
  };
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
alerts:
  - { name: leak, select: { targets: [api] }, measure: memory_slope, window: 1m, for: 5m, warning: "> 512KiB/min" }
  - { name: mem, select: { targets: [api] }, measure: memory_ratio, window: 1m, warning: "> 75%" }
`, 'h.yaml', {});
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const evaluator = new AlertEvaluator(compileRules(config.alerts), store);
  const samples: HealthSample[] = [];
  const monitor = new HealthMonitor({
    clock, registry, targets: [{ name: 'api', resources: RESOURCES, sources: [leaky] }],
    onSample: (s) => { samples.push(s); store.addHealthSample(s); },
  });
  monitor.start();
  const fired: string[] = [];
  for (let i = 0; i < 40 * 4; i++) {
    await clock.advance(15_000);
    fired.push(...evaluator.evaluate(clock.now()).map((t) => `${t.alert}:${t.kind}`));
  }
  assert.equal(monitor.assessment('api')?.verdict, 'leak');
  const slope = await value(registry, 'perfwarden_target_memory_slope_bytes_per_second');
  assert.ok(slope !== undefined && Math.abs(slope - MB / 60) < 0.3 * (MB / 60), `slope ${slope}`);
  const eta = await value(registry, 'perfwarden_target_memory_limit_eta_seconds');
  assert.ok(eta !== undefined && eta > 3 * 3600 && eta < 6 * 3600, `eta ${eta}`);
  assert.equal(await value(registry, 'perfwarden_target_memory_limit_bytes'), 512 * MB);
  assert.deepEqual(fired, ['leak:firing']);

  failing = true;
  await clock.advance(15_000);
  assert.equal(samples[samples.length - 1]?.ok, false);
  assert.equal(samples[samples.length - 1]?.error, 'HTTP 503');
  assert.equal(await value(registry, 'perfwarden_target_source_up', { target: 'api', source: 'json' }), 0);
  await monitor.stop();
  const pending = clock.pending();
  await clock.advance(60_000);
  assert.equal(samples.filter((s) => s.at > clock.now() - 30_000).length, 0, `stopped (timers left ${pending})`);
});

test('cache hit ratio from probe response headers when no source reports a cache', async () => {
  const registry = new Registry();
  const monitor = new HealthMonitor({ clock: new FakeClock(), registry, targets: [{ name: 'api', resources: RESOURCES, sources: [] }] });
  for (let i = 0; i < 100; i++) {
    monitor.observeProbe({ probe: 'p', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: i, durationSeconds: 0.01, phases: {}, headers: { 'cf-cache-status': i % 4 === 0 ? 'MISS' : 'HIT' } });
  }
  monitor.observeProbe({ probe: 'p', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: 0, durationSeconds: 0.01, phases: {} });
  assert.equal(await value(registry, 'perfwarden_cache_hit_ratio'), 0.75);
});

test('load progress ticks feed error rate and p95 of selected loads', () => {
  const config = loadConfigText(`
loads: [{ name: smoke, url: "http://127.0.0.1:1", executor: constant-vus, vus: 1, duration: 10s, scenarios: [{ name: s, requests: [{ path: / }] }] }]
alerts:
  - { name: smoke-p95, select: { loads: [smoke] }, measure: latency.p95, window: 1m, warning: "> 200ms" }
  - { name: smoke-errors, select: { loads: [smoke] }, measure: error_rate, window: 1m, critical: "> 1%" }
`, 'l.yaml', {});
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const ev = new AlertEvaluator(compileRules(config.alerts), store);
  const t0 = Date.UTC(2026, 0, 1);
  store.addLoadProgress({ runId: 'r1', name: 'smoke', phase: 'warmup', requests: 50, errors: 50, p95Ms: 900 }, t0);
  for (let s = 1; s <= 10; s++) store.addLoadProgress({ runId: 'r1', name: 'smoke', phase: 'run', requests: 50 + s * 100, errors: 50 + s * 2, p95Ms: 250 }, t0 + s * 1000);
  const t = ev.evaluate(t0 + 10_000).map((x) => `${x.alert}:${x.severity}:${x.valueText}`).sort();
  assert.deepEqual(t, ['smoke-errors:critical:2%', 'smoke-p95:warning:250ms']);
});

test('cache counters: hits/lookups totals grow by the sources\' deltas, so increase() ratios equal the alert measure', async () => {
  const clock = new FakeClock();
  const registry = new Registry();
  let hits = 1000;
  let misses = 500;
  const steps: [number, number][] = [[90, 10], [50, 50], [0, 0], [30, 70]];
  let i = 0;
  const src: Source = { type: 'redis', read: async () => {
    const [h, m] = steps[i++ % steps.length] ?? [0, 0];
    hits += h;
    misses += m;
    return { ok: true, cacheHits: hits, cacheMisses: misses };
  } };
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const monitor = new HealthMonitor({ clock, registry, targets: [{ name: 'api', resources: RESOURCES, sources: [src] }], onSample: (s) => store.addHealthSample(s) });
  await monitor.sampleAll(); // the first reading is a base, not lookups
  assert.equal(await value(registry, 'perfwarden_cache_lookups_total'), 0);
  for (let k = 0; k < 4; k++) {
    await clock.advance(15_000);
    await monitor.sampleAll();
  }
  assert.equal(await value(registry, 'perfwarden_cache_hits_total'), 170);
  assert.equal(await value(registry, 'perfwarden_cache_lookups_total'), 300);
  const m = store.measure({ kind: 'cache_hit_ratio', text: 'cache_hit_ratio' }, 'targets', 'api', 600_000, clock.now());
  assert.deepEqual(m, { value: 170 / 300, samples: 300 });
  assert.equal(await value(registry, 'perfwarden_cache_hit_ratio'), 0.9, 'the gauge stays: the ratio of the last delta');
});
