import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import type { SqliteDatabase } from '../../src/storage/database.js';
import { createEvents } from '../../src/daemon/events.js';
import { createLogger } from '../../src/core/logger.js';
import { createAlertModule } from '../../src/alerts/alert-module.js';
import type { AlertService } from '../../src/alerts/alert-service.js';
import type { DaemonContext } from '../../src/daemon/module.js';
import type { Notification, Notifier } from '../../src/notify/types.js';
import { textBody, subjectLine } from '../../src/notify/render.js';
import { hasCode } from '../../src/core/errors.js';
import { generatePrometheusRules } from '../../src/alerts/prometheus-rules.js';
import { parseThreshold } from '../../src/alerts/threshold.js';

const TOKEN = 'test-token-123';
const auth = { authorization: `Bearer ${TOKEN}` };

const CONFIG = `
api: { token: ${TOKEN} }
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: trade, target: api, every: 5s, http: { path: /t } }]
alerts:
  - { name: trade-change, select: { probes: [trade] }, measure: latency_change, warning: "x1.5", critical: "x2", change: { resolveAfter: 1h } }
  - { name: trade-failures, select: { probes: [trade] }, measure: error_rate_change, warning: "x2" }
notifications:
  evaluationInterval: 5s
  channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:1/hook" }]
  routes: [{ channels: [hook], groupWait: 0s, groupInterval: 0s, sendResolved: true }]
`;

async function setup(restart?: { db: SqliteDatabase; at: number }) {
  const config = loadConfigText(CONFIG, 't.yaml', {});
  const sent: Notification[] = [];
  const fake: Notifier = { name: 'hook', type: 'webhook', send: async (n) => { sent.push(n); } };
  const app = Fastify();
  const clock = new FakeClock(restart?.at ?? Date.UTC(2026, 0, 1, 14, 0, 0));
  const db = restart?.db ?? openDatabase(':memory:', []);
  const services = new Map<string, unknown>([['db', db]]);
  const events = createEvents();
  const registry = new Registry();
  const ctx: DaemonContext = { config, clock, logger: createLogger({ level: 'silent', format: 'json' }), registry, events, app, services };
  const mod = createAlertModule({ notifiers: [fake] });
  await mod.register?.(ctx);
  await app.ready();
  after(async () => {
    await mod.stop?.('test');
    await app.close();
    if (restart === undefined) db.close();
  });
  /** One probe result every 5 s at `ms` (with a little deterministic jitter), ticking the engine. */
  const probe = async (count: number, ms: number) => {
    for (let i = 0; i < count; i++) {
      await clock.advance(5000);
      const jitter = 1 + 0.08 * Math.sin(clock.now() / 7777);
      events.emit('probe:result', { probe: 'trade', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: (ms * jitter) / 1000, phases: {} });
      await mod.engine()?.tick();
    }
  };
  return { app, clock, db, sent, probe, registry, stop: () => mod.stop?.('restart'), service: services.get('alerts') as AlertService };
}

test('x1.5 / x2 factors parse as "at least" thresholds; they fit only change measures', () => {
  assert.deepEqual(parseThreshold('x1.5'), { op: '>=', value: 1.5, kind: 'factor', text: 'x1.5' });
  assert.equal(parseThreshold('> x2').kind, 'factor');
  const bad = `
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: trade, target: api, every: 5s, http: { path: /t } }]
alerts:
  - { name: a, select: { probes: [trade] }, measure: latency.p95, warning: "x1.5" }
  - { name: b, select: { probes: [trade] }, measure: latency_change, warning: "> 400ms" }
  - { name: c, select: { targets: [api] }, measure: latency_change, warning: "x1.5" }
  - { name: d, select: { probes: [trade] }, measure: error_rate, warning: "> 1%", change: { minRatio: 2 } }
  - { name: e, select: { probes: [trade] }, measure: latency_change, warning: "x1.5", change: { minDelta: "5%" } }
`;
  try {
    loadConfigText(bad, 'bad.yaml', {});
    assert.fail('expected a config error');
  } catch (err) {
    assert.ok(hasCode(err, 'PW_ERR_CONFIG_INVALID'));
    const text = String((err as Error).message);
    for (const path of ['alerts[0].warning', 'alerts[1].warning', 'alerts[2].select.targets', 'alerts[3].change:', 'alerts[4].change.minDelta']) assert.ok(text.includes(path), `${path} in ${text}`);
  }
});

