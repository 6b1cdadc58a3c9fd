import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createHttpProbe } from '../../src/probe/http-probe.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import type { ProbeResult, ResolvedTarget } from '../../src/probe/types.js';
import type { AssertConfig, HttpRequestConfig } from '../../src/config/sections/probes.js';
import { closedPort, httpProbe, readBody, selfSignedCert, sendJson, startHttpServer, startHttpsServer } from './http-fixtures.js';
import type { TestServer } from './http-fixtures.js';

const MiB = 1024 * 1024;

/** Runs a probe once with a fresh trace context. */
async function runOnce(http: Partial<HttpRequestConfig>, assertCfg?: AssertConfig, target?: ResolvedTarget): Promise<ProbeResult> {
  return createHttpProbe(httpProbe(http, assertCfg), target).run({ traceContext: newTraceContext() });
}

/** Resolves when the server-side socket has closed (an RST's 'error' is expected, not a failure). */
function closed(socket: Socket): Promise<void> {
  socket.on('error', () => undefined);
  return socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

function phaseSum(r: ProbeResult): number {
  const p = r.phases;
  return (p.dns ?? 0) + (p.connect ?? 0) + (p.tls ?? 0) + (p.ttfb ?? 0) + (p.transfer ?? 0);
}

/** Streams `total` bytes in 64 KiB chunks, respecting back-pressure, until done or the client goes. */
async function stream(res: ServerResponse, total: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < total && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
  }
  if (!res.destroyed) res.end();
}

/** A raw server on loopback that answers any request with `first`, then `rest` after `delayMs` and closes; `fn` gets its URL. */
async function withSplitAnswer(first: string, rest: string, delayMs: number, fn: (url: string) => Promise<void>): Promise<void> {
  const raw = createNetServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.write(first);
      setTimeout(() => socket.end(rest), delayMs);
    });
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  try {
    await fn(`http://127.0.0.1:${(raw.address() as AddressInfo).port}/`);
  } finally {
    raw.close();
  }
}

