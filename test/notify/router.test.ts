import { warmUp } from '../helpers/warm-up.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import { createEmailNotifier } from '../../src/notify/email-notifier.js';
import type { Notification, Notifier } from '../../src/notify/types.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { startSmtpCatcher } from './smtp-catcher.js';

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

const CONFIG = `
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes:
  - { name: a, target: api, every: 5s, http: { path: /a } }
  - { name: b, target: api, every: 5s, http: { path: /b } }
alerts:
  - { name: lat, select: { probes: [a, b] }, measure: latency.p50, window: 10s, warning: "> 400ms", critical: "> 600ms", labels: { team: web } }
notifications:
  evaluationInterval: 5s
  channels:
    - { name: pager, type: webhook, url: "http://127.0.0.1:1/p" }
    - { name: chat, type: webhook, url: "http://127.0.0.1:1/c" }
  routes:
    - { match: { severity: critical }, channels: [pager], groupWait: 30s, groupInterval: 2m, repeatInterval: 1h, continue: true }
    - { match: { labels: { team: web } }, channels: [chat], groupWait: 30s, groupInterval: 2m, repeatInterval: 1h, sendResolved: false }
`;


function setup() {
  const config = loadConfigText(CONFIG, 'r.yaml', {});
  const sent: Notification[] = [];
  const fake = (name: string): Notifier => ({ name, type: 'webhook', send: async (n) => { sent.push(n); } });
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  const engine = buildAlertEngine(config, { db, clock, notifiers: [fake('pager'), fake('chat')] });
  warmUp(engine, ['a', 'b'], clock.now());
  closers.push(() => { db.close(); });
  const step = async (latency: Record<string, number>) => {
    await clock.advance(5000);
    for (const [probe, seconds] of Object.entries(latency)) {
      const r: ProbeResult = { probe, target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: seconds, phases: {} };
      engine.store.addProbeResult(r);
    }
    await engine.tick();
  };
  return { sent, step, clock };
}

test('groupWait batches two instances into one notice per channel; routes match on severity and labels', async () => {
  const { sent, step } = setup();
  await step({ a: 0.5, b: 0.1 });          // a fires warning
  await step({ a: 0.5, b: 0.5 });          // b fires warning 5 s later, same group
  assert.equal(sent.length, 0, 'held for groupWait');
  for (let i = 0; i < 5; i++) await step({ a: 0.5, b: 0.5 });
  assert.deepEqual(sent.map((n) => `${n.channel}:${n.alerts.map((t) => `${t.subject}/${t.kind}`).join(',')}`), ['chat:a/firing,b/firing']);

  // a escalates: critical goes to pager (first route, continue) and chat.
  await step({ a: 0.7, b: 0.5 });
  assert.equal(sent.length, 1, 'the median of a is not above 600 ms yet');
  for (let i = 0; i < 24; i++) await step({ a: 0.7, b: 0.5 });
  const after = sent.slice(1).map((n) => `${n.channel}:${n.severity}:${n.alerts.map((t) => `${t.subject}/${t.kind}`).join(',')}`).sort();
  assert.deepEqual(after, ['chat:critical:a/escalated', 'pager:critical:a/escalated']);
});

test('an escalation is sent at once, not after groupInterval; the resolved notice keeps the grouping', async () => {
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: a, target: api, every: 5s, http: { path: /a } }]
alerts:
  - { name: lat, select: { probes: [a] }, measure: latency.p50, window: 10s, warning: "> 400ms", critical: "> 600ms" }
notifications:
  evaluationInterval: 5s
  channels: [{ name: chat, type: webhook, url: "http://127.0.0.1:1/c" }]
  routes: [{ channels: [chat], groupWait: 30s, groupInterval: 5m, repeatInterval: 1h }]
