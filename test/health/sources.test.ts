import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { cacheOutcome } from '../../src/health/cache-headers.js';
import { createJsonSource } from '../../src/health/json-source.js';
import { createProcessSource, cpuSecondsFromStat } from '../../src/health/process-source.js';
import { createPrometheusSource } from '../../src/health/prometheus-source.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import type { HealthSample } from '../../src/health/types.js';
import { startRedis } from '../helpers/redis-server.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function serve(handler: (url: string) => { status?: number; body: string }): Promise<string> {
  const server = createServer((req, res) => {
    const r = handler(req.url ?? '/');
    res.statusCode = r.status ?? 200;
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gauge(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

test('cache verdicts from X-Cache, CF-Cache-Status, X-Cache-Status and Age', () => {
  assert.equal(cacheOutcome({ 'x-cache': 'HIT from cloudfront' }), 'hit');
  assert.equal(cacheOutcome({ 'x-cache': 'MISS, HIT' }), 'miss');
  assert.equal(cacheOutcome({ 'cf-cache-status': 'EXPIRED' }), 'miss');
  assert.equal(cacheOutcome({ 'cf-cache-status': 'REVALIDATED' }), 'hit');
  assert.equal(cacheOutcome({ 'cf-cache-status': 'DYNAMIC' }), undefined);
  assert.equal(cacheOutcome({ 'x-cache-status': 'BYPASS' }), 'miss');
  assert.equal(cacheOutcome({ age: '12' }), 'hit');
  assert.equal(cacheOutcome({ age: '0' }), 'miss');
  assert.equal(cacheOutcome({ 'content-type': 'text/plain' }), undefined);
});

test('prometheus source: real parser, memory, CPU seconds → utilisation, hit/miss counters', async () => {
  let cpu = 10;
  const base = await serve(() => ({ body: [
    '# HELP process_resident_memory_bytes Resident memory.', '# TYPE process_resident_memory_bytes gauge', 'process_resident_memory_bytes 1.5e+08',
    '# TYPE process_cpu_seconds_total counter', `process_cpu_seconds_total ${cpu}`,
    '# TYPE app_cache_hits_total counter', 'app_cache_hits_total{shard="a"} 60', 'app_cache_hits_total{shard="b"} 30',
    '# TYPE app_cache_misses_total counter', 'app_cache_misses_total 10', '',
  ].join('\n') }));
  const src = createPrometheusSource({ type: 'prometheus', url: `${base}/metrics`, memoryMetric: 'process_resident_memory_bytes', cpuMetric: 'process_cpu_seconds_total', cacheHitsMetric: 'app_cache_hits', cacheMissesMetric: 'app_cache_misses_total', timeout: 5000 });
  const first = await src.read(1_000_000);
  assert.deepEqual(first, { ok: true, memoryBytes: 150_000_000, cacheHits: 90, cacheMisses: 10 });
  cpu = 13; // 3 CPU-seconds in 10 s
  const second = await src.read(1_010_000);
  assert.ok(Math.abs((second.cpuRatio ?? 0) - 0.3) < 1e-9, JSON.stringify(second));
  const down = createPrometheusSource({ type: 'prometheus', url: `${base.replace(/:\d+$/, `:${await freePort()}`)}/metrics`, memoryMetric: 'm', cpuMetric: 'c', timeout: 2000 });
  const failed = await down.read(0);
  assert.equal(failed.ok, false);
});

test('json source reads paths; a missing field is a failed read, not an exception', async () => {
  let body = { memory: { rss: 123456, limit: 1_000_000 }, cache: { hitRate: '0.8' } };
  const base = await serve(() => ({ body: JSON.stringify(body) }));
  const src = createJsonSource({ type: 'json', url: `${base}/api/status`, memory: '$.memory.rss', memoryLimit: '$.memory.limit', cacheHitRatio: '$.cache.hitRate', timeout: 5000 });
  assert.deepEqual(await src.read(0), { ok: true, memoryBytes: 123456, memoryLimitBytes: 1_000_000, cacheHitRatio: 0.8 });
  body = { memory: { rss: 1, limit: 2 }, cache: {} } as unknown as typeof body;
  const r = await src.read(0);
  assert.equal(r.ok, false);
  assert.match(r.error ?? '', /\$\.cache\.hitRate is missing/);
});

test('process source reads /proc of a live process; a stale pid file is a failed read', async () => {
  const src = createProcessSource({ type: 'process', pid: process.pid });
  const r = await src.read(Date.now());
  assert.equal(r.ok, true);
  assert.ok((r.memoryBytes ?? 0) > 10 * 1024 * 1024, `rss ${r.memoryBytes}`);
  assert.equal(cpuSecondsFromStat('42 (my (odd) proc) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0'), 3);
  const gone = await createProcessSource({ type: 'process', pidFile: '/nonexistent/app.pid' }).read(0);
  assert.equal(gone.ok, false);
});

test('redis source against a real redis-server: a Zipf cache workload hit ratio matches what the clients saw', { timeout: 60_000 }, async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const { client, port } = redis;

  const clock = new FakeClock();
  const registry = new Registry();
  const samples: HealthSample[] = [];
  const monitor = new HealthMonitor({
    clock, registry, onSample: (s) => samples.push(s),
    targets: [{ name: 'cache', resources: { every: 15_000, sources: [{ type: 'redis', url: `redis://127.0.0.1:${port}`, timeout: 5000 }], cacheFromHeaders: true, leak: { window: 1_800_000, minSlopePerMinute: 1024 } } }],
  });
  cleanups.push(() => monitor.stop());
  await monitor.sampleAll();

  // Cache-aside over 20 000 keys with Zipf(s = 1) popularity; 2 KiB values overflow the 4 MB cache.
  const keys = 20_000;
  const weights = Array.from({ length: keys }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  weights.reduce((acc, w, i) => (cdf[i] = acc + w / total), 0);
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = () => {
    const u = rand();
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const value = 'x'.repeat(2048);
  let hits = 0;
  let misses = 0;
  for (let batch = 0; batch < 40; batch++) {
    const ks = Array.from({ length: 100 }, pick);
    const got = await client.mget(...ks.map((k) => `k:${k}`));
    const pipe = client.pipeline();
    got.forEach((v, i) => {
      if (v === null) {
        misses++;
        pipe.set(`k:${ks[i]}`, value);
      } else hits++;
    });
    await pipe.exec();
  }
  await clock.advance(15_000);
  await monitor.sampleAll();

  const seen = hits / (hits + misses);
  const ratio = await gauge(registry, 'perfwarden_cache_hit_ratio', { target: 'cache' });
  assert.ok(ratio !== undefined && Math.abs(ratio - seen) < 1e-9, `gauge ${ratio} vs clients ${seen}`);
  // Zipf(1) over 20 000 keys with roughly 1 500 keys cached: neither all hits nor all misses.
  assert.ok(seen > 0.3 && seen < 0.95, `hit ratio ${seen}`);
  const last = samples[samples.length - 1];
  assert.equal(last?.ok, true);
  assert.equal(last?.memoryLimitBytes, 4 * 1024 * 1024);
  assert.ok((await gauge(registry, 'perfwarden_target_memory_bytes', { target: 'cache' }) ?? 0) > 1_000_000);
  assert.equal(await gauge(registry, 'perfwarden_target_source_up', { target: 'cache', source: 'redis' }), 1);

  // Redis goes away: a failed sample and source_up 0, no exception.
  await redis.stop('SIGKILL');
  await clock.advance(15_000);
  await monitor.sampleAll();
  assert.equal(samples[samples.length - 1]?.ok, false);
  assert.equal(await gauge(registry, 'perfwarden_target_source_up', { target: 'cache', source: 'redis' }), 0);
});