describe('http probe against real servers', () => {
  let srv: TestServer;
  const seen: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];

  before(async () => {
    srv = await startHttpServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        seen.push({ path: req.url ?? '', headers: req.headers, body });
        const url = new URL(req.url ?? '/', 'http://x');
        switch (url.pathname) {
          case '/slow': {
            // Headers after 60 ms, then half the body, then the rest 60 ms later.
            setTimeout(() => {
              res.writeHead(200, { 'content-type': 'application/json', 'x-cache': 'HIT', age: '7' });
              res.write('{"status":');
              setTimeout(() => res.end('"ok"}'), 60);
            }, 60);
            return;
          }
          case '/json': return sendJson(res, { status: 'ok', data: { items: [{ id: 7 }] }, version: '1.2.3' });
          case '/echo': return sendJson(res, { method: req.method, body });
          case '/fail': return sendJson(res, { error: 'boom' }, 500);
          case '/html': {
            res.writeHead(200, { 'content-type': 'text/html', 'X-Cache': 'MISS' });
            return res.end('<html>hello</html>');
          }
          case '/redirect': {
            res.writeHead(302, { location: '/json' });
            return res.end();
          }
          case '/to-hang': {
            res.writeHead(307, { location: '/hang' });
            return res.end();
          }
          case '/see-other': {
            res.writeHead(303, { location: '/echo' });
            return res.end();
          }
          case '/loop': {
            res.writeHead(302, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` });
            return res.end();
          }
          case '/repeats': {
            res.setHeader('set-cookie', ['a=1', 'b=2']);
            res.setHeader('x-multi', ['1', '2']);
            res.write('{"status":');
            return void setTimeout(() => res.end('"ok"}'), 10);
          }
          case '/hang': return; // never answers
          case '/reset': {
            res.writeHead(200, { 'content-length': '1000' });
            res.write('x'.repeat(100));
            setTimeout(() => req.socket.destroy(), 20);
            return;
          }
          case '/rst': {
            res.writeHead(200, { 'content-length': '1000' });
            res.write('x'.repeat(100));
            setTimeout(() => req.socket.resetAndDestroy(), 20);
            return;
          }
          case '/big': {
            res.writeHead(200, { 'content-type': 'application/octet-stream' });
            return void stream(res, 5 * MiB);
          }
          case '/big-declared': {
            res.writeHead(200, { 'content-length': String(5 * MiB) });
            return void stream(res, 5 * MiB);
          }
          default: {
            res.writeHead(404);
            res.end();
          }
        }
      })();
    });
  });
  after(() => srv.close());

  const local = (path: string): string => `http://localhost:${srv.port}${path}`;

  it('succeeds with every phase measured, attributed and adding up to the total', async () => {
    const r = await runOnce({ url: local('/slow') }, { json: [{ path: '$.status', equals: 'ok' }] });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.status, 200);
    assert.equal(r.kind, 'http');
    assert.equal(r.target, `http://localhost:${srv.port}`);
    for (const phase of ['dns', 'connect', 'ttfb', 'transfer'] as const) {
      const v = r.phases[phase];
      assert.ok(v !== undefined && v >= 0 && v < 30, `${phase}=${String(v)}`);
    }
    assert.equal(r.phases.tls, undefined, 'no TLS on plain HTTP');
    // The server waits 60 ms before headers and 60 ms inside the body: lower bounds, not speed.
    assert.ok((r.phases.ttfb ?? 0) >= 0.05, `ttfb ${String(r.phases.ttfb)}`);
    assert.ok((r.phases.transfer ?? 0) >= 0.05, `transfer ${String(r.phases.transfer)}`);
    assert.ok(phaseSum(r) <= r.durationSeconds + 1e-9, 'phases fit in the total (the rest is client overhead)');
    assert.deepEqual(r.headers, { 'x-cache': 'HIT', age: '7', 'content-type': 'application/json' });
    assert.equal(r.bodyBytes, '{"status":"ok"}'.length);
    assert.ok(r.startedAt > Date.UTC(2020, 0, 1));
    assert.deepEqual(r.assertions?.map((a) => a.ok), [true, true]);
  });

  it('ends ttfb at the first byte, not when the headers are complete', async () => {
    // A raw server that sends the status line at once and the rest of the headers 300 ms later.
    await withSplitAnswer('HTTP/1.1 200 OK\r\n', 'content-length: 2\r\nconnection: close\r\n\r\nok', 300, async (url) => {
      const r = await runOnce({ url });
      assert.equal(r.ok, true, r.message);
      assert.ok((r.phases.transfer ?? 0) >= 0.29, `transfer ${String(r.phases.transfer)}`);
      // Generous: only a run that waited for the whole header block would reach 290 ms.
      assert.ok((r.phases.ttfb ?? 1) < 0.29, `ttfb ${String(r.phases.ttfb)}`);
    });
  });

  it('reads a body delimited by the server closing the connection (no length, not chunked)', async () => {
    await withSplitAnswer('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"status":', '"ok"}', 20, async (url) => {
      const r = await runOnce({ url }, { json: [{ path: '$.status', equals: 'ok' }] });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.bodyBytes, '{"status":"ok"}'.length);
      assert.ok(r.phases.transfer !== undefined);
    });
  });

  it('skips DNS for an IP literal', async () => {
    const r = await runOnce({ url: `${srv.url}/json` });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.phases.dns, undefined);
    assert.ok(r.phases.connect !== undefined && r.phases.ttfb !== undefined && r.phases.transfer !== undefined);
  });

  it('sends the traceparent from the run context and reports its ids', async () => {
    const traceContext = newTraceContext();
    const before = seen.length;
    const r = await createHttpProbe(httpProbe({ url: `${srv.url}/json` }), undefined).run({ traceContext });
    assert.equal(r.ok, true);
    const received = seen.slice(before).map((s) => s.headers.traceparent);
    assert.deepEqual(received, [traceContext.traceparent]);
    assert.equal(r.traceId, traceContext.traceId);
    assert.equal(r.spanId, traceContext.spanId);
    assert.equal(received[0], `00-${String(r.traceId)}-${String(r.spanId)}-01`);
  });

  it('joins target base URL and path, merges headers and serialises a JSON body', async () => {
    const target: ResolvedTarget = { name: 'api', baseUrl: srv.url, headers: { Authorization: 'Bearer t', 'X-Team': 'a' } };
    const before = seen.length;
    const r = await runOnce({ method: 'POST', path: '/echo', headers: { 'x-team': 'b' }, json: { side: 'buy', qty: 2 } }, { json: [{ path: '$.method', equals: 'POST' }] }, target);
    assert.equal(r.ok, true, r.message);
    assert.equal(r.target, 'api');
    assert.equal(r.url, `${srv.url}/echo`);
    const req = seen.at(-1);
    assert.equal(seen.length, before + 1);
    assert.equal(req?.headers.authorization, 'Bearer t');
    assert.equal(req?.headers['x-team'], 'b');
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.equal(req?.headers['user-agent'], 'perfwarden');
    assert.deepEqual(JSON.parse(req?.body ?? ''), { side: 'buy', qty: 2 });
  });

  it('uses a fresh connection for every run', async () => {
    const probe = createHttpProbe(httpProbe({ url: `${srv.url}/json` }), undefined);
    const before = srv.sockets.length;
    const a = await probe.run({ traceContext: newTraceContext() });
    const b = await probe.run({ traceContext: newTraceContext() });
    assert.ok(a.ok && b.ok);
    assert.equal(srv.sockets.length, before + 2);
    assert.ok(b.phases.connect !== undefined);
  });

  describe('on the wire', () => {
    it('reads repeated headers (joined; set-cookie one by one) and a chunked body sent in parts', async () => {
      const r = await runOnce({ url: `${srv.url}/repeats` }, { headers: [{ name: 'x-multi', equals: '1, 2' }, { name: 'set-cookie', equals: 'a=1, b=2' }], json: [{ path: '$.status', equals: 'ok' }] });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.bodyBytes, '{"status":"ok"}'.length);
      assert.equal(seen.at(-1)?.headers.connection, 'close');
    });

    it('expects no body after the head of a HEAD request, whatever its content-length says', async () => {
      const r = await runOnce({ url: `${srv.url}/json`, method: 'HEAD' });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.status, 200);
      assert.equal(r.bodyBytes, 0);
    });

    it('skips a 100 Continue head to the final response', async () => {
      await withSplitAnswer('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n', 'ok', 10, async (url) => {
        const r = await runOnce({ url }, { status: [[201, 201]] });
        assert.equal(r.ok, true, r.message);
        assert.equal(r.bodyBytes, 2);
      });
    });

    it('fails a response that is not HTTP as an error', async () => {
      await withSplitAnswer('SSH-2.0-OpenSSH_9.2\r\n', '', 10, async (url) => {
        const r = await runOnce({ url });
        assert.equal(r.reason, 'error', r.message);
      });
    });

    it('refuses a header value that would smuggle a line, sending nothing', async () => {
      const count = seen.length;
      const r = await runOnce({ url: `${srv.url}/json`, headers: { 'x-a': 'a\r\nx-b: c' } });
      assert.equal(r.reason, 'error', r.message);
      assert.match(r.message ?? '', /invalid x-a header/);
      assert.equal(seen.length, count);
    });
  });

  describe('failure reasons', () => {
    it('status: a status outside the expected ranges', async () => {
      const r = await runOnce({ url: `${srv.url}/fail` });
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'status');
      assert.equal(r.status, 500);
      assert.match(r.message ?? '', /500/);
      const listed = await runOnce({ url: `${srv.url}/json` }, { status: [[201, 201], [500, 599]] });
      assert.equal(listed.reason, 'status');
      const accepted = await runOnce({ url: `${srv.url}/fail` }, { status: [[500, 599]] });
      assert.equal(accepted.ok, true);
    });

    it('assertion: a JSON path value that differs', async () => {
      const r = await runOnce({ url: `${srv.url}/json` }, { json: [{ path: '$.data.items[0].id', equals: 8 }] });
      assert.equal(r.reason, 'assertion');
      assert.equal(r.assertions?.[1]?.actual, '7');
    });

    it('invalid_json: a JSON assertion on a body that is not JSON', async () => {
      const r = await runOnce({ url: `${srv.url}/html` }, { json: [{ path: '$.status', exists: true }] });
      assert.equal(r.reason, 'invalid_json');
    });

    it('assertion: a body regex that does not match', async () => {
      const ok = await runOnce({ url: `${srv.url}/html` }, { body: /hello/ });
      assert.equal(ok.ok, true);
      const r = await runOnce({ url: `${srv.url}/html` }, { body: /goodbye/ });
      assert.equal(r.reason, 'assertion');
    });

    it('assertion: a header (name case-insensitive) that does not match', async () => {
      const ok = await runOnce({ url: `${srv.url}/html` }, { headers: [{ name: 'x-CACHE', equals: 'MISS' }] });
      assert.equal(ok.ok, true, ok.message);
      assert.equal(ok.headers?.['x-cache'], 'MISS');
      const r = await runOnce({ url: `${srv.url}/html` }, { headers: [{ name: 'X-Cache', matches: /^HIT$/ }] });
      assert.equal(r.reason, 'assertion');
    });

    it('assertion: slower than maxLatency', async () => {
      const r = await runOnce({ url: `${srv.url}/slow` }, { maxLatency: 20 });
      assert.equal(r.reason, 'assertion');
      assert.match(r.message ?? '', /maxLatency/);
    });

    it('timeout: a server that never answers, and the connection is closed', async () => {
      const socket = srv.nextSocket();
      const r = await runOnce({ url: `${srv.url}/hang`, timeout: 300 });
      assert.equal(r.ok, false);
      assert.equal(r.reason, 'timeout');
      assert.ok(r.durationSeconds >= 0.29, `duration ${r.durationSeconds}`);
      assert.ok(r.phases.connect !== undefined && r.phases.ttfb === undefined);
      await closed(await socket);
    });

    it('connect_refused: nothing listening', async () => {
      const port = await closedPort();
      const r = await runOnce({ url: `http://127.0.0.1:${port}/` });
      assert.equal(r.reason, 'connect_refused', r.message);
      assert.equal(r.phases.connect, undefined);
    });

    for (const path of ['/reset', '/rst']) {
      it(`reset: the server ${path === '/rst' ? 'resets (RST)' : 'closes (FIN)'} the socket mid-body`, async () => {
        const r = await runOnce({ url: `${srv.url}${path}` });
        assert.equal(r.reason, 'reset', r.message);
        assert.equal(r.status, 200);
        assert.ok(r.phases.ttfb !== undefined && r.phases.transfer === undefined);
      });
    }

    it('body_too_large: a 5 MiB stream over a 1 MiB cap, and the server sees the socket close', async () => {
      const socket = srv.nextSocket();
      const r = await runOnce({ url: `${srv.url}/big`, maxBodySize: MiB });
      assert.equal(r.reason, 'body_too_large', r.message);
      assert.equal(r.bodyBytes, MiB);
      await closed(await socket);
    });

    it('body_too_large: a declared content-length over the cap, without reading it', async () => {
      const socket = srv.nextSocket();
      const r = await runOnce({ url: `${srv.url}/big-declared`, maxBodySize: MiB });
      assert.equal(r.reason, 'body_too_large');
      assert.equal(r.bodyBytes, 0);
      await closed(await socket);
    });

    it('dns: a name that does not resolve', async () => {
      const r = await runOnce({ url: 'http://perfwarden-test.invalid/', timeout: 20_000 });
      assert.equal(r.reason, 'dns', r.message);
      assert.equal(r.phases.dns, undefined);
    });

    it('error: aborted by the caller', async () => {
      const controller = new AbortController();
      const socket = srv.nextSocket();
      const pending = createHttpProbe(httpProbe({ url: `${srv.url}/hang` }), undefined).run({ traceContext: newTraceContext(), signal: controller.signal });
      await socket;
      controller.abort(new Error('shutting down'));
      const r = await pending;
      assert.equal(r.reason, 'error');
      assert.match(r.message ?? '', /shutting down/);
    });
  });

  describe('redirects', () => {
    it('are not followed by default: the 3xx is the result', async () => {
      const before = seen.length;
      const r = await runOnce({ url: `${srv.url}/redirect` });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.status, 302);
      assert.deepEqual(seen.slice(before).map((s) => s.path), ['/redirect']);
    });

    it('are followed when asked, to the final response', async () => {
      const before = seen.length;
      const r = await runOnce({ url: `${srv.url}/redirect`, followRedirects: true }, { json: [{ path: '$.status', equals: 'ok' }] });
      assert.equal(r.ok, true, r.message);
      assert.equal(r.status, 200);
      assert.deepEqual(seen.slice(before).map((s) => s.path), ['/redirect', '/json']);
    });

    it('turn a POST into a GET on 303, and each hop opens a connection of its own', async () => {
      const before = seen.length;
      const sockets = srv.sockets.length;
      const r = await runOnce({ method: 'POST', url: `${srv.url}/see-other`, json: { a: 1 }, followRedirects: true }, { json: [{ path: '$.method', equals: 'GET' }] });
      assert.equal(r.ok, true, r.message);
      assert.deepEqual(seen.slice(before).map((s) => [s.path, s.body]), [['/see-other', '{"a":1}'], ['/echo', '']]);
      assert.equal(srv.sockets.length, sockets + 2);
      // Both connections' set-up counts, and ttfb covers both hops.
      assert.ok(r.phases.connect !== undefined && r.phases.ttfb !== undefined);
      assert.ok(phaseSum(r) <= r.durationSeconds + 1e-9);
    });

    it('time out on a later hop, and that hop\'s connection is closed', async () => {
      const first = srv.nextSocket();
      const second = srv.nextSocket();
      const r = await runOnce({ url: `${srv.url}/to-hang`, followRedirects: true, timeout: 300 });
      assert.equal(r.reason, 'timeout', r.message);
      assert.ok(r.phases.connect !== undefined && r.phases.ttfb === undefined);
      await Promise.all([closed(await first), closed(await second)]);
    });

    it('stop at maxRedirects, which is a status failure', async () => {
      const before = seen.length;
      const r = await runOnce({ url: `${srv.url}/loop`, followRedirects: true, maxRedirects: 2 });
      assert.equal(r.reason, 'status', r.message);
      assert.equal(r.status, 302);
      assert.equal(seen.length - before, 3);
    });
  });
});