`, 'esc.yaml', {});
  const sent: { at: number; kinds: string }[] = [];
  const transitions: { at: number; kind: string }[] = [];
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  closers.push(() => { db.close(); });
  const engine = buildAlertEngine(config, {
    db, clock, onTransition: (t) => transitions.push({ at: clock.now(), kind: t.kind }),
    notifiers: [{ name: 'chat', type: 'webhook', send: async (n) => { sent.push({ at: clock.now(), kinds: n.alerts.map((t) => `${t.kind}:${t.severity}`).join() }); } }],
  });
  warmUp(engine, ['a', 'b'], clock.now());
  const run = async (steps: number, seconds: number) => {
    for (let i = 0; i < steps; i++) {
      await clock.advance(5000);
      engine.store.addProbeResult({ probe: 'a', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: seconds, phases: {} });
      await engine.tick();
    }
  };
  await run(8, 0.5);
  assert.deepEqual(sent.map((s) => s.kinds), ['firing:warning'], 'the warning after groupWait');
  await run(4, 0.7);
  const escalated = transitions.find((t) => t.kind === 'escalated');
  assert.ok(escalated !== undefined);
  assert.ok(escalated.at - (sent[0]?.at ?? 0) < 300_000, 'inside the groupInterval of the warning notice');
  assert.deepEqual(sent.map((s) => s.kinds), ['firing:warning', 'escalated:critical']);
  assert.equal(sent[1]?.at, escalated.at, 'sent on the evaluation that escalated');

  await run(4, 0.1);
  const resolved = transitions.find((t) => t.kind === 'resolved');
  assert.ok(resolved !== undefined);
  assert.equal(sent.length, 2, 'the resolved notice waits for groupInterval');
  await run(60, 0.1);
  assert.deepEqual(sent.map((s) => s.kinds), ['firing:warning', 'escalated:critical', 'resolved:critical']);
  assert.ok((sent[2]?.at ?? 0) - (sent[1]?.at ?? 0) >= 300_000, 'a groupInterval after the escalation notice');
});

test('a channel with resendInterval hears every announced, unsilenced firing alert that often, and nothing after the resolve', async () => {
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: a, target: api, every: 5s, http: { path: /a } }]
alerts:
  - { name: lat, select: { probes: [a] }, measure: latency.p50, window: 10s, warning: "> 400ms" }
notifications:
  evaluationInterval: 5s
  channels: [{ name: am, type: alertmanager, url: "http://127.0.0.1:1" }]
  routes: [{ channels: [am], groupWait: 30s, groupInterval: 1m, repeatInterval: 4h }]
`, 'resend.yaml', {});
  const sent: { at: number; group: string; kinds: string }[] = [];
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  closers.push(() => { db.close(); });
  const am: Notifier = { name: 'am', type: 'alertmanager', resendInterval: 60_000, send: async (n) => { sent.push({ at: clock.now(), group: n.groupKey, kinds: n.alerts.map((t) => t.kind).join() }); } };
  const engine = buildAlertEngine(config, { db, clock, notifiers: [am] });
  warmUp(engine, ['a', 'b'], clock.now());
  const run = async (steps: number, seconds: number) => {
    for (let i = 0; i < steps; i++) {
      await clock.advance(5000);
      engine.store.addProbeResult({ probe: 'a', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: seconds, phases: {} });
      await engine.tick();
    }
  };
  await run(4, 0.5);
  assert.equal(sent.length, 0, 'not before the group announced it (groupWait)');
  await run(3, 0.5);
  assert.deepEqual(sent.map((x) => x.kinds), ['firing']);
  await run(60, 0.5); // 5 more minutes
  const resends = sent.filter((x) => x.group === 'resend');
  assert.ok(resends.length >= 5 && resends.length <= 6, `one a minute: ${resends.length}`);
  for (let k = 1; k < resends.length; k++) assert.equal((resends[k]?.at ?? 0) - (resends[k - 1]?.at ?? 0), 60_000);

  // Silenced: no re-sends.
  engine.silences.create({ matchers: [{ name: 'alert', value: 'lat' }], endsAt: clock.now() + 180_000 }, clock.now());
  const before = sent.length;
  await run(24, 0.5);
  assert.equal(sent.length, before, 'silenced: nothing re-sent');
  await run(24, 0.5); // silence over: re-sends again
  assert.ok(sent.length > before);

  await run(20, 0.1);
  const resolvedAt = sent.findIndex((x) => x.kinds === 'resolved');
  assert.ok(resolvedAt > 0, 'the resolved notice went out');
  await run(40, 0.1);
  assert.equal(sent.length, resolvedAt + 1, 'nothing re-sent after the resolve');
});

test('sendResolved: false drops the resolved notice for that route only', async () => {
  const { sent, step } = setup();
  for (let i = 0; i < 8; i++) await step({ a: 0.7, b: 0.1 });
  assert.deepEqual(sent.map((n) => n.channel).sort(), ['chat', 'pager']);
  for (let i = 0; i < 40; i++) await step({ a: 0.1, b: 0.1 });
  const resolved = sent.filter((n) => n.status === 'resolved');
  assert.deepEqual(resolved.map((n) => n.channel), ['pager']);
});

