import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { createWsProbe } from '../../src/probe/ws-probe.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import { hasCode } from '../../src/core/errors.js';
import { classifyWsError } from '../../src/probe/ws-failure.js';
import { selfSignedCert } from './http-fixtures.js';
import type { ProbeOfType, WsRequestConfig } from '../../src/config/sections/probes.js';

type Handler = (socket: WebSocket, message: string) => void;

/** A real `ws` server on 127.0.0.1:0 whose reply behaviour each test sets. */
async function startWsServer(onMessage: Handler) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const closes: number[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const closed: Promise<number>[] = [];
  const connected = once(wss, 'connection');
  wss.on('connection', (socket, req) => {
    headers.push(req.headers);
    closed.push(new Promise((resolve) => socket.on('close', (code) => { closes.push(code); resolve(code); })));
    socket.on('message', (data) => onMessage(socket, data.toString()));
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    headers,
    closes,
    /** Resolves when the first client has connected. */
    connected,
    /** Resolves with the close code the server saw for the n-th connection. */
    closedCode: (n = 0) => closed[n] ?? Promise.reject(new Error(`no connection #${n}`)),
    close: () => new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => resolve());
    }),
  };
}

function wsProbe(ws: Partial<WsRequestConfig>, extra: Partial<ProbeOfType<'ws'>> = {}): ProbeOfType<'ws'> {
  return { name: 'ws-test', type: 'ws', every: 15_000, phaseHistogram: false, ws: { timeout: 5000, tlsVerify: true, ...ws }, ...extra };
}

const echo: Handler = (socket, message) => {
  const msg = JSON.parse(message) as { id?: unknown };
  socket.send(JSON.stringify({ type: 'broadcast', id: 'someone-else', payload: 1 }));
  socket.send(JSON.stringify({ type: 'echo', id: 'also-not-mine' }));
  socket.send(JSON.stringify({ type: 'echo', id: msg.id, echo: msg }));
};

