import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startSmtpCatcher } from '../notify/smtp-catcher.js';
import { startJsonLinesChild } from '../helpers/json-lines-child.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startDaemon(dbPath: string, smtpPort: number, latency: string) {
  const c = startJsonLinesChild(join(import.meta.dirname, 'fixtures', 'daemon-child.ts'), [dbPath, String(smtpPort), latency], children, 'probe');
  const probes = () => c.lines.filter((l) => l.event === 'probe').length;
  return { lines: c.lines, waitFor: c.waitFor, probes, kill9: c.kill9 };
}

async function setLatency(demoUrl: string, latency: string): Promise<void> {
  const res = await request(`${demoUrl}/admin/knobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency }) });
  const text = await res.body.text();
  assert.equal(res.statusCode, 200, text);
}

test('demo latency knob → warning then critical mail; kill -9 in between → no duplicate; knob removed → one resolved mail', { timeout: 300_000 }, async () => {
  const smtp = await startSmtpCatcher();
  try {
    const dbPath = join(dir, 'pw.db');
    const a = startDaemon(dbPath, smtp.port, '0ms');
    const readyA = await a.waitFor((l) => l.event === 'ready', 'daemon A ready');
    await a.waitFor((l) => l.event === 'probe', 'a first probe');
    await setLatency(String(readyA.demo), '500ms');
    await smtp.waitFor(1, 90_000);
    assert.match(smtp.mails[0]!.subject, /^\[WARNING\] api-latency FIRING: status latency\.p95 = \d+ms \(> 400ms\)/);
    await setLatency(String(readyA.demo), '700ms');
    await smtp.waitFor(2, 90_000);
    assert.match(smtp.mails[1]!.subject, /^\[CRITICAL\] api-latency ESCALATED: status latency\.p95 = \d+ms \(> 600ms\)/);
    assert.match(smtp.mails[1]!.raw, /Dashboard: http:\/\/127\.0\.0\.1:3000\/d\/perfwarden/);
    // Kill once the daemon has recorded the delivery. (Killed in the instant between the SMTP
    // server's 250 and that record, the mail would be sent again with the same Message-ID.)
    await a.waitFor((l) => l.event === 'delivery' && l.outcome === 'sent' && a.lines.filter((x) => x.event === 'delivery' && x.outcome === 'sent').length >= 2, 'both deliveries recorded');
    await a.kill9();

    // Restarted while the service is still slow: state comes back from SQLite, nothing is re-sent.
    const b = startDaemon(dbPath, smtp.port, '700ms');
    const readyB = await b.waitFor((l) => l.event === 'ready', 'daemon B ready');
    await b.waitFor(() => b.probes() >= 15, '15 probe runs on B');
    assert.deepEqual(b.lines.filter((l) => l.event === 'transition'), [], 'no re-announcement after kill -9');
    assert.equal(smtp.mails.length, 2, smtp.mails.map((m) => m.subject).join('\n'));

    await setLatency(String(readyB.demo), '0ms');
    // p95 over the 2 s window falls through the warning band on its way down: a "downgraded"
    // notice may come first; then exactly one resolved.
    const resolved = async () => {
      for (;;) {
        const hit = smtp.mails.find((m) => m.subject.startsWith('[RESOLVED]'));
        if (hit !== undefined) return hit;
        await smtp.waitFor(smtp.mails.length + 1, 90_000);
      }
    };
    assert.match((await resolved()).subject, /^\[RESOLVED\] api-latency RESOLVED: status/);
    const settled = b.probes();
    await b.waitFor(() => b.probes() >= settled + 10, '10 more probe runs');
    await b.kill9();
    const subjects = smtp.mails.map((m) => m.subject.replace(/ = .*/, ''));
    assert.deepEqual(subjects.filter((x) => !x.includes('DOWNGRADED')), [
      '[WARNING] api-latency FIRING: status latency.p95',
      '[CRITICAL] api-latency ESCALATED: status latency.p95',
      '[RESOLVED] api-latency RESOLVED: status latency.p95',
    ]);
    assert.ok(subjects.filter((x) => x.includes('DOWNGRADED')).length <= 1, subjects.join('\n'));
  } finally {
    await smtp.close();
  }
});
