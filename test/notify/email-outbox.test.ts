import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { reservePort, startSmtpCatcher } from './smtp-catcher.js';
import type { SmtpCatcher } from './smtp-catcher.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-notify-'));
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function config(port: number, extra = '') {
  return loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /s } }]
alerts:
  - { name: api-latency, select: { probes: [status] }, measure: latency.p95, window: 1m, for: 10s, warning: "> 400ms", critical: "> 600ms", summary: "p95 of /s" }
notifications:
  evaluationInterval: 5s
  dashboardUrl: http://127.0.0.1:3000/d/perfwarden
  retry: { initialBackoff: 5s, maxBackoff: 1m, maxAttempts: 10 }
  channels:
    - { name: ops-mail, type: email, host: 127.0.0.1, port: ${port}, user: "\${SMTP_USER}", password: "\${SMTP_PASS}", from: perfwarden@example.test, to: [ops@example.test] }
  routes:
    - { channels: [ops-mail], groupWait: 10s, groupInterval: 1m, repeatInterval: 1h, sendResolved: true }
${extra}`, 'test.yaml', { SMTP_USER: 'pw', SMTP_PASS: 'secret-pass' });
}

function result(at: number, seconds: number): ProbeResult {
  return { probe: 'status', target: 'api', kind: 'http', url: 'http://x/s', ok: true, startedAt: at, durationSeconds: seconds, phases: {} };
}

function setup(port: number, name: string) {
  const clock = new FakeClock();
  const db = openDatabase(join(dir, `${name}.db`), alertMigrations);
  const registry = new Registry();
  const engine = buildAlertEngine(config(port), { db, clock, registry });
  closers.push(async () => { await engine.stop(); db.close(); });
  // a probe running for an hour: past its first window, which alerts ignore
  engine.store.addProbeResult(result(clock.now() - 3_600_000, 0.01));
  /** Feeds one result per 5 s and ticks, for `ms`. */
  const run = async (ms: number, seconds: number) => {
    for (let t = 0; t < ms; t += 5000) {
      await clock.advance(5000);
      engine.store.addProbeResult(result(clock.now(), seconds));
      await engine.tick();
    }
  };
  return { clock, db, registry, engine, run };
}

async function counter(registry: Registry, outcome: string): Promise<number> {
  const m = await registry.getSingleMetric('perfwarden_notifications_total')?.get();
  return m?.values.find((v) => v.labels.outcome === outcome && v.labels.channel === 'ops-mail')?.value ?? 0;
}

test('SMTP down: the notification is retried with backoff and delivered once when SMTP returns, with a Message-ID stable per outbox row', async () => {
  const port = await reservePort();
  const { engine, run, registry, db } = setup(port, 'down');
  await run(60_000, 0.7); // fires critical after `for`, flushed after groupWait, SMTP refuses
  const failedSoFar = await counter(registry, 'failed');
  assert.ok(failedSoFar >= 2, `failed attempts ${failedSoFar}`);
  const row = engine.outbox.list()[0];
  assert.equal(row?.status, 'pending');
  assert.match(row?.lastError ?? '', /ECONNREFUSED|connect/i);
  // Backoff grows: the attempts are not one per tick.
  assert.ok((row?.attempts ?? 0) < 60_000 / 5000 - 2, `attempts ${row?.attempts}`);

  const smtp: SmtpCatcher = await startSmtpCatcher({ port, auth: { user: 'pw', pass: 'secret-pass' } });
  closers.push(() => smtp.close());
  await run(2 * 60_000, 0.7);
  assert.equal(smtp.mails.length, 1, 'delivered once');
  assert.match(smtp.mails[0]?.raw ?? '', /^Message-ID: <perfwarden-\d+-\d+@perfwarden>/im, 'the de-duplication key of an at-least-once resend');
  const mail = smtp.mails[0]!;
  assert.match(mail.subject, /^\[CRITICAL\] api-latency FIRING: status latency\.p95 = 700ms \(> 600ms\)/);
  assert.equal(mail.headers['x-perfwarden-severity'], 'critical');
  assert.deepEqual(mail.to, ['ops@example.test']);
  assert.match(mail.raw, /Dashboard: http:\/\/127\.0\.0\.1:3000\/d\/perfwarden/);
  assert.match(mail.raw, /text\/html/);
  assert.equal(await counter(registry, 'sent'), 1);
  assert.equal((db.prepare("SELECT COUNT(*) AS n FROM notification_outbox WHERE status = 'pending'").get() as { n: number }).n, 0);

  // Recovery: one resolved mail after the group interval.
  await run(3 * 60_000, 0.05);
  await smtp.waitFor(2);
  assert.equal(smtp.mails.length, 2);
  assert.match(smtp.mails[1]!.subject, /^\[RESOLVED\] api-latency RESOLVED: status/);
});

test('warning then critical: two mails (firing, escalated); a silenced alert sends nothing but its resolved notice is recorded', async () => {
  const smtp = await startSmtpCatcher({ auth: { user: 'pw', pass: 'secret-pass' } });
  closers.push(() => smtp.close());
  const { engine, run, clock, registry } = setup(smtp.port, 'silence');
  await run(40_000, 0.5);
  await smtp.waitFor(1);
  assert.match(smtp.mails[0]!.subject, /^\[WARNING\] api-latency FIRING/);
  await run(2 * 60_000, 0.9);
  await smtp.waitFor(2);
  assert.match(smtp.mails[1]!.subject, /^\[CRITICAL\] api-latency ESCALATED/);

  engine.silences.create({ matchers: [{ name: 'alert', value: 'api-.*', isRegex: true }], endsAt: clock.now() + 3600_000, comment: 'deploy' }, clock.now());
  await run(3 * 60_000, 0.05);
  assert.equal(smtp.mails.length, 2, 'nothing sent while silenced');
  const recorded = engine.outbox.list().find((e) => e.status === 'silenced');
  assert.equal(recorded?.notification.status, 'resolved');
  assert.equal(recorded?.notification.alerts[0]?.kind, 'resolved');
  assert.equal(await counter(registry, 'silenced'), 1);
});

test('repeatInterval re-sends a still-firing alert; restart restores state without re-announcing', async () => {
  const smtp = await startSmtpCatcher({ auth: { user: 'pw', pass: 'secret-pass' } });
  closers.push(() => smtp.close());
  const first = setup(smtp.port, 'repeat');
  await first.run(40_000, 0.5);
  await smtp.waitFor(1);
  await first.run(61 * 60_000, 0.5);
  await smtp.waitFor(2);
  assert.equal(smtp.mails.length, 2);
  assert.match(smtp.mails[1]!.subject, /STILL FIRING/);
  await first.engine.stop();

  // A second engine on the same database: the alert is still firing, nothing new is announced.
  const db = openDatabase(join(dir, 'repeat.db'), alertMigrations);
  const clock = new FakeClock(first.clock.now());
  const engine = buildAlertEngine(config(smtp.port), { db, clock });
  closers.push(async () => { await engine.stop(); db.close(); });
  engine.store.addProbeResult(result(clock.now() - 3_600_000, 0.01));
  assert.equal(engine.states().find((s) => s.key === 'api-latency/status')?.level, 'warning');
  for (let i = 0; i < 12; i++) {
    await clock.advance(5000);
    engine.store.addProbeResult(result(clock.now(), 0.5));
    await engine.tick();
  }
  assert.equal(smtp.mails.length, 2);
});
