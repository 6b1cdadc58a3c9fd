/**
 * `GET /api/targets` and `perfwarden health --url` against a real target: a status endpoint whose
 * memory leaks 6 MiB/min under a GC sawtooth (on the test's fake clock), and a real redis-server
 * whose keyspace hits and misses the test drives (90 % hits). The answer must match the truth.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiModule } from '../../src/api/api-module.js';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../../src/core/clock.js';
import { HealthMonitor } from '../../src/health/health-monitor.js';
import type { TargetHealthView } from '../../src/health/target-health-view.js';
import { captureIo } from '../helpers/capture-io.js';
import { startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { harness, TOKEN } from './harness.js';
import type { Harness } from './harness.js';

const MiB = 1_048_576;
const clock = new FakeClock();
const start = clock.now();
/** 16 MiB teeth every 61.3 s plus 6 MiB/min, as a function of the fake clock. */
const memory = (now: number) => {
  const s = (now - start) / 1000;
  return 200 * MiB + ((s % 61.3) / 61.3) * 16 * MiB + (6 * MiB * s) / 60;
};

let target: Server;
let redis: RedisServer;
let h: Harness;
let monitor: HealthMonitor;

before(async () => {
  target = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ memory: { rss: memory(clock.now()) } }));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  redis = await startRedis();
  h = await harness({
    yaml: `
api: { token: "${TOKEN}" }
targets:
  - name: api
    url: ${url}
    resources:
      every: 5s
      leak: { window: 10m }
      sources:
        - { type: json, path: /status, memory: $.memory.rss }
        - { type: redis, url: "${redis.url}" }
  - { name: web, url: "http://127.0.0.1:9" }
`,
    modules: [createApiModule()],
  });
  const api = h.ctx.config.targets[0]!;
  monitor = new HealthMonitor({ clock, targets: [{ name: 'api', baseUrl: url, resources: api.resources! }] });
  h.ctx.services.set('health', monitor);
});

after(async () => {
  await monitor.stop();
  await h.close();
  await redis.stop();
  target.closeAllConnections();
  await new Promise<void>((resolve) => target.close(() => resolve()));
});

test('GET /api/targets: memory, leak verdict and slope, GC cycles and the Redis hit ratio match the truth; perfwarden health --url says the same', { timeout: 60_000 }, async () => {
  await redis.client.set('hot', 'v');
  let hits = 0;
  let lookups = 0;
  // Twelve minutes of 5 s samples; between two samples 9 hits and 1 miss.
  for (let i = 0; i <= 12 * 12; i++) {
    await monitor.sampleAll();
    for (let k = 0; k < 10; k++) {
      const got = await redis.client.get(k === 9 ? `cold:${i}` : 'hot');
      lookups++;
      if (got !== null) hits++;
    }
    await clock.advance(5_000);
  }
  await monitor.sampleAll();
  const res = await h.app.inject({ url: '/api/targets' });
  assert.equal(res.statusCode, 200);
  const { targets } = res.json() as { targets: TargetHealthView[] };
  assert.deepEqual(targets.map((t) => [t.target, t.watched]), [['api', true], ['web', false]]);
  const api = targets[0]!;
  assert.ok(Math.abs(api.memoryBytes! - memory(clock.now())) < 1, 'memory is the last reading');
  assert.equal(api.cacheSource, 'redis');
  assert.equal(hits / lookups, 0.9);
  assert.ok(Math.abs(api.cacheHitRatio! - 0.9) < 1e-9, `cache ${api.cacheHitRatio}`);
  const leak = api.leak!;
  assert.equal(leak.verdict, 'leak');
  assert.equal(leak.windowFull, true);
  assert.equal(leak.windowSeconds, 600);
  assert.ok(leak.gcCycles >= 9 && leak.gcCycles <= 10, `gc cycles ${leak.gcCycles}`);
  const perMin = (leak.slopeBytesPerSecond * 60) / MiB;
  assert.ok(Math.abs(perMin - 6) <= 0.6, `slope ${perMin} MiB/min`);
  assert.ok(leak.confidenceInterval[0] > 0 && leak.confidenceInterval[0] <= leak.slopeBytesPerSecond && leak.confidenceInterval[1] >= leak.slopeBytesPerSecond);
  assert.ok(leak.confidence >= 0.99);

  const server = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const io = captureIo();
  await runCli(['health', '--url', server, '--target', 'api'], io);
  assert.equal(io.code, 99, 'a leak fails like a gate');
  assert.match(io.stdout, /leak +leak — slope (5\.[5-9]|6\.[0-5])\d MiB\/min \[/);
  assert.match(io.stdout, /cache +90\.0 % hits \(redis\)/);
  const json = captureIo();
  await runCli(['health', '--url', server, '--json'], json);
  assert.deepEqual(JSON.parse(json.stdout), { targets });
  const unknown = captureIo();
  await runCli(['health', '--url', server, '--target', 'nope'], unknown);
  assert.equal(unknown.code, 2);
});