test('a latency step x2.2 fires critical with when, by how much and how sure; acknowledging resolves it', async () => {
  const { app, sent, probe, registry, service, clock } = await setup();
  await probe(150, 40);
  assert.equal(sent.length, 0, 'nothing while stable');
  assert.equal(service.list().find((a) => a.alert === 'trade-change')?.valueText, 'x1');
  const stepAt = clock.now() + 5000;
  await probe(60, 88);
  assert.equal(sent.length, 1, sent.map(subjectLine).join('\n'));
  const n = sent[0]!;
  assert.match(subjectLine(n), /^\[CRITICAL\] trade-change FIRING: trade latency_change = x2\.\d+ \(x2\)$/);
  const t = n.alerts[0]!;
  assert.ok(t.change !== undefined && Math.abs(t.change.at - stepAt) <= 15_000, JSON.stringify(t.change));
  assert.match(textBody(n), /p50 of trade rose from 4\d(\.\d)? ms to (8\d|9\d)(\.\d)? ms \(x2\.\d\) at 14:\d\d:\d\d UTC, \d+ (seconds|minutes) ago, confidence 0\.99/);
  const metrics = await registry.metrics();
  assert.match(metrics, /perfwarden_probe_change_ratio\{probe="trade"\} 2\.\d+/);
  assert.match(metrics, new RegExp(`perfwarden_probe_change_time_seconds\\{probe="trade"\\} ${Math.floor(t.change.at / 1000)}`));
  const view = service.list().find((a) => a.alert === 'trade-change');
  assert.equal(view?.level, 'critical');
  assert.match(view?.detail ?? '', /rose from/);

  // The new level is the baseline: more of the same does not fire again.
  await probe(60, 88);
  assert.equal(sent.length, 1);
  assert.equal((await app.inject({ method: 'POST', url: '/api/alerts/trade-change/trade/acknowledge' })).statusCode, 401);
  assert.equal((await app.inject({ method: 'POST', url: '/api/alerts/trade-change/trade/acknowledge', headers: auth })).statusCode, 204);
  const again = await app.inject({ method: 'POST', url: '/api/alerts/trade-change/trade/acknowledge', headers: auth });
  assert.equal(again.statusCode, 404);
  assert.equal((again.json() as { code: string }).code, 'PW_ERR_NOT_FOUND');
  await probe(2, 88);
  assert.equal(sent.length, 2);
  assert.equal(sent[1]!.status, 'resolved');
  assert.equal(service.list().find((a) => a.alert === 'trade-change')?.level, 'none');
});

test('a change resolves by itself after resolveAfter; spikes and a x1.2 drift never fire', async () => {
  const { sent, probe } = await setup();
  await probe(150, 40);
  for (let i = 0; i < 10; i++) {
    await probe(30, 40);
    await probe(1, 900);
  }
  await probe(200, 48);
  assert.equal(sent.length, 0, sent.map(subjectLine).join('\n'));
  await probe(60, 80);
  assert.equal(sent.length, 1);
  assert.match(subjectLine(sent[0]!), /^\[WARNING\] trade-change FIRING: trade latency_change = x1\.\d+ \(x1\.5\)$/);
  await probe(12 * 60, 80);
  assert.equal(sent.length, 2, 'resolved one hour after the change');
  assert.equal(sent[1]!.status, 'resolved');
});

test('a change alert firing at a restart keeps its change: no resolved notice, no second announcement', async () => {
  const a = await setup();
  await a.probe(150, 40);
  await a.probe(60, 88);
  assert.equal(a.sent.length, 1);
  await a.stop();
  const b = await setup({ db: a.db, at: a.clock.now() });
  await b.probe(10, 88);
  assert.equal(b.sent.length, 0, b.sent.map(subjectLine).join('\n'));
  const view = b.service.list().find((x) => x.alert === 'trade-change');
  assert.equal(view?.level, 'critical');
  assert.ok(view?.change !== undefined && view.change.ratio > 2);
});

test('generated Prometheus rule: the change ratio while the change is younger than resolveAfter', () => {
  const config = loadConfigText(CONFIG, 't.yaml', {});
  const rules = generatePrometheusRules(config.alerts);
  const warning = rules.groups[0]!.rules.find((r) => r.alert === 'trade-change' && r.labels.severity === 'warning');
  assert.match(warning?.expr ?? '', /perfwarden_probe_change_ratio\{probe=~?"trade"\}.*perfwarden_probe_change_time_seconds.* < 3600\)\) >= 1\.5$/s);
  assert.ok(rules.skipped.some((s) => s.startsWith('trade-failures')));
});
