import { warmUp } from '../helpers/warm-up.js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { FakeClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import type { DeliveryOutcome } from '../../src/notify/outbox.js';
import { startSmtpCatcher } from './smtp-catcher.js';

const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** A TCP server that accepts and never writes a byte (an SMTP server that never greets, a webhook that never answers). */
async function blackHole(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server: Server = createTcpServer((s) => { sockets.push(s); s.on('error', () => {}); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
  return { port: (server.address() as AddressInfo).port, sockets };
}

test('a webhook that hangs and an SMTP server that never greets do not delay a healthy mail channel', { timeout: 30_000 }, async (t) => {
  const healthy = await startSmtpCatcher();
  closers.push(() => healthy.close());
  const mute = await blackHole();
  // An HTTP server that reads the request and never answers.
  const hung = createHttpServer(() => {});
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => { hung.closeAllConnections(); hung.close(() => resolve()); }));
  const hookPort = (hung.address() as AddressInfo).port;

  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 5s, http: { path: /s } }]
alerts:
  - { name: api-latency, select: { probes: [status] }, measure: latency.p95, window: 1m, warning: "> 400ms" }
notifications:
  channels:
    - { name: hook, type: webhook, url: "http://127.0.0.1:${hookPort}/hook", timeout: 3s }
    - { name: mute-mail, type: email, host: 127.0.0.1, port: ${mute.port}, from: pw@example.test, to: [ops@example.test], greetingTimeout: 2s, timeout: 3s }
    - { name: mail, type: email, host: 127.0.0.1, port: ${healthy.port}, from: pw@example.test, to: [ops@example.test] }
  routes: [{ channels: [hook, mute-mail, mail], groupWait: 0s }]
`, 'isolation.yaml', {});
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  const outcomes: DeliveryOutcome[] = [];
  const engine = buildAlertEngine(config, { db, clock, onDelivery: (o) => outcomes.push(o) });
  closers.push(async () => { await engine.stop(); db.close(); });

  warmUp(engine, ['status'], clock.now());
  engine.store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: 0.9, phases: {} });
  const started = performance.now();
  const pass = engine.tick();
  await healthy.waitFor(1, 10_000);
  const healthyMs = performance.now() - started;
  assert.ok(healthyMs < 1500, `the healthy channel delivered in ${Math.round(healthyMs)} ms while the others hang`);
  t.diagnostic(`healthy mail delivered in ${Math.round(healthyMs)} ms beside a hung webhook and a mute SMTP server`);
  assert.equal(outcomes.filter((o) => o.outcome !== 'sent').length, 0, 'the stuck channels have not failed yet');

  await pass;
  const byChannel = Object.fromEntries(outcomes.map((o) => [o.channel, o]));
  assert.equal(byChannel.mail?.outcome, 'sent');
  assert.equal(byChannel.hook?.outcome, 'failed');
  assert.match(byChannel.hook?.error ?? '', /timed out|timeout/i);
  assert.equal(byChannel['mute-mail']?.outcome, 'failed');
  assert.match(byChannel['mute-mail']?.error ?? '', /greeting/i, 'the never-greeting server fails on its greeting timeout');
  const total = performance.now() - started;
  assert.ok(total < 5000, `every pass ended within its channel's timeout (${Math.round(total)} ms)`);
});

test('with concurrency 2, the notices of each group still go out in order (firing before resolved)', { timeout: 30_000 }, async () => {
  const healthy = await startSmtpCatcher();
  closers.push(() => healthy.close());
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: a, target: api, every: 5s, http: { path: /a } }, { name: b, target: api, every: 5s, http: { path: /b } }]
alerts:
  - { name: lat-a, select: { probes: [a] }, measure: latency.p95, window: 1m, warning: "> 400ms" }
  - { name: lat-b, select: { probes: [b] }, measure: latency.p95, window: 1m, warning: "> 400ms" }
notifications:
  channels: [{ name: mail, type: email, host: 127.0.0.1, port: ${healthy.port}, from: pw@example.test, to: [ops@example.test], concurrency: 2 }]
  routes: [{ channels: [mail], groupWait: 0s, groupInterval: 0s }]
`, 'concurrency.yaml', {});
  const clock = new FakeClock();
  const db = openDatabase(':memory:', []);
  const engine = buildAlertEngine(config, { db, clock });
  closers.push(async () => { await engine.stop(); db.close(); });
  warmUp(engine, ['a', 'b'], clock.now());
  for (const probe of ['a', 'b']) engine.store.addProbeResult({ probe, target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now(), durationSeconds: 0.9, phases: {} });
  await engine.tick();
  for (const probe of ['a', 'b']) engine.store.addProbeResult({ probe, target: 'api', kind: 'http', url: 'x', ok: true, startedAt: clock.now() + 70_000, durationSeconds: 0.01, phases: {} });
  await clock.advance(70_000);
  await engine.tick();
  await healthy.waitFor(4);
  const order = (alert: string) => healthy.mails.filter((m) => m.subject.includes(alert)).map((m) => (m.subject.startsWith('[RESOLVED]') ? 'resolved' : 'firing'));
  assert.deepEqual(order('lat-a'), ['firing', 'resolved']);
  assert.deepEqual(order('lat-b'), ['firing', 'resolved']);
});
