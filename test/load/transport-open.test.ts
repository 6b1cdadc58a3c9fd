import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Http1Connection } from '../../src/load/transport/http1-connection.js';
import { req } from './transport-fixtures.js';

function connection(port: number): Http1Connection {
  return new Http1Connection({ hostname: '127.0.0.1', port, authority: `127.0.0.1:${port}`, timeoutMs: 2_000, now: () => performance.now() });
}

test('open() connects ahead; the request after it sends on that connection', async () => {
  let connections = 0;
  const server = createServer((sock) => {
    connections++;
    sock.on('data', () => sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = connection((server.address() as AddressInfo).port);
  assert.equal(c.connected, false);
  assert.equal(await c.open(), true);
  assert.equal(c.connected, true);
  assert.equal(await c.open(), true, 'already open');
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  assert.equal(connections, 1);
  await c.destroy();
  assert.equal(c.connected, false);
  assert.equal(await c.open(), false, 'a destroyed connection does not open');
  server.close();
});

test('open() gives false when the connect is refused (a back-off starts) or the connection is destroyed meanwhile', async () => {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  const refused = connection(port);
  assert.equal(await refused.open(), false);
  assert.equal(refused.connectFailures, 1);
  assert.ok(refused.retryAt > 0);
  await refused.destroy();

  const live = createServer(() => {});
  live.listen(0, '127.0.0.1');
  await once(live, 'listening');
  const c = connection((live.address() as AddressInfo).port);
  const opened = c.open();
  await c.destroy();
  assert.equal(await opened, false);
  assert.equal(c.connectFailures, 0, 'destroying is not a connect failure');
  live.close();
});

test('a port Node rejects outright fails like a connect, never throws', async () => {
  const c = connection(70_000);
  assert.equal(await c.open(), false);
  const out = await req(c, { method: 'GET', path: '/' });
  assert.equal(out.err, 'ERR_SOCKET_BAD_PORT');
  assert.equal(c.connectFailures, 2);
  await c.destroy();
});
