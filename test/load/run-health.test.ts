/**
 * Runs see the target: a target whose memory grows at a known rate under a GC-like sawtooth is
 * judged a leak by the run, with the slope near the truth, and fails `leak: none`; a flat one
 * passes; the cache hit ratio from a real Redis' INFO deltas gates `cache_hit_ratio>85%`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLoad } from '../../src/load/driver.js';
import { runHealthConfig } from '../../src/load/target/run-health-config.js';
import { renderHtml, renderMarkdown } from '../../src/report/index.js';
import { formatSummary } from '../../src/cli/load-command.js';
import { startRedis } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';
import { loadConfig, oneRequest } from './load-fixtures.js';
import { startHttp } from './targets.js';

const MIB = 1024 * 1024;

/** A target exposing process_resident_memory_bytes: base + slope·t + a 1 s GC sawtooth of 3 MiB. */
async function memoryTarget(slopeBytesPerSecond: number) {
  const t0 = Date.now();
  return startHttp((req, res) => {
    if (req.url === '/metrics') {
      const t = (Date.now() - t0) / 1000;
      const bytes = 200 * MIB + slopeBytesPerSecond * t + 3 * MIB * (t % 1);
      res.end(`# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ${Math.round(bytes)}\n`);
      return;
    }
    res.end('ok');
  });
}

let redis: RedisServer;
before(async () => {
  redis = await startRedis();
  await redis.client.set('hot', '1');
});
after(() => redis.stop());

test('a leaking target: verdict leak, slope near the truth, leak: none fails; a flat one passes', { timeout: 90_000 }, async () => {
  for (const [slope, leaking] of [[30 * MIB / 60, true], [0, false]] as const) {
    const target = await memoryTarget(slope);
    try {
      const load = loadConfig({ name: 'endurance', url: target.url, vus: 2, duration: '8s', thinkTime: '50ms', scenarios: oneRequest('/'), thresholds: { leak: 'none' }, health: { every: '200ms', sources: [{ type: 'prometheus', path: '/metrics' }] } });
      const health = runHealthConfig(load.health, undefined, target.url);
      const r = await startLoad(load, { url: target.url }, { workers: 1, ...(health === undefined ? {} : { health }) }).done;
      const h = r.health;
      assert.ok(h?.leak !== null && h?.leak !== undefined, 'a leak section');
      assert.ok((h.memory?.series.length ?? 0) > 20, `memory points ${h.memory?.series.length}`);
      if (leaking) {
        assert.equal(h.leak.verdict, 'leak');
        assert.ok(Math.abs(h.leak.slopeBytesPerSecond - slope) / slope < 0.25, `slope ${(h.leak.slopeBytesPerSecond * 60 / MIB).toFixed(1)} MiB/min, truth 30`);
        assert.equal(r.verdict, 'fail');
        assert.equal(r.thresholds.find((t) => t.name === 'leak')?.ok, false);
        assert.match(formatSummary(r), /memory trend: LEAK \+/);
        assert.match(renderMarkdown(r), /— ❌ FAIL · memory: LEAK/);
        assert.match(renderHtml(r), /Target memory \(LEAK/);
      } else {
        assert.notEqual(h.leak.verdict, 'leak');
        assert.equal(r.verdict, 'pass', JSON.stringify(h.leak));
      }
    } finally {
      await target.close();
    }
  }
});

test('cache_hit_ratio>85% fails on a 79 % workload and passes on a 90 % one (Redis INFO deltas)', { timeout: 60_000 }, async () => {
  for (const [hitPercent, passes] of [[79, false], [90, true]] as const) {
    let n = 0;
    const target = await startHttp((_req, res) => {
      const hit = n++ % 100 < hitPercent;
      void redis.client.get(hit ? 'hot' : `missing-${n}`).then(() => res.end('ok'));
    });
    try {
      const load = loadConfig({ name: 'cache', url: target.url, executor: 'shared-iterations', vus: 4, iterations: 1000, scenarios: oneRequest('/'), thresholds: { cache_hit_ratio: '>85%' }, health: { every: '250ms', sources: [{ type: 'redis', url: redis.url }] } });
      const health = runHealthConfig(load.health, undefined, target.url);
      const r = await startLoad(load, { url: target.url }, { workers: 2, ...(health === undefined ? {} : { health }) }).done;
      const ratio = r.health?.cache?.hitRatio ?? Number.NaN;
      assert.ok(Math.abs(ratio - hitPercent / 100) < 0.02, `hit ratio ${ratio} for a ${hitPercent} % workload`);
      assert.equal(r.thresholds[0]?.ok, passes);
      assert.equal(r.verdict, passes ? 'pass' : 'fail');
    } finally {
      await target.close();
    }
  }
});
