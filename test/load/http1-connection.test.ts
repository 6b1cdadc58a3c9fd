import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { Http1Connection } from '../../src/load/transport/http1-connection.js';
import { req } from './transport-fixtures.js';

async function rawServer(onReq: (sock: Socket, head: string, n: number) => void) {
  let n = 0; const heads: string[] = [];
  const srv = createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, i); buf = buf.slice(i + 4);
        const cl = /content-length: (\d+)/i.exec(head); if (cl) { const len = Number(cl[1]); buf = buf.slice(len); }
        heads.push(head); onReq(sock, head, n++);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return { port, heads, close: () => new Promise<void>((r) => { srv.close(() => r()); }), srv };
}
const mk = (port: number, t = 2000) => new Http1Connection({ hostname: '127.0.0.1', port, authority: `127.0.0.1:${port}`, timeoutMs: t, now: () => performance.now() });
let sweep: NodeJS.Timeout | undefined;
function sweeping(c: Http1Connection) { sweep = setInterval(() => c.checkDeadline(performance.now()), 20); }

test('framing variants on one keep-alive connection', async () => {
  const s = await rawServer((sock, head, n) => {
    const parts = [
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n4;x=y\r\ndefg\r\n0\r\nx-t: 1\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', // HEAD
      'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n',
    ];
    const p = parts[n] ?? 'HTTP/1.1 500 X\r\ncontent-length: 1\r\n\r\nx';
    // split every response byte by byte-ish to exercise partial reads
    let i = 0; const step = () => { if (i >= p.length) return; sock.write(p.slice(i, i + 3)); i += 3; setImmediate(step); }; step();
  });
  const c = mk(s.port);
  assert.deepEqual(await req(c, { method: 'GET', path: '/a' }), { status: 200, body: 'hello' });
  assert.deepEqual(await req(c, { method: 'POST', path: '/b', body: '{"x":1}', headers: { 'content-type': 'application/json' } }), { status: 201, body: 'abcdefg' });
  assert.deepEqual(await req(c, { method: 'DELETE', path: '/c' }), { status: 204, body: '' });
  assert.deepEqual(await req(c, { method: 'HEAD', path: '/d' }), { status: 200, body: '' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/e' }), { status: 404, body: '' });
  assert.match(s.heads[1] ?? '', /^POST \/b HTTP\/1.1\r\ncontent-type: application\/json\r\nhost: 127.0.0.1:\d+\r\ncontent-length: 7$/);
  assert.match(s.heads[2] ?? '', /^DELETE \/c HTTP\/1.1\r\nhost: /);
  await c.destroy(); s.srv.close();
});

test('connection: close and read-until-close reconnect', async () => {
  let conns = 0;
  const s = await rawServer((sock, _h, n) => {
    if (n % 2 === 0) sock.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
    else sock.end('HTTP/1.0 200 OK\r\n\r\nuntil close');
  });
  s.srv.on('connection', () => conns++);
  const c = mk(s.port);
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'until close' });
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  assert.equal(conns, 3);
  await c.destroy(); s.srv.close();
});

test('errors: refused, reset mid-response, timeout, idle close then reuse', async () => {
  const dead = await rawServer(() => {}); const deadPort = dead.port; await dead.close();
  const c0 = mk(deadPort);
  assert.equal((await req(c0, { method: 'GET', path: '/' })).err, 'ECONNREFUSED');
  const s = await rawServer((sock, _h, n) => {
    if (n === 0) { sock.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'); setTimeout(() => sock.destroy(), 20); }
    else if (n === 1) { /* stall */ }
    else if (n === 2) { sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'); setTimeout(() => sock.end(), 20); }
    else sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
  });
  const c = mk(s.port, 200); sweeping(c);
  const r0 = await req(c, { method: 'GET', path: '/' });
  assert.ok(r0.err === 'UND_ERR_SOCKET' || r0.err === 'ECONNRESET', String(r0.err));
  const t0 = performance.now();
  const r1 = await req(c, { method: 'GET', path: '/' });
  assert.equal(r1.err, 'UND_ERR_HEADERS_TIMEOUT'); assert.ok(performance.now() - t0 >= 190);
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  await new Promise((r) => setTimeout(r, 80)); // server closed the idle connection
  assert.deepEqual(await req(c, { method: 'GET', path: '/' }), { status: 200, body: 'ok' });
  clearInterval(sweep); await c.destroy(); s.srv.close();
});

test('header injection is refused', async () => {
  const c = mk(1);
  assert.equal((await req(c, { method: 'GET', path: '/', headers: { a: 'x\r\nevil: 1' } })).err, 'UND_ERR_INVALID_ARG');
  await c.destroy();
});

test('requests beyond one in flight wait their turn, in order', async () => {
  const s = await rawServer((sock, head) => { const p = /GET (\S+)/.exec(head)?.[1] ?? ''; setTimeout(() => sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${p.length}\r\n\r\n${p}`), 5); });
  const c = mk(s.port);
  const rs = await Promise.all(['/1', '/22', '/333'].map((path) => req(c, { method: 'GET', path })));
  assert.deepEqual(rs.map((r) => r.body), ['/1', '/22', '/333']);
  await c.destroy(); s.srv.close();
});