describe('http probe over TLS', () => {
  const tls = selfSignedCert();
  let srv: TestServer | undefined;
  /** The SNI name of each request the server answered (false: none was sent). */
  const sni: (string | false | null)[] = [];
  before(async () => {
    if (tls !== undefined) {
      srv = await startHttpsServer(tls, (req, res) => {
        sni.push((req.socket as TLSSocket).servername);
        sendJson(res, { status: 'ok' });
      });
    }
  });
  after(() => srv?.close());
  const skip = tls === undefined ? 'openssl is not available to make a self-signed certificate' : false;

  it('tls: a self-signed certificate fails verification', { skip }, async () => {
    const r = await runOnce({ url: `https://localhost:${srv?.port ?? 0}/` });
    assert.equal(r.reason, 'tls', r.message);
    assert.equal(r.phases.tls, undefined);
    assert.ok(r.phases.connect !== undefined);
  });

  it('tls: speaking TLS to a plain HTTP server', { skip }, async () => {
    const plain = await startHttpServer((_req, res) => res.end('plain'));
    try {
      const r = await runOnce({ url: `https://127.0.0.1:${plain.port}/`, tlsVerify: false });
      assert.equal(r.reason, 'tls', r.message);
    } finally {
      await plain.close();
    }
  });

  it('tlsVerify false accepts it and measures the handshake', { skip }, async () => {
    const r = await runOnce({ url: `https://localhost:${srv?.port ?? 0}/`, tlsVerify: false }, { json: [{ path: '$.status', equals: 'ok' }] });
    assert.equal(r.ok, true, r.message);
    for (const phase of ['dns', 'connect', 'tls', 'ttfb', 'transfer'] as const) {
      const v = r.phases[phase];
      assert.ok(v !== undefined && v >= 0, `${phase}=${String(v)}`);
    }
    assert.ok((r.phases.tls ?? 0) > 0);
    assert.ok(phaseSum(r) <= r.durationSeconds + 1e-9);
  });

  it('sends SNI from the host: the URL\'s name, a host header\'s, none for an IP literal', { skip }, async () => {
    const port = srv?.port ?? 0;
    const before = sni.length;
    for (const [url, headers] of [[`https://localhost:${port}/`, undefined], [`https://127.0.0.1:${port}/`, { host: 'virtual.test' }], [`https://127.0.0.1:${port}/`, undefined]] as const) {
      const r = await runOnce({ url, tlsVerify: false, ...(headers === undefined ? {} : { headers }) });
      assert.equal(r.ok, true, r.message);
    }
    assert.deepEqual(sni.slice(before), ['localhost', 'virtual.test', false]);
  });
});
