/**
 * The alerts module's wiring for loads: each 'load:progress' snapshots the load's latency
 * histogram from the daemon registry (so `latency.pXX` of a load is histogram_quantile over the
 * same buckets), and 'load:finished' takes the run's regression verdict from the history service.
 */
import { WindowFeed } from '../helpers/load-window.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { createEvents } from '../../src/daemon/events.js';
import { createLogger } from '../../src/core/logger.js';
import { createAlertModule } from '../../src/alerts/alert-module.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import type { DaemonContext } from '../../src/daemon/module.js';
import type { Notifier } from '../../src/notify/types.js';
import { LoadMetrics } from '../../src/load/metrics.js';

test('load:progress feeds histogram quantiles, load:finished feeds the regression measure', async () => {
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
loads: [{ name: smoke, target: api, executor: constant-vus, vus: 1, duration: 10s, scenarios: [{ name: s, requests: [{ path: / }] }] }]
alerts:
  - { name: smoke-p99, select: { loads: [smoke] }, measure: latency.p99, window: 1m, warning: "> 500ms" }
  - { name: smoke-regressed, select: { loads: [smoke] }, measure: regression, critical: "> 0" }
`, 't.yaml', {});
  const app = Fastify();
  const clock = new FakeClock();
  const db = openDatabase(':memory:', alertMigrations);
  const verdicts = new Map<string, string>([['run-1', 'regression']]);
  const history = { runs: { get: (id: string) => (verdicts.has(id) ? { regression: { verdict: verdicts.get(id) } } : undefined) } };
  const services = new Map<string, unknown>([['db', db], ['history', history]]);
  const events = createEvents();
  const registry = new Registry();
  const ctx: DaemonContext = { config, clock, logger: createLogger({ level: 'silent', format: 'json' }), registry, events, app, services };
  const fake: Notifier = { name: 'none', type: 'webhook', send: async () => {} };
  const mod = createAlertModule({ notifiers: [fake] });
  await mod.register?.(ctx);
  await app.ready();
  after(async () => { await mod.stop?.('test'); await app.close(); db.close(); });
  const engine = mod.engine();
  assert.ok(engine !== undefined);

  const bound = new LoadMetrics(registry).bind('smoke', ['GET /']);
  const progress = { runId: 'run-1', name: 'smoke', phase: 'run' as const, elapsedSeconds: 1, totalSeconds: 10, requests: 0, errors: 0, rps: 0, p95Ms: null, vus: 1, droppedIterations: 0 };
  events.emit('load:progress', progress);
  const feed = new WindowFeed(bound, 1);
  for (let i = 0; i < 98; i++) feed.observe(0, 0.02, '2xx');
  for (let i = 0; i < 2; i++) feed.observe(0, 0.9, '2xx');
  feed.flush();
  await clock.advance(1000);
  events.emit('load:progress', { ...progress, elapsedSeconds: 2, requests: 100, p95Ms: 25 });
  // The snapshot is read asynchronously from the registry.
  let p99: number | undefined;
  for (let i = 0; i < 50 && p99 === undefined; i++) {
    await new Promise((r) => setImmediate(r));
    p99 = engine.store.measure({ kind: 'latency', quantile: 0.99, text: 'latency.p99' }, 'loads', 'smoke', 60_000, clock.now())?.value;
  }
  // rank 99 of 100: the first of the 2 in the load buckets' (0.5, 1] → 0.5 + 0.5 × 1/2.
  assert.ok(p99 !== undefined && Math.abs(p99 - 0.75) < 1e-9, `p99 ${p99}`);

  assert.equal(engine.store.measure({ kind: 'regression', text: 'regression' }, 'loads', 'smoke', 60_000, clock.now()), undefined);
  events.emit('load:finished', { runId: 'run-1', load: 'smoke', status: 'finished' });
  assert.deepEqual(engine.store.measure({ kind: 'regression', text: 'regression' }, 'loads', 'smoke', 60_000, clock.now()), { value: 1, samples: 1 });
  events.emit('load:finished', { runId: 'run-2', load: 'smoke', status: 'finished' });
  assert.equal(engine.store.measure({ kind: 'regression', text: 'regression' }, 'loads', 'smoke', 60_000, clock.now())?.value, 1, 'no baseline keeps the last verdict, like the gauge');
});
