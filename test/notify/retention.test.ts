import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { alertMigrations } from '../../src/alerts/migrations.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import { AlertEngine } from '../../src/alerts/alert-engine.js';
import { Outbox } from '../../src/notify/outbox.js';
import { pruneNotifyHistory } from '../../src/notify/retention.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-retention-'));
const closers: (() => void)[] = [];
after(() => {
  for (const c of closers.reverse()) c();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const MINUTE = 60_000;

test('default retry policy: SMTP down for 3 days is still retried (capped backoff) and delivered when it returns', async () => {
  const config = loadConfigText('notifications: { channels: [] }', 'd.yaml', {});
  const retry = config.notifications.retry;
  assert.equal(retry.maxAttempts, undefined, 'no attempt limit by default');
  assert.equal(retry.giveUpAfter, 7 * DAY);
  const db = openDatabase(':memory:', alertMigrations);
  closers.push(() => { db.close(); });
  let up = false;
  let sent = 0;
  const outbox = new Outbox(db, [{ name: 'mail', type: 'email', send: async () => { if (!up) throw new Error('connect ECONNREFUSED'); sent++; } }], retry);
  const start = Date.UTC(2026, 0, 1);
  db.prepare("INSERT INTO notification_outbox (channel, group_key, payload, status, next_attempt_at, created_at) VALUES ('mail', 'g', ?, 'pending', ?, ?)")
    .run(JSON.stringify({ channel: 'mail', groupKey: 'g', status: 'firing', severity: 'critical', alerts: [], createdAt: start }), start, start);
  let now = start;
  let attempts = 0;
  while (now < start + 3 * DAY) {
    const due = outbox.nextDue();
    assert.notEqual(due, undefined, `given up after ${attempts} attempts, ${(now - start) / 3600_000} h`);
    now = Math.max(now, due ?? now);
    attempts += (await outbox.deliverDue(now)).length;
  }
  assert.ok(attempts > 800, `retried all along at most maxBackoff (5m) apart: ${attempts}`);
  up = true;
  now = outbox.nextDue() ?? now;
  assert.deepEqual((await outbox.deliverDue(now)).map((o) => o.outcome), ['sent']);
  assert.equal(sent, 1);

  // The time budget still ends a notification nobody can deliver.
  up = false;
  db.prepare("UPDATE notification_outbox SET status = 'pending', created_at = ?, next_attempt_at = ?").run(now - 7 * DAY, now);
  assert.deepEqual((await outbox.deliverDue(now)).map((o) => o.outcome), ['dead']);
});

/** A month and a half of synthetic history, one row a minute per table (a silence an hour). */
function fill(db: ReturnType<typeof openDatabase>, now: number): void {
  const event = db.prepare("INSERT INTO alert_events (group_key, route, instance_key, transition, created_at, flushed_at) VALUES ('0:lat', 0, 'lat/a', '{}', ?, ?)");
  const row = db.prepare("INSERT INTO notification_outbox (channel, group_key, payload, status, attempts, next_attempt_at, created_at, sent_at) VALUES ('mail', '0:lat', '{}', ?, 1, ?, ?, ?)");
  const silence = db.prepare("INSERT INTO silences (id, matchers, starts_at, ends_at, created_at) VALUES (?, '[]', ?, ?, ?)");
  const statuses = ['sent', 'sent', 'sent', 'dead', 'silenced'] as const;
  db.transaction(() => {
    let i = 0;
    for (let t = now - 45 * DAY; t < now; t += MINUTE, i++) {
      event.run(t, t + 30_000);
      row.run(statuses[i % statuses.length] ?? 'sent', t, t, t + 1000);
      if (i % 60 === 0) silence.run(`s${i}`, t, t + 3600_000, t);
    }
    // Unflushed events and pending notifications are never pruned, however old.
    event.run(now - 40 * DAY, null);
    row.run('pending', now + DAY, now - 40 * DAY, null);
    silence.run('long', now - 40 * DAY, now + DAY, now - 40 * DAY);
  })();
}

function count(db: ReturnType<typeof openDatabase>, sql: string, ...args: number[]): number {
  return (db.prepare(sql).get(...args) as { n: number }).n;
}

test('retention: a month and a half of history is pruned to 30 days on the engine clock, in chunks; pending rows stay', async () => {
  const clock = new FakeClock(Date.UTC(2026, 2, 1));
  const now = clock.now();
  const db = openDatabase(join(dir, 'month.db'), alertMigrations);
  closers.push(() => { db.close(); });
  fill(db, now);
  const before = count(db, 'SELECT COUNT(*) AS n FROM notification_outbox');
  assert.ok(before > 60_000);

  // One bounded pass deletes at most chunk × maxChunks rows and says there is more.
  const partial = pruneNotifyHistory(db, now, 30 * DAY, { chunk: 500, maxChunks: 3 });
  assert.deepEqual(partial, { events: 1500, outbox: 0, silences: 0, more: true });

  const config = loadConfigText('notifications: { channels: [] }', 'e.yaml', {});
  assert.equal(config.notifications.retention, 30 * DAY);
  const engine = buildAlertEngine(config, { db, clock, notifiers: [] });
  closers.push(() => { void engine.stop(); });
  // ~42 000 old rows, at most 10 000 a pass: a backlog is worked off a pass a second.
  for (let i = 0; i < 8; i++) {
    await engine.tick();
    await clock.advance(1000);
  }
  const cutoff = now - 30 * DAY;
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM alert_events WHERE flushed_at < ?', cutoff), 0);
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM notification_outbox WHERE status <> 'pending' AND created_at < ?", cutoff), 0);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM silences WHERE ends_at < ?', cutoff), 0);
  // What is younger than 30 days is all still there: one row a minute.
  const kept = count(db, 'SELECT COUNT(*) AS n FROM notification_outbox WHERE created_at >= ?', cutoff);
  assert.ok(Math.abs(kept - 30 * 24 * 60) <= 1, `kept ${kept}`);
  assert.ok(Math.abs(count(db, 'SELECT COUNT(*) AS n FROM alert_events WHERE flushed_at >= ?', cutoff) - 30 * 24 * 60) <= 1);
  assert.equal(count(db, 'SELECT COUNT(*) AS n FROM alert_events WHERE flushed_at IS NULL'), 1, 'unflushed event kept');
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM notification_outbox WHERE status = 'pending'"), 1, 'pending notification kept');
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM silences WHERE id = 'long'"), 1, 'active silence kept');

  // A shorter retention through the engine option.
  const short = new AlertEngine({ db, clock, rules: [], notifiers: [], routes: [], retry: config.notifications.retry, evaluationIntervalMs: 1000, retentionMs: DAY });
  // ~84 000 rows to go: the first pass stops at its chunk budget, the backlog continues a second later.
  await short.tick();
  assert.ok(count(db, "SELECT COUNT(*) AS n FROM notification_outbox WHERE status <> 'pending' AND created_at < ?", now - DAY) > 0);
  for (let i = 0; i < 12; i++) {
    await clock.advance(1000);
    await short.tick();
  }
  assert.equal(count(db, "SELECT COUNT(*) AS n FROM notification_outbox WHERE status <> 'pending' AND created_at < ?", now - DAY), 0);
  await short.stop();
});