describe('WebSocket probe', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => { await Promise.all(servers.map((s) => s.close())); });

  it('matches the reply by id, ignoring broadcasts that arrive first, and closes with 1000', async () => {
    const server = await startWsServer(echo);
    servers.push(server);
    const trace = newTraceContext();
    const runner = createWsProbe(wsProbe({
      url: `${server.url}/ws`, send: { id: 'probe-42', type: 'ping' }, matchId: '$.id',
      expect: [{ path: '$.type', equals: 'echo' }, { path: '$.echo.type', matches: /^pi/ }],
    }), undefined);
    const result = await runner.run({ traceContext: trace });
    assert.equal(result.ok, true, result.message);
    assert.equal(result.kind, 'ws');
    assert.equal(result.target, server.url);
    assert.equal(result.status, 101);
    assert.ok(result.ws !== undefined && result.ws.connectSeconds > 0);
    assert.ok(result.ws.rttSeconds !== undefined && result.ws.rttSeconds > 0);
    assert.equal(result.phases.connect, result.ws.connectSeconds);
    assert.ok(Math.abs(result.durationSeconds - (result.ws.connectSeconds + result.ws.rttSeconds)) < 1e-9);
    assert.deepEqual(result.assertions?.map((a) => a.ok), [true, true]);
    assert.equal(result.traceId, trace.traceId);
    assert.equal(server.headers[0]?.traceparent, trace.traceparent);
    assert.equal(await server.closedCode(0), 1000);
  });

  it('builds the URL from the target (http -> ws) and sends target headers; no message = handshake only', async () => {
    const server = await startWsServer(() => assert.fail('nothing should be sent'));
    servers.push(server);
    const target = { name: 'demo', baseUrl: `http://127.0.0.1:${server.port}/`, headers: { 'x-team': 'a' } };
    const runner = createWsProbe(wsProbe({ path: '/ws', headers: { 'x-probe': 'b' } }), target);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, true, result.message);
    assert.equal(result.url, `ws://127.0.0.1:${server.port}/ws`);
    assert.equal(result.target, 'demo');
    assert.equal(result.ws?.rttSeconds, undefined);
    assert.equal(server.headers[0]?.['x-team'], 'a');
    assert.equal(server.headers[0]?.['x-probe'], 'b');
    assert.equal(await server.closedCode(0), 1000);
  });

  it('fails with no_reply when the server closes before a matching reply', async () => {
    const server = await startWsServer((socket) => {
      socket.send(JSON.stringify({ id: 'not-it' }));
      socket.close(1011, 'bye');
    });
    servers.push(server);
    const runner = createWsProbe(wsProbe({ url: server.url, send: { id: 7 }, matchId: '$.id' }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'no_reply');
    assert.ok(result.ws?.connectSeconds !== undefined);
    assert.equal(result.ws?.rttSeconds, undefined);
  });

  it('fails with handshake_rejected and records the status when the upgrade is answered 403', async () => {
    const http = createServer((_req, res) => res.end());
    http.on('upgrade', (_req, socket) => {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden');
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    servers.push({ close: () => new Promise<void>((resolve) => { http.closeAllConnections(); http.close(() => resolve()); }) });
    const port = (http.address() as AddressInfo).port;
    const runner = createWsProbe(wsProbe({ url: `ws://127.0.0.1:${port}/ws`, send: 'hi' }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'handshake_rejected');
    assert.equal(result.status, 403);
    assert.equal(result.ws, undefined);
  });

  it('fails with timeout when the server never replies, and the connection is closed', async () => {
    const server = await startWsServer(() => { /* never answers */ });
    servers.push(server);
    const runner = createWsProbe(wsProbe({ url: server.url, send: { id: 1 }, matchId: '$.id', timeout: 300 }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'timeout');
    assert.ok(result.durationSeconds >= 0.29, `ran ${result.durationSeconds}s`);
    // The server sees the socket go away (terminated, so 1006): nothing is left open.
    assert.equal(await server.closedCode(0), 1006);
  });

  it('fails with connect_refused when nothing listens', async () => {
    const http = createServer();
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    const port = (http.address() as AddressInfo).port;
    await new Promise<void>((resolve) => http.close(() => resolve()));
    const runner = createWsProbe(wsProbe({ url: `ws://127.0.0.1:${port}/ws` }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'connect_refused');
  });

  it('fails with assertion when the matched reply does not meet expect, listing each assertion', async () => {
    const server = await startWsServer(echo);
    servers.push(server);
    const runner = createWsProbe(wsProbe({
      url: server.url, send: { id: 'a1' }, matchId: '$.id',
      expect: [{ path: '$.type', equals: 'pong' }, { path: '$.echo.id', exists: true }, { path: '$.missing' }],
    }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'assertion');
    assert.deepEqual(result.assertions?.map((a) => [a.ok, a.actual]), [[false, '"echo"'], [true, '"a1"'], [false, '(missing)']]);
    assert.ok(result.ws?.rttSeconds !== undefined);
    assert.equal(await server.closedCode(0), 1000);
  });

  it('fails with invalid_json when the reply is not JSON', async () => {
    const server = await startWsServer((socket) => socket.send('not json'));
    servers.push(server);
    const runner = createWsProbe(wsProbe({ url: server.url, send: '{"id":3}', matchId: '$.id' }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.reason, 'invalid_json');
  });

  it('without matchId or expect, any first message is the reply', async () => {
    const server = await startWsServer((socket) => socket.send('pong'));
    servers.push(server);
    const runner = createWsProbe(wsProbe({ url: server.url, send: 'ping' }), undefined);
    const result = await runner.run({ traceContext: newTraceContext() });
    assert.equal(result.ok, true, result.message);
    assert.ok(result.ws?.rttSeconds !== undefined);
  });

  it('honours the abort signal and closes the socket', async () => {
    const server = await startWsServer(() => { /* never answers */ });
    servers.push(server);
    const runner = createWsProbe(wsProbe({ url: server.url, send: { id: 1 }, matchId: '$.id', timeout: 30_000 }), undefined);
    const controller = new AbortController();
    const running = runner.run({ traceContext: newTraceContext(), signal: controller.signal });
    await server.connected;
    controller.abort();
    const result = await running;
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'error');
    assert.equal(await server.closedCode(0), 1006);
  });

  it('rejects a matchId the sent message does not have, at build time', () => {
    assert.throws(() => createWsProbe(wsProbe({ url: 'ws://127.0.0.1:1/', send: { x: 1 }, matchId: '$.id' }), undefined),
      (err) => hasCode(err, 'PW_ERR_INVALID_ARGUMENT'));
    assert.throws(() => createWsProbe(wsProbe({ path: '/ws' }), undefined), (err) => hasCode(err, 'PW_ERR_INVALID_ARGUMENT'));
  });
});

describe('WebSocket failure classification', () => {
  it('maps socket and handshake errors to stable reasons', () => {
    const err = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });
    assert.equal(classifyWsError(err('getaddrinfo ENOTFOUND nope.invalid', 'ENOTFOUND')), 'dns');
    assert.equal(classifyWsError(err('getaddrinfo EAI_AGAIN x', 'EAI_AGAIN')), 'dns');
    assert.equal(classifyWsError(err('connect ECONNREFUSED', 'ECONNREFUSED')), 'connect_refused');
    assert.equal(classifyWsError(err('read ECONNRESET', 'ECONNRESET')), 'reset');
    assert.equal(classifyWsError(err('socket hang up')), 'reset');
    assert.equal(classifyWsError(err('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls');
    assert.equal(classifyWsError(err('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER')), 'tls');
    assert.equal(classifyWsError(err('Invalid Sec-WebSocket-Accept header')), 'handshake_rejected');
    assert.equal(classifyWsError(err('Opening handshake has timed out')), 'timeout');
    assert.equal(classifyWsError(err('something else')), 'error');
  });
});

describe('WebSocket probe over TLS (wss)', () => {
  const tls = selfSignedCert();
  const skip = tls === undefined ? 'openssl is not available to make a self-signed certificate' : false;

  it('fails with tls on a self-signed certificate and succeeds with tlsVerify false', { skip }, async () => {
    const https = createHttpsServer(tls ?? {});
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
    https.listen(0, '127.0.0.1');
    await once(https, 'listening');
    try {
      const url = `wss://127.0.0.1:${(https.address() as AddressInfo).port}/`;
      const strict = await createWsProbe(wsProbe({ url, send: { id: 1 }, matchId: '$.id' }), undefined).run({ traceContext: newTraceContext() });
      assert.equal(strict.reason, 'tls', strict.message);
      const lax = await createWsProbe(wsProbe({ url, send: { id: 1 }, matchId: '$.id', tlsVerify: false }), undefined).run({ traceContext: newTraceContext() });
      assert.equal(lax.ok, true, lax.message);
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
    }
  });
});
