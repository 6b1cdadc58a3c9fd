import { warmUp } from '../helpers/warm-up.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { FakeClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import { silentLogger } from '../../src/core/logger.js';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { waitFor } from '../helpers/wait.js';
import { reservePort, startSmtpCatcher } from './smtp-catcher.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-notify-test-'));
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function twoChannels() {
  const smtp = await startSmtpCatcher();
  closers.push(() => smtp.close());
  const dead = await reservePort();
  const channels = `
  channels:
    - { name: mail, type: email, host: 127.0.0.1, port: ${smtp.port}, from: pw@example.test, to: [ops@example.test] }
    - { name: dead-mail, type: email, host: 127.0.0.1, port: ${dead}, from: pw@example.test, to: [ops@example.test], connectTimeout: 2s }`;
  return { smtp, dead, channels };
}

test('`perfwarden notify test` sends through each channel and prints one line per outcome; exit 1 when one failed, 2 for an unknown channel', { timeout: 30_000 }, async () => {
  const { smtp, dead, channels } = await twoChannels();
  const file = join(dir, 'two.yaml');
  writeFileSync(file, `targets: []\nprobes: []\nnotifications:${channels}\n`);

  const all = captureIo();
  await runCli(['notify', 'test', '--config', file], all);
  assert.equal(all.code, 1, all.stderr);
  const lines = all.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^mail \(email\): sent in \d+ ms$/);
  assert.match(lines[1]!, new RegExp(`^dead-mail \\(email\\): FAILED after \\d+ ms: .*ECONNREFUSED 127\\.0\\.0\\.1:${dead}`));
  const [mail] = await smtp.waitFor(1);
  assert.match(mail!.subject, /perfwarden-test/);

  const one = captureIo();
  await runCli(['notify', 'test', '--config', file, '--channel', 'mail'], one);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout.trim().split('\n').length, 1);
  await smtp.waitFor(2);

  const unknown = captureIo();
  await runCli(['notify', 'test', '--config', file, '--channel', 'pager'], unknown);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no channel named "pager" \(channels: mail, dead-mail\)/);
});

test('POST /api/notifications/test needs the token and answers each outcome', { timeout: 30_000 }, async () => {
  const { smtp, channels } = await twoChannels();
  const config = loadConfigText(`server: { host: 127.0.0.1, port: 0 }\nstorage: { path: ":memory:" }\napi: { token: tok-123456789 }\ntargets: []\nprobes: []\nnotifications:${channels}\n`, 'api.yaml', {});
  const daemon = await createDaemon(config, { logger: silentLogger() });
  closers.push(() => daemon.stop('test done'));
  const denied = await fetch(`${daemon.url}/api/notifications/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(denied.status, 401);
  const res = await fetch(`${daemon.url}/api/notifications/test`, { method: 'POST', headers: { authorization: 'Bearer tok-123456789', 'content-type': 'application/json' }, body: '{"channel":"mail"}' });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { results: { channel: string; ok: boolean }[] };
  assert.deepEqual(body.results.map((r) => [r.channel, r.ok]), [['mail', true]]);
  await smtp.waitFor(1);
  const allRes = await fetch(`${daemon.url}/api/notifications/test`, { method: 'POST', headers: { authorization: 'Bearer tok-123456789' } });
  const all = (await allRes.json()) as { results: { channel: string; ok: boolean }[] };
  assert.equal(allRes.status, 200, JSON.stringify(all));
  assert.deepEqual(all.results.map((r) => [r.channel, r.ok]), [['mail', true], ['dead-mail', false]]);
  const missing = await fetch(`${daemon.url}/api/notifications/test`, { method: 'POST', headers: { authorization: 'Bearer tok-123456789', 'content-type': 'application/json' }, body: '{"channel":"pager"}' });
  assert.equal(missing.status, 404);
});

test('an unreachable SMTP server: one warning at start naming the channel, then one line per failed notification naming its alert, retries summarised', { timeout: 30_000 }, async () => {
  const dead = await reservePort();
  const lines: { msg: string; level: number }[] = [];
  const logger = createLogger({ level: 'info', format: 'json', destination: new Writable({ write(c: Buffer, _e, cb) { lines.push(JSON.parse(c.toString()) as { msg: string; level: number }); cb(); } }) });
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /s } }]
alerts: [{ name: api-latency, select: { probes: [status] }, measure: latency.p95, window: 10m, warning: "> 400ms" }]
notifications:
  retry: { initialBackoff: 5s, maxBackoff: 10s }
  channels: [{ name: mail, type: email, host: 127.0.0.1, port: ${dead}, from: pw@example.test, to: [ops@example.test] }]
  routes: [{ channels: [mail], groupWait: 0s }]
`, 'dead.yaml', {});
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  const engine = buildAlertEngine(config, { db, clock, logger });
  closers.push(async () => { await engine.stop(); db.close(); });
  engine.start();
  const unreachable = await waitFor('the start-up warning', () => lines.find((l) => l.msg.includes('unreachable at start-up')));
  assert.match(unreachable.msg, /notification channel "mail" \(email\) is unreachable at start-up: .*ECONNREFUSED.*perfwarden notify test --channel mail/);

  warmUp(engine, ['status'], clock.now());
  engine.store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: 0.9, phases: {} });
  for (let i = 0; i < 24; i++) {
    await clock.advance(5000);
    await engine.tick();
  }
  const attempts = engine.outbox.list()[0]?.attempts ?? 0;
  assert.ok(attempts >= 5, `retried ${attempts} times`);
  const failures = lines.filter((l) => l.msg.includes('not delivered'));
  assert.equal(failures.length, 1, 'one line for the failed notification, not one per retry');
  assert.match(failures[0]!.msg, /notification #1 to mail not delivered .*api-latency FIRING.*ECONNREFUSED/);
  assert.equal(lines.filter((l) => l.msg.includes('unreachable at start-up')).length, 1);
});
