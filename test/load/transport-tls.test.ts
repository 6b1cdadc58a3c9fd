import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { Http1Connection } from '../../src/load/transport/http1-connection.js';
import type { Http1TlsOptions } from '../../src/load/transport/http1-connection.js';
import { transportErrorClass } from '../../src/load/transport/transport-error.js';
import { hasOpenssl, req, selfSignedCert } from './transport-fixtures.js';

const skip = hasOpenssl() ? false : 'needs the openssl CLI to make a self-signed certificate';
const pem = skip === false ? selfSignedCert() : { key: '', cert: '' };

/** An https server with the self-signed certificate; records each TLS connection's SNI name. */
async function httpsServer(): Promise<{ port: number; server: HttpsServer; sni: (string | false | null)[]; requests: string[] }> {
  const sni: (string | false | null)[] = [];
  const requests: string[] = [];
  const server = createHttpsServer({ key: pem.key, cert: pem.cert, keepAliveTimeout: 10_000 }, (rq, res) => {
    requests.push(`${rq.method ?? ''} ${rq.url ?? ''}`);
    if (rq.url === '/chunked') {
      res.write('abc');
      setImmediate(() => res.end('defg'));
    } else if (rq.url === '/empty') {
      res.writeHead(204).end();
    } else if (rq.url === '/big') {
      res.setHeader('content-length', 300_000);
      res.end(Buffer.alloc(300_000, 'x'));
    } else if (rq.url === '/reset') {
      res.setHeader('content-length', 100);
      res.write('partial');
      setImmediate(() => rq.socket.destroy());
    } else {
      res.setHeader('content-length', 5);
      res.end(rq.method === 'HEAD' ? undefined : 'hello');
    }
  });
  server.on('secureConnection', (s: TLSSocket) => sni.push(s.servername));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, server, sni, requests };
}

function connection(hostname: string, port: number, tls: Http1TlsOptions): Http1Connection {
  return new Http1Connection({ hostname, port, authority: `${hostname}:${port}`, tls, timeoutMs: 5_000, now: () => performance.now() });
}

async function close(server: { close(cb: () => void): void; closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('https with verification on: a self-signed certificate fails as tls, never reaches the server, and backs off', { skip }, async () => {
  const s = await httpsServer();
  const c = connection('127.0.0.1', s.port, { rejectUnauthorized: true });
  const out = await req(c, { method: 'GET', path: '/' });
  assert.equal(out.err, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(transportErrorClass({ code: out.err }), 'tls');
  assert.equal(c.connectFailures, 1);
  assert.ok(c.retryAt > performance.now(), 'a back-off is set');
  assert.equal(await c.open(), false);
  assert.equal(c.connectFailures, 2);
  assert.equal(c.connected, false);
  assert.deepEqual(s.requests, []);
  await c.destroy(); await close(s.server);
});

test('https with verification off: keep-alive requests on one TLS connection, every framing', { skip }, async () => {
  const s = await httpsServer();
  const c = connection('127.0.0.1', s.port, { rejectUnauthorized: false });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'hello' });
  assert.deepEqual(await req(c, { method: 'POST', path: '/chunked', body: '{"x":1}' }), { status: 200, body: 'abcdefg' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/empty' }), { status: 204, body: '' });
  assert.deepEqual(await req(c, { method: 'HEAD', path: '/' }), { status: 200, body: '' });
  const big = await req(c, { method: 'GET', path: '/big' });
  assert.equal(big.body.length, 300_000);
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'hello' });
  assert.equal(s.sni.length, 1, 'one TLS connection served all six requests');
  assert.equal(c.connected, true);
  assert.equal(c.retryAt, 0);
  assert.deepEqual(s.requests, ['GET /', 'POST /chunked', 'GET /empty', 'HEAD /', 'GET /big', 'GET /']);
  await c.destroy(); await close(s.server);
});

test('https: a body read until the server closes completes; the next request reconnects, resuming the TLS session', { skip }, async () => {
  const server = createTlsServer({ key: pem.key, cert: pem.cert }, (sock) => {
    sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil close'));
  });
  const resumed: boolean[] = [];
  server.on('secureConnection', (sock: TLSSocket) => resumed.push(sock.isSessionReused()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = connection('127.0.0.1', (server.address() as AddressInfo).port, { rejectUnauthorized: false });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'until close' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'until close' });
  assert.deepEqual(resumed, [false, true], 'the second connection resumes the session of the first');
  await c.destroy(); await close(server);
});

test('SNI: the hostname (or the given servername) is sent, an IP address never', { skip }, async () => {
  const s = await httpsServer();
  const cases: [string, Http1TlsOptions][] = [
    ['localhost', { rejectUnauthorized: false }],
    ['127.0.0.1', { rejectUnauthorized: false }],
    ['127.0.0.1', { rejectUnauthorized: false, servername: 'localhost' }],
    ['127.0.0.1', { rejectUnauthorized: false, servername: '127.0.0.1' }],
  ];
  for (const [hostname, tls] of cases) {
    const c = connection(hostname, s.port, tls);
    assert.equal((await req(c, { method: 'GET', path: '/' })).status, 200);
    await c.destroy();
  }
  assert.deepEqual(s.sni, ['localhost', false, 'localhost', false]);
  await close(s.server);
});

test('https: a reset mid-response is a reset, the next request reconnects', { skip }, async () => {
  const s = await httpsServer();
  const c = connection('127.0.0.1', s.port, { rejectUnauthorized: false });
  const out = await req(c, { method: 'GET', path: '/reset' });
  assert.equal(transportErrorClass({ code: out.err }), 'reset', String(out.err));
  assert.equal(c.connectFailures, 0, 'a reset after the handshake is no connect failure');
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'hello' });
  assert.equal(s.sni.length, 2);
  await c.destroy(); await close(s.server);
});

