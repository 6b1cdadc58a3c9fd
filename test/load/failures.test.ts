/**
 * Every connection failure is data: a self-signed https target (verify on: `tls` errors, off:
 * success), a refused port (attempts bounded by the back-off; a run whose every request failed
 * fails), a WebSocket server that kills the socket on every message (errors counted, a gate on
 * them fails). Nothing crashes the process the tests run in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { runCli } from '../../src/cli/program.js';
import { startLoad } from '../../src/load/driver.js';
import { captureIo } from '../helpers/capture-io.js';
import { loadConfig, oneRequest } from './load-fixtures.js';
import { startHttp } from './targets.js';
import { hasOpenssl, selfSignedCert } from './transport-fixtures.js';

test('https with a self-signed certificate: verify on gives tls errors, verify off succeeds', { timeout: 60_000, skip: hasOpenssl() ? false : 'openssl CLI not installed' }, async () => {
  const server = createServer(selfSignedCert(), (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const strict = await startLoad(loadConfig({ name: 'tls', url, vus: 2, duration: '1s', scenarios: oneRequest('/') }), { url }, { workers: 1 }).done;
    assert.ok(strict.summary.requests > 0);
    assert.equal(strict.summary.errorsByClass.tls, strict.summary.requests);
    assert.equal(strict.verdict, 'fail');
    assert.equal(strict.verdictReason, 'every request failed');
    const lax = await startLoad(loadConfig({ name: 'tls', url, vus: 2, duration: '1s', tlsVerify: false, scenarios: oneRequest('/') }), { url }, { workers: 2 }).done;
    assert.equal(lax.summary.errors, 0);
    assert.ok(lax.summary.requests > 100, `requests ${lax.summary.requests}`);
    assert.equal(lax.verdict, 'pass');
    const io = captureIo();
    await runCli(['load', `${url}/`, '-k', '--vus', '1', '-d', '1s'], io);
    assert.equal(io.code, 0, io.stderr);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a refused target: attempts bounded by the back-off, every request failed → exit 99, no stack trace', { timeout: 60_000 }, async () => {
  const t = await startHttp((_req, res) => res.end());
  const url = t.url;
  await t.close();
  const r = await startLoad(loadConfig({ name: 'refused', url, vus: 10, duration: '3s', scenarios: oneRequest('/') }), { url }, { workers: 2 }).done;
  const perSecond = r.summary.requests / r.summary.durationSeconds;
  assert.equal(r.summary.errorsByClass.refused, r.summary.requests);
  // 10 VUs, back-off from 100 ms doubling: a few dozen attempts, not thousands a second.
  assert.ok(perSecond < 50, `connection attempts per second ${perSecond.toFixed(0)}`);
  assert.ok(r.summary.requests >= 10);
  const io = captureIo();
  await runCli(['load', `${url}/`, '--vus', '2', '-d', '1s'], io);
  assert.equal(io.code, 99);
  assert.match(io.stdout, /verdict: FAIL \(every request failed\)/);
  assert.match(io.stdout, /errors by class: refused/);
  assert.doesNotMatch(io.stdout + io.stderr, /\n\s+at /, 'no stack trace');
});

test('a WebSocket server that kills the socket on every message: errors counted, error_rate<1% fails', { timeout: 60_000 }, async () => {
  const t = await startHttp((_req, res) => res.end());
  const wss = new WebSocketServer({ server: t.server, path: '/ws' });
  wss.on('connection', (ws) => ws.on('message', () => ws.terminate()));
  try {
    const url = t.url.replace('http', 'ws');
    const load = loadConfig({ name: 'killer', url, duration: '2s', thresholds: { error_rate: '<1%' }, ws: { path: '/ws', connections: 4, echoInterval: '100ms' } });
    const r = await startLoad(load, { url }, { workers: 2 }).done;
    assert.ok(r.summary.errors > 4, `errors ${r.summary.errors}`);
    assert.ok((r.summary.errorsByClass.reset ?? 0) > 0, JSON.stringify(r.summary.errorsByClass));
    assert.ok((r.ws?.echo.lost ?? 0) > 0);
    assert.equal(r.thresholds[0]?.ok, false);
    assert.equal(r.verdict, 'fail');
  } finally {
    wss.close();
    await t.close();
  }
});