test('email over STARTTLS with auth (secrets from ${ENV}) reaches a real SMTP server', async () => {
  const smtp = await startSmtpCatcher({ auth: { user: 'alerts', pass: 's3cret!' }, starttls: true });
  closers.push(() => smtp.close());
  const config = loadConfigText(`
notifications:
  channels:
    - { name: mail, type: email, host: 127.0.0.1, port: ${smtp.port}, requireTls: true, tlsVerify: false,
        user: "\${SMTP_USER}", password: "\${SMTP_PASSWORD}", from: pw@example.test, to: [a@example.test, b@example.test] }
`, 'mail.yaml', { SMTP_USER: 'alerts', SMTP_PASSWORD: 's3cret!' });
  const channel = config.notifications.channels[0];
  assert.equal(channel?.type, 'email');
  if (channel?.type !== 'email') return;
  const mail = createEmailNotifier(channel);
  closers.push(() => mail.close?.());
  const now = Date.UTC(2026, 0, 1, 12);
  await mail.send({
    id: 3, channel: 'mail', groupKey: 'g', status: 'firing', severity: 'warning', createdAt: now,
    alerts: [{ key: 'k', alert: 'cache', subject: 'api', subjectKind: 'targets', kind: 'firing', severity: 'warning', from: 'none', to: 'warning',
      measure: 'cache_hit_ratio', value: 0.7, valueText: '70%', threshold: '< 75%', since: now - 600_000, at: now, labels: {} }],
  });
  const [got] = await smtp.waitFor(1);
  assert.equal(got?.secure, true);
  assert.equal(got?.user, 'alerts');
  assert.deepEqual(got?.to, ['a@example.test', 'b@example.test']);
  assert.equal(got?.subject, '[WARNING] cache FIRING: api cache_hit_ratio = 70% (< 75%)');
  assert.match(got?.raw ?? '', /since 2026-01-01T11:50:00\.000Z/);
  // A wrong password is a rejected send (the outbox retries it), not a crash.
  const bad = createEmailNotifier({ ...channel, password: 'nope' });
  closers.push(() => bad.close?.());
  await assert.rejects(bad.send({ id: 4, channel: 'mail', groupKey: 'g', status: 'firing', severity: 'warning', createdAt: now, alerts: [] }), /auth|535|credentials/i);
});

test('a failing channel does not hold up the others; its rows back off in order and are retried', async () => {
  const { Outbox } = await import('../../src/notify/outbox.js');
  const { alertMigrations } = await import('../../src/alerts/migrations.js');
  const db = openDatabase(':memory:', alertMigrations);
  closers.push(() => { db.close(); });
  const insert = db.prepare("INSERT INTO notification_outbox (channel, group_key, payload, status, next_attempt_at, created_at) VALUES (?, 'g', ?, 'pending', 0, 0)");
  const payload = JSON.stringify({ channel: 'x', groupKey: 'g', status: 'firing', severity: 'warning', alerts: [], createdAt: 0 });
  for (const c of ['dead', 'dead', 'dead', 'ok', 'ok']) insert.run(c, payload);
  let deadCalls = 0;
  const okSent: number[] = [];
  const outbox = new Outbox(db, [
    { name: 'dead', type: 'webhook', send: async () => { deadCalls++; throw new Error('connect ECONNREFUSED'); } },
    { name: 'ok', type: 'webhook', send: async (n) => { okSent.push(n.id); } },
  ], { initialBackoff: 1000, maxBackoff: 4000, maxAttempts: 3 });
  const first = await outbox.deliverDue(0);
  assert.equal(deadCalls, 1, 'one attempt per pass for a failing channel');
  assert.deepEqual(okSent, [4, 5]);
  assert.deepEqual(first.map((o) => o.outcome), ['failed', 'sent', 'sent']);
  assert.equal(outbox.nextDue(), 0, 'the untried rows are still due');
  await outbox.deliverDue(0);
  await outbox.deliverDue(0);
  // Row 1 backed off (1 s) after its failure; rows 2 and 3 of its group wait behind it, so they can never overtake it.
  const rows = () => outbox.list().filter((e) => e.channel === 'dead').map((e) => `${e.id}:${e.status}:${e.attempts}:${e.nextAttemptAt}`).sort();
  assert.deepEqual(rows(), ['1:pending:1:1000', '2:pending:0:0', '3:pending:0:0']);
  assert.equal(deadCalls, 1);
  await outbox.deliverDue(1000);
  await outbox.deliverDue(3000);
  assert.equal(outbox.list().find((e) => e.id === 1)?.status, 'dead');
  assert.equal(outbox.list().find((e) => e.id === 1)?.attempts, 3);
  // Given up, row 1 no longer holds its group: row 2 is next.
  await outbox.deliverDue(7000);
  assert.deepEqual(rows(), ['1:dead:3:7000', '2:pending:1:8000', '3:pending:0:0']);
});
