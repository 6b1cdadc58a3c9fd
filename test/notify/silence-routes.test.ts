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
import type { AlertService } from '../../src/alerts/alert-service.js';
import type { DaemonContext } from '../../src/daemon/module.js';
import type { Notification, Notifier } from '../../src/notify/types.js';
import { registerApi } from '../../src/api/api-module.js';

const TOKEN = 'test-token-123';

async function setup(options: { rateLimitPerMinute?: number; withApi?: boolean } = {}) {
  const config = loadConfigText(`
api: { token: ${TOKEN}, rateLimitPerMinute: ${options.rateLimitPerMinute ?? 60} }
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /s } }]
alerts:
  - { name: api-errors, select: { probes: [status] }, measure: error_rate, window: 1m, warning: "> 0.5%", critical: "> 2%" }
notifications:
  evaluationInterval: 5s
  channels: [{ name: hook, type: webhook, url: "http://127.0.0.1:1/hook" }]
  routes: [{ channels: [hook], groupWait: 0s, groupInterval: 0s }]
`, 't.yaml', {});
  const sent: Notification[] = [];
  const fake: Notifier = { name: 'hook', type: 'webhook', send: async (n) => { sent.push(n); } };
  const app = Fastify();
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  const services = new Map<string, unknown>([['db', db]]);
  const events = createEvents();
  const ctx: DaemonContext = { config, clock, logger: createLogger({ level: 'silent', format: 'json' }), registry: new Registry(), events, app, services };
  if (options.withApi === true) await registerApi(app, ctx);
  const mod = createAlertModule({ notifiers: [fake] });
  await mod.register?.(ctx);
  await app.ready();
  after(async () => { await mod.stop?.('test'); await app.close(); db.close(); });
  return { app, clock, events, mod, sent, service: services.get('alerts') as AlertService, registry: ctx.registry };
}

