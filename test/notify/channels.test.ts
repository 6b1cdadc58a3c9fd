import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import type { DeliveryOutcome } from '../../src/notify/outbox.js';
import { createAlertmanagerNotifier, createWebhookNotifier } from '../../src/notify/webhook-notifier.js';
import type { Notification } from '../../src/notify/types.js';
import type { AlertTransition } from '../../src/alerts/types.js';
import { startAlertmanager } from './alertmanager.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function notice(kind: AlertTransition['kind'], at: number): Notification {
  const t: AlertTransition = {
    key: 'api-latency/status', alert: 'api-latency', subject: 'status', subjectKind: 'probes', kind, severity: 'critical',
    from: 'none', to: kind === 'resolved' ? 'none' : 'critical', measure: 'latency.p95', value: 0.712, valueText: '712ms',
    threshold: '> 600ms', since: at - 60_000, at, labels: { alert: 'api-latency', severity: 'critical', probe: 'status', team: 'web' },
  };
  return { id: 7, channel: 'x', groupKey: '0:api-latency', status: kind === 'resolved' ? 'resolved' : 'firing', severity: 'critical', alerts: [t], dashboardUrl: 'http://127.0.0.1:3000/d/pw', createdAt: at };
}

test('webhook: JSON and Slack formats are POSTed; a non-2xx answer is a failed delivery', async () => {
  const bodies: unknown[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const json = createWebhookNotifier({ name: 'hook', type: 'webhook', url, format: 'json', headers: { authorization: 'Bearer x' }, timeout: 5000, connectTimeout: 5000, concurrency: 1 });
  const slack = createWebhookNotifier({ name: 'slack', type: 'webhook', url, format: 'slack', timeout: 5000, connectTimeout: 5000, concurrency: 1 });
  await json.send(notice('firing', Date.now()));
  await slack.send(notice('firing', Date.now()));
  const [a, b] = bodies as { auth?: string; body: Record<string, unknown> }[];
  assert.equal(a?.auth, 'Bearer x');
  assert.equal((a?.body.alerts as { valueText: string }[])[0]?.valueText, '712ms');
  assert.match(String(b?.body.text), /^\*\[CRITICAL\] api-latency FIRING: status latency\.p95 = 712ms \(> 600ms\)\*/);
  status = 500;
  await assert.rejects(json.send(notice('firing', Date.now())), /HTTP 500/);
  await json.close?.();
  await slack.close?.();
});

test('a real Alertmanager receives the pushed alert (API v2) with one name label, endsAt ahead while firing, and resolves it', { timeout: 60_000 }, async () => {
  const am = await startAlertmanager();
  cleanups.push(() => am.stop());
  const channel = createAlertmanagerNotifier({ name: 'am', type: 'alertmanager', url: am.base, timeout: 5000, connectTimeout: 5000, concurrency: 1, resendInterval: 60_000 });
  cleanups.push(() => channel.close?.());
  const now = Date.now();
  await channel.send(notice('firing', now));
  const alerts = await am.alerts();
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0]?.labels, { alertname: 'api-latency', severity: 'critical', probe: 'status', team: 'web' });
  assert.equal(alerts[0]?.annotations.value, '712ms');
  assert.equal(alerts[0]?.annotations.threshold, '> 600ms');
  assert.equal(alerts[0]?.status.state, 'active');
  assert.equal(alerts[0]?.generatorURL, 'http://127.0.0.1:3000/d/pw');
  const endsAt = Date.parse(alerts[0]?.endsAt ?? '');
  assert.ok(endsAt >= now + 3 * 60_000 && endsAt <= Date.now() + 3 * 60_000, `endsAt = send time + 3 × resendInterval, got ${alerts[0]?.endsAt}`);

  await channel.send(notice('resolved', Date.now()));
  assert.deepEqual(await am.alerts(), [], 'a resolved alert leaves the active list at once');
});

test('engine + real Alertmanager (resolve_timeout 5s): a firing alert stays active while firing and resolves on resolve', { timeout: 120_000 }, async () => {
  const am = await startAlertmanager('5s');
  cleanups.push(() => am.stop());
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 1s, http: { path: /s } }]
alerts:
  - { name: am-latency, select: { probes: [status] }, measure: latency.p95, window: 2s, warning: "> 400ms" }
limits: { minInterval: 100ms }   # sub-second evaluation keeps the test short
notifications:
  evaluationInterval: 500ms
  channels: [{ name: am, type: alertmanager, url: "${am.base}", resendInterval: 2s }]
  routes: [{ channels: [am], groupWait: 0s, groupInterval: 1s, repeatInterval: 4h }]
`, 'am.yaml', {});
  const db = openDatabase(':memory:', []);
  const deliveries: DeliveryOutcome[] = [];
  const transitions: AlertTransition[] = [];
  const engine = buildAlertEngine(config, { db, clock: systemClock, onDelivery: (o) => deliveries.push(o), onTransition: (t) => transitions.push(t) });
  let latency = 0.5;
  const feed = setInterval(() => {
    engine.store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: Date.now(), durationSeconds: latency, phases: {} });
  }, 200);
  cleanups.push(async () => { clearInterval(feed); await engine.stop(); db.close(); });
  engine.start();

  const mine = async () => (await am.alerts()).filter((a) => a.labels.alertname === 'am-latency');
  const until = async (what: string, pred: () => Promise<boolean> | boolean, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await pred())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await until('the alert in Alertmanager', async () => (await mine()).some((a) => a.status.state === 'active'));
  // Past resolve_timeout (5 s) and two endsAt horizons (3 × 2 s): only the periodic re-send keeps it active.
  const activeFrom = Date.now();
  while (Date.now() - activeFrom < 14_000) {
    const now = await mine();
    assert.equal(now.length, 1, `still active ${Date.now() - activeFrom} ms after it appeared`);
    assert.equal(now[0]?.status.state, 'active');
    await new Promise((r) => setTimeout(r, 1000));
  }

  latency = 0.05;
  await until('the resolved notice delivered', () => deliveries.some((o) => o.outcome === 'sent' && transitions.some((t) => t.kind === 'resolved')));
  const resolvedAt = transitions.find((t) => t.kind === 'resolved')?.at ?? 0;
  assert.equal(Math.floor(resolvedAt), resolvedAt, 'whole milliseconds');
  // Delivered well inside the last re-send's endsAt (≥ 4 s ahead of the resolve): gone because we said so.
  assert.deepEqual(await mine(), [], 'resolved in Alertmanager');
  // The system clock is sub-millisecond; payloads carry whole milliseconds.
  for (const e of engine.outbox.list()) {
    for (const v of [e.createdAt, e.notification.createdAt, ...e.notification.alerts.flatMap((t) => [t.since, t.at])]) assert.ok(Number.isInteger(v), `${v} is whole ms`);
  }
});
