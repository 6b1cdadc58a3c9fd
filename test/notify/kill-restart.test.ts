import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { reservePort, startSmtpCatcher } from './smtp-catcher.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-kill-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Line { event: string; [k: string]: unknown }

/** Starts the child and lets the test wait for lines matching a predicate. */
function startChild(dbPath: string, port: number, latency: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'engine-child.ts'), dbPath, String(port), String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: Line[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Line);
    } catch {
      return;
    }
    for (const w of waiters.splice(0)) w();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (pred: (l: Line) => boolean, what: string, timeoutMs = 60_000): Promise<Line> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = lines.find(pred);
      if (hit !== undefined) return hit;
      if (child.exitCode !== null) throw new Error(`child exited before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(lines.filter((x) => x.event !== 'tick'))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  };
  const kill9 = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  const ticks = () => lines.filter((l) => l.event === 'tick').length;
  return { lines, waitFor, kill9, ticks };
}

test('kill -9 while SMTP is down, restart: the firing alert is not re-announced and its mail is delivered exactly once', { timeout: 180_000 }, async () => {
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

    // 3. Killed again while firing and restarted with the service healthy: exactly one resolved mail.
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
