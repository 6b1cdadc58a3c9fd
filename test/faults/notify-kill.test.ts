/**
 * kill -9 at five points of a notification's life, with a real SMTP server and a real
 * Alertmanager, counting what arrives: (1) the firing transition is committed, its group still
 * waiting; (2) the notification is queued and its delivery failed (SMTP down); (3) in the middle
 * of the SMTP transaction (message sent, no "250 OK" yet); (4) right after it was delivered;
 * (5) the resolved transition is committed, its notice still waiting. Nothing may be lost, and
 * nothing may arrive twice (every kill here is outside the duplicate window, which is the
 * synchronous write that marks a row sent after the server acknowledged it).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, startSmtpCatcher } from '../notify/smtp-catcher.js';
import type { SmtpCatcher } from '../notify/smtp-catcher.js';
import { startAlertmanager } from '../notify/alertmanager.js';
import { startJsonLinesChild } from '../helpers/json-lines-child.js';
import type { JsonLine } from '../helpers/json-lines-child.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-notify-kill-'));
const children: ChildProcess[] = [];
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of closers.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('kill -9 at five points of the notification life cycle: every notice arrives exactly once by mail, and Alertmanager ends resolved', { timeout: 240_000 }, async () => {
  const db = join(dir, 'alerts.db');
  const port = await reservePort();
  const am = await startAlertmanager();
  closers.push(() => am.stop());
  const start = (latency: number) => startJsonLinesChild(join(import.meta.dirname, 'fixtures', 'notify-child.ts'), [db, String(port), am.base, String(latency)], children, 'tick');
  const is = (event: string, extra: Partial<JsonLine> = {}) => (l: JsonLine) => l.event === event && Object.entries(extra).every(([k, v]) => l[k] === v);
  const lastTick = (lines: JsonLine[]) => lines.filter((l) => l.event === 'tick').at(-1);

  // 1. The firing transition is committed; its group waits (groupWait 1.5 s): no outbox row yet. SMTP is down.
  const one = start(0.7);
  await one.waitFor(is('transition', { kind: 'firing' }), 'firing');
  await one.waitFor(is('tick'), 'a tick after the transition');
  await one.kill9();
  assert.deepEqual([lastTick(one.lines)?.pending, lastTick(one.lines)?.sent], [0, 0], 'killed before the flush');

  // 2. Restart: no second "firing"; the group flushes, the mail fails (SMTP down), Alertmanager gets it.
  const two = start(0.7);
  await two.waitFor(is('delivery', { channel: 'mail', outcome: 'failed' }), 'a failed mail delivery');
  await two.waitFor(is('delivery', { channel: 'am', outcome: 'sent' }), 'Alertmanager delivery');
  await two.kill9();
  assert.equal(two.lines.filter(is('transition')).length, 0, 'not re-announced');
  assert.equal((await am.alerts()).filter((a) => a.labels.alertname === 'api-latency').length, 1);

  // 3. SMTP is back but holds its "250 OK": killed in the middle of the transaction.
  const smtp: SmtpCatcher = await startSmtpCatcher({ port });
  closers.push(() => smtp.close());
  smtp.holdAcks(true);
  const three = start(0.7);
  await waitFor('the message in the SMTP transaction', () => (smtp.held() > 0 ? true : undefined), 30_000, 50);
  await three.kill9();
  await waitFor('the server to see the client gone', () => (smtp.held() === 0 ? true : undefined), 10_000, 20);
  smtp.holdAcks(false);
  smtp.releaseAcks();
  assert.equal(smtp.mails.length, 0, 'a transaction the server never acknowledged is not a delivery');

  // 4. Restart: the mail is delivered; killed right after.
  const four = start(0.7);
  await four.waitFor(is('delivery', { channel: 'mail', outcome: 'sent' }), 'the mail delivered');
  await four.kill9();
  assert.equal(smtp.mails.length, 1);
  assert.match(smtp.mails[0]!.subject, /^\[WARNING\] api-latency FIRING/);

  // 5. The service recovers: the resolved transition is committed, its notice waits (groupInterval); killed then.
  const five = start(0.05);
  await five.waitFor(is('transition', { kind: 'resolved' }), 'resolved');
  await five.kill9();
  assert.equal(five.lines.filter(is('delivery', { channel: 'mail', outcome: 'sent' })).length, 0, 'killed before the resolved notice went out');

  // Restart healthy: the resolved notice arrives once; a few more seconds bring nothing else.
  const six = start(0.05);
  await six.waitFor(is('delivery', { channel: 'mail', outcome: 'sent' }), 'the resolved mail');
  await six.waitFor(is('delivery', { channel: 'am', outcome: 'sent' }), 'the resolved notice to Alertmanager');
  const at = six.lines.filter(is('tick')).length;
  await six.waitFor(() => six.lines.filter(is('tick')).length >= at + 20, '2 more seconds');
  await six.kill9();

  const subjects = smtp.mails.map((m) => m.subject.replace(/:.*/, ''));
  assert.deepEqual(subjects, ['[WARNING] api-latency FIRING', '[RESOLVED] api-latency RESOLVED'], 'each notice once: 0 lost, 0 duplicates');
  assert.equal(new Set(smtp.mails.map((m) => m.headers['message-id'])).size, 2);
  assert.deepEqual((await am.alerts()).filter((a) => a.labels.alertname === 'api-latency'), [], 'resolved in Alertmanager');
});