test('silences API: token required for changes, create/list/expire, and a silenced alert sends nothing', async () => {
  const { app, clock, events, mod, sent, service, registry } = await setup();
  const body = { matchers: [{ name: 'alert', value: 'api-errors' }], duration: '1h', comment: 'maintenance' };
  assert.equal((await app.inject({ method: 'POST', url: '/api/silences', payload: body })).statusCode, 401);
  const created = await app.inject({ method: 'POST', url: '/api/silences', payload: body, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(created.statusCode, 201, created.body);
  const silence = created.json() as { id: string; endsAt: number };
  assert.equal(silence.endsAt, clock.now() + 3600_000);
  const bad = await app.inject({ method: 'POST', url: '/api/silences', payload: { matchers: [{ name: 'alert', value: '(' , isRegex: true }], duration: '1h' }, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(bad.statusCode, 400);
  assert.equal((bad.json() as { code: string }).code, 'PW_ERR_INVALID_ARGUMENT');

  const list = await app.inject({ method: 'GET', url: '/api/silences' });
  assert.equal((list.json() as { silences: unknown[] }).silences.length, 1);

  // Errors fire while silenced: the alert shows as firing and silenced, nothing is sent (the
  // probe has run for an hour: past its first window, which alerts ignore).
  events.emit('probe:result', { probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now() - 3_600_000, durationSeconds: 0.01, phases: {} });
  for (let i = 0; i < 10; i++) events.emit('probe:result', { probe: 'status', target: 'api', kind: 'http', url: 'x', ok: i % 2 === 0, startedAt: clock.now(), durationSeconds: 0.01, phases: {} });
  await mod.engine()?.tick();
  const view = service.list()[0];
  assert.equal(view?.level, 'critical');
  assert.equal(view?.silenced, true);
  assert.equal(sent.length, 0);
  assert.equal(service.notifications()[0]?.status, 'silenced');
  const metrics = await registry.metrics();
  assert.match(metrics, /perfwarden_alert_state\{alert="api-errors",severity="critical"\} 2/);

  assert.equal((await app.inject({ method: 'DELETE', url: `/api/silences/${silence.id}` })).statusCode, 401);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/silences/${silence.id}`, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 204);
  assert.equal((await app.inject({ method: 'DELETE', url: `/api/silences/${silence.id}`, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 404);
  assert.equal(((await app.inject({ method: 'GET', url: '/api/silences' })).json() as { silences: unknown[] }).silences.length, 0);
  assert.equal(service.list()[0]?.silenced, false);
});

const auth = { authorization: `Bearer ${TOKEN}` };

test('silences API errors are the API shape; the token is checked before the body (401, not 400)', async () => {
  const { app } = await setup();
  const noAuth = await app.inject({ method: 'POST', url: '/api/silences', payload: { matchers: 'nope' } });
  assert.equal(noAuth.statusCode, 401);
  assert.deepEqual(Object.keys(noAuth.json() as object).sort(), ['code', 'error', 'message']);
  assert.equal((noAuth.json() as { code: string }).code, 'PW_ERR_UNAUTHORIZED');
  const badJson = await app.inject({ method: 'POST', url: '/api/silences', body: '{not json', headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-token' } });
  assert.equal(badJson.statusCode, 401);

  const missing = await app.inject({ method: 'POST', url: '/api/silences', payload: { duration: '1h' }, headers: auth });
  assert.equal(missing.statusCode, 400);
  const m = missing.json() as { error: string; code: string; message: string };
  assert.equal(m.error, 'bad_request');
  assert.equal(m.code, 'PW_ERR_INVALID_ARGUMENT');
  assert.match(m.message, /matchers/);
  const wrongType = await app.inject({ method: 'POST', url: '/api/silences', payload: { matchers: [{ name: 'alert', value: { x: 1 } }], duration: '1h' }, headers: auth });
  assert.equal(wrongType.statusCode, 400);
  assert.match((wrongType.json() as { message: string }).message, /matchers\/0\/value/);
  const badDuration = await app.inject({ method: 'POST', url: '/api/silences', payload: { matchers: [{ name: 'alert', value: 'x' }], duration: 'soon' }, headers: auth });
  assert.equal(badDuration.statusCode, 400);
  assert.match((badDuration.json() as { message: string }).message, /duration/);
  const neither = await app.inject({ method: 'POST', url: '/api/silences', payload: { matchers: [{ name: 'alert', value: 'x' }] }, headers: auth });
  assert.equal(neither.statusCode, 400);
  assert.match((neither.json() as { message: string }).message, /endsAt.*duration/);
  const badQuery = await app.inject({ method: 'GET', url: '/api/silences?all=maybe' });
  assert.equal(badQuery.statusCode, 400);
  assert.equal((badQuery.json() as { code: string }).code, 'PW_ERR_INVALID_ARGUMENT');

  const unknown = await app.inject({ method: 'DELETE', url: '/api/silences/no-such-id', headers: auth });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual({ ...(unknown.json() as object), message: '' }, { error: 'not_found', code: 'PW_ERR_NOT_FOUND', message: '' });
});

for (const withApi of [false, true]) {
  test(`silence mutations are rate-limited per route at api.rateLimitPerMinute (${withApi ? "the API module's limiter" : 'own limiter'})`, async () => {
    const { app } = await setup({ rateLimitPerMinute: 2, withApi });
    const body = { matchers: [{ name: 'alert', value: 'api-errors' }], duration: '1h' };
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await app.inject({ method: 'POST', url: '/api/silences', payload: body, headers: auth })).statusCode);
    assert.deepEqual(codes, [201, 201, 429]);
    const limited = await app.inject({ method: 'POST', url: '/api/silences', payload: body, headers: auth });
    assert.equal((limited.json() as { code: string }).code, 'PW_ERR_RATE_LIMITED');
    // Per route: DELETE has its own budget; reads are not limited.
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/silences/x', headers: auth })).statusCode, 404);
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ method: 'GET', url: '/api/silences' })).statusCode, 200);
    if (withApi) {
      const doc = (app as unknown as { swagger(): { paths: Record<string, Record<string, { security?: unknown }>> } }).swagger();
      assert.deepEqual(doc.paths['/api/silences']?.post?.security, [{ bearerAuth: [] }]);
      assert.deepEqual(doc.paths['/api/silences/{id}']?.delete?.security, [{ bearerAuth: [] }]);
      assert.equal(doc.paths['/api/silences']?.get?.security, undefined);
    }
  });
}
