import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { connectBackoffMs } from '../../src/load/transport/connect-backoff.js';
import { Http1Connection } from '../../src/load/transport/http1-connection.js';
import type { Http1TlsOptions } from '../../src/load/transport/http1-connection.js';
import { transportErrorClass } from '../../src/load/transport/transport-error.js';
import { req } from './transport-fixtures.js';

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on any more: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function connection(port: number, random: () => number, tls?: Http1TlsOptions): Http1Connection {
  return new Http1Connection({ hostname: '127.0.0.1', port, authority: `127.0.0.1:${port}`, timeoutMs: 2_000, now: () => performance.now(), random, ...(tls === undefined ? {} : { tls }) });
}

test('connectBackoffMs: 0 before a failure, doubling from 100 ms, capped at 5 s, never below half its step', () => {
  assert.equal(connectBackoffMs(0, () => 0.5), 0);
  const low = Array.from({ length: 12 }, (_, i) => connectBackoffMs(i + 1, () => 0));
  const high = Array.from({ length: 12 }, (_, i) => connectBackoffMs(i + 1, () => 0.999999));
  assert.deepEqual(low, [50, 100, 200, 400, 800, 1600, 2500, 2500, 2500, 2500, 2500, 2500]);
  assert.deepEqual(high.map(Math.round), [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000, 5000]);
  for (const random of [() => 0, () => 0.3, () => 0.999999]) {
    let last = 0;
    for (let f = 1; f <= 200; f++) {
      const ms = connectBackoffMs(f, random);
      assert.ok(ms >= last && ms <= 5_000, `failure ${f}: ${ms} after ${last}`);
      last = ms;
    }
  }
  assert.equal(connectBackoffMs(1e9, () => 0), 2_500);
});

test('a refused target: a VU honouring retryAt connects a bounded number of times per second', async () => {
  const refusedPort = await closedPort();
  // A server that accepts and hangs up at once: every TLS connect fails in the handshake, and the
  // server counts the attempts it saw.
  let accepted = 0;
  const hangUp = createServer((sock) => { accepted++; sock.destroy(); });
  const hangUpPort = await listen(hangUp);
  const refused = connection(refusedPort, () => 0);
  const handshake = connection(hangUpPort, () => 0, { rejectUnauthorized: false });
  const errors = new Map<string, number>();
  const vu = async (c: Http1Connection, until: number): Promise<number> => {
    let sent = 0;
    for (;;) {
      const wait = Math.max(0, c.retryAt - performance.now());
      if (performance.now() + wait >= until) return sent;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const out = await req(c, { method: 'GET', path: '/' });
      sent++;
      const cls = transportErrorClass({ code: out.err });
      errors.set(cls, (errors.get(cls) ?? 0) + 1);
    }
  };
  const until = performance.now() + 1_000;
  const [refusedAttempts, handshakeAttempts] = await Promise.all([vu(refused, until), vu(handshake, until)]);
  // Waits of 50, 100, 200, 400 ms (random 0): attempts at 0, 50, 150, 350 and 750 ms.
  assert.ok(refusedAttempts >= 3 && refusedAttempts <= 5, `refused: ${refusedAttempts} attempts in 1 s`);
  assert.ok(accepted >= 3 && accepted <= 5, `handshake: ${accepted} connections accepted in 1 s`);
  assert.equal(handshakeAttempts, accepted);
  assert.equal(refused.connectFailures, refusedAttempts);
  assert.deepEqual(Object.fromEntries(errors), { refused: refusedAttempts, reset: handshakeAttempts });
  await refused.destroy(); await handshake.destroy();
  hangUp.close();
});

test('requests waiting for a connect that fails all fail with it: one attempt, not one per request', async () => {
  const c = connection(await closedPort(), Math.random);
  const outs = await Promise.all([1, 2, 3].map(() => req(c, { method: 'GET', path: '/' })));
  assert.deepEqual(outs.map((o) => o.err), ['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
  assert.equal(c.connectFailures, 1);
  await c.destroy();
});

test('a successful connect clears the back-off; dispatching before retryAt is not delayed', async () => {
  const port = await closedPort();
  const c = connection(port, () => 0.5);
  assert.equal((await req(c, { method: 'GET', path: '/' })).err, 'ECONNREFUSED');
  assert.equal((await req(c, { method: 'GET', path: '/' })).err, 'ECONNREFUSED');
  assert.equal(c.connectFailures, 2);
  const retryAt = c.retryAt;
  assert.ok(retryAt > performance.now());
  const server = createServer((sock) => sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')));
  await listen(server, port);
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  assert.ok(performance.now() < retryAt, 'sent before retryAt: the caller decides, the connection does not wait');
  assert.equal(c.connectFailures, 0);
  assert.equal(c.retryAt, 0);
  await c.destroy();
  server.close();
});
