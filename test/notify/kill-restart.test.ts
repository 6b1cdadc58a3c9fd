import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, startSmtpCatcher } from './smtp-catcher.js';
import { startJsonLinesChild } from '../helpers/json-lines-child.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-kill-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts the child and lets the test wait for lines matching a predicate. */
function startChild(dbPath: string, port: number, latency: number) {
  const c = startJsonLinesChild(join(import.meta.dirname, 'fixtures', 'engine-child.ts'), [dbPath, String(port), String(latency)], children, 'tick');
  const ticks = () => c.lines.filter((l) => l.event === 'tick').length;
  return { lines: c.lines, waitFor: (pred: Parameters<typeof c.waitFor>[0], what: string, timeoutMs = 60_000) => c.waitFor(pred, what, timeoutMs), kill9: c.kill9, ticks };
}

test('kill -9 while SMTP is down, restart: the firing alert is not re-announced and its queued mail is delivered once (killed outside the send window; a kill inside it repeats the mail with the same Message-ID)', { timeout: 180_000 }, async () => {
  const dbPath = join(dir, 'alerts.db');
  const port = await reservePort();

  // 1. Slow service, SMTP down: the alert fires, the notification fails and waits in the outbox.
  const a = startChild(dbPath, port, 0.7);
  await a.waitFor((l) => l.event === 'transition' && l.kind === 'firing', 'firing');
  await a.waitFor((l) => l.event === 'delivery' && l.outcome === 'failed', 'a failed delivery');
  await a.kill9();

  // 2. SMTP is back; restart on the same database: no new "firing", the queued mail goes out once.
  const smtp = await startSmtpCatcher({ port });
  try {
    const b = startChild(dbPath, port, 0.7);
    const ready = await b.waitFor((l) => l.event === 'ready', 'ready');
    assert.equal(ready.level, 'critical', 'state restored from SQLite');
    await b.waitFor((l) => l.event === 'delivery' && l.outcome === 'sent', 'the queued mail sent');
    const sentAt = b.ticks();
    await b.waitFor(() => b.ticks() >= sentAt + 15, '15 more ticks');
    await b.kill9();
    assert.deepEqual(b.lines.filter((l) => l.event === 'transition'), [], 'nothing re-announced after restart');
    assert.equal(smtp.mails.length, 1);
    assert.match(smtp.mails[0]!.subject, /^\[CRITICAL\] api-latency FIRING/);

    // 3. Killed again while firing and restarted with the service healthy: one resolved mail.
    const c = startChild(dbPath, port, 0.05);
    await c.waitFor((l) => l.event === 'transition' && l.kind === 'resolved', 'resolved');
    await smtp.waitFor(2);
    const at = c.ticks();
    await c.waitFor(() => c.ticks() >= at + 15, '15 more ticks');
    await c.kill9();
    assert.equal(smtp.mails.length, 2);
    assert.match(smtp.mails[1]!.subject, /^\[RESOLVED\] api-latency RESOLVED/);
  } finally {
    await smtp.close();
  }
});