test('https to a plain-http server fails as tls; a server hanging up in the handshake is a reset and a connect failure', async () => {
  const plain = createHttpServer((_rq, res) => res.end('plain'));
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const c = connection('127.0.0.1', (plain.address() as AddressInfo).port, { rejectUnauthorized: false });
  const out = await req(c, { method: 'GET', path: '/' });
  assert.equal(transportErrorClass({ code: out.err }), 'tls', String(out.err));
  assert.equal(c.connectFailures, 1);
  await c.destroy(); await close(plain);

  const hangUp = createNetServer((sock) => sock.destroy());
  hangUp.listen(0, '127.0.0.1');
  await once(hangUp, 'listening');
  const h = connection('127.0.0.1', (hangUp.address() as AddressInfo).port, { rejectUnauthorized: true });
  const r = await req(h, { method: 'GET', path: '/' });
  assert.equal(transportErrorClass({ code: r.err }), 'reset', String(r.err));
  assert.equal(h.connectFailures, 1);
  await h.destroy(); await close(hangUp);
});

test('a TLS handshake that never completes is a connect timeout, for open() and for a request', async () => {
  const silent = createNetServer(() => {});
  const accepted: unknown[] = [];
  silent.on('connection', (sock) => accepted.push(sock));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  let t = 0;
  const c = new Http1Connection({ hostname: '127.0.0.1', port: (silent.address() as AddressInfo).port, authority: 'x', tls: { rejectUnauthorized: true }, timeoutMs: 1_000, now: () => t });
  const opened = c.open();
  const pending = req(c, { method: 'GET', path: '/' });
  await once(silent, 'connection');
  c.checkDeadline(1_000);
  assert.equal(c.connectFailures, 0, 'not before the deadline');
  t = 1_001;
  c.checkDeadline(t);
  assert.equal(await opened, false);
  assert.equal((await pending).err, 'UND_ERR_CONNECT_TIMEOUT');
  assert.equal(transportErrorClass({ code: 'UND_ERR_CONNECT_TIMEOUT' }), 'timeout');
  assert.equal(c.connectFailures, 1);
  assert.ok(c.retryAt >= 1_001 + 50 && c.retryAt <= 1_001 + 100, String(c.retryAt));
  assert.equal(accepted.length, 1, 'the request waited for the connect open() started');
  await c.destroy();
  silent.close();
  for (const sock of accepted) (sock as { destroy(): void }).destroy();
});
