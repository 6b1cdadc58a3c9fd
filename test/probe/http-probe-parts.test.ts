/** The HTTP probe's pure parts: phase arithmetic, failure classification, redirects, trace ids, the CLI table. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedSetupStep, firstByteAt, newConnectTimeline, serverNameOf, setupPhases, ttfbSeconds } from '../../src/probe/http-connector.js';
import type { ConnectionTiming } from '../../src/probe/http-connector.js';
import { classifyFailure } from '../../src/probe/http-failure.js';
import { redirectTarget } from '../../src/probe/http-redirect.js';
import { planHttpRequest, renderHttpRequest, requestTarget } from '../../src/probe/http-request.js';
import { parseHeaders, wireRequestBytes } from '../../src/probe/http-wire.js';
import { formatPhaseTable } from '../../src/probe/probe-format.js';
import { newTraceContext, parseTraceparent } from '../../src/probe/trace-context.js';
import type { ProbeResult } from '../../src/probe/types.js';

describe('request target', () => {
  it('reads host, port (the scheme\'s by default), path and query from a URL', () => {
    assert.deepEqual(requestTarget('http://127.0.0.1:8080/a/b?c=1'), { protocol: 'http:', hostname: '127.0.0.1', port: 8080, host: '127.0.0.1:8080', path: '/a/b?c=1' });
    assert.deepEqual(requestTarget('https://[::1]/'), { protocol: 'https:', hostname: '::1', port: 443, host: '[::1]', path: '/' });
    assert.equal(requestTarget('http://example.test').port, 80);
  });

  it('is read once for a fixed URL and per run for a templated one', () => {
    const fixed = planHttpRequest('p', { url: 'http://127.0.0.1:9/x' }, undefined);
    assert.deepEqual(fixed.target, requestTarget('http://127.0.0.1:9/x'));
    assert.equal(renderHttpRequest(fixed, new Map()).target, fixed.target);
    const templated = planHttpRequest('p', { url: 'http://127.0.0.1:9/items/{{id}}' }, undefined, { templates: true });
    assert.equal(templated.target, undefined);
    const rendered = renderHttpRequest(templated, new Map([['id', '42']]));
    assert.equal(rendered.target, undefined);
    assert.equal(rendered.url, 'http://127.0.0.1:9/items/42');
  });
});

describe('the wire', () => {
  it('reads a head\'s headers: lower-cased, trimmed, repeats joined, set-cookie one by one, LF-only lines too', () => {
    const head = Buffer.from('xxHTTP/1.1 200 OK\r\nContent-Type:  text/plain \r\nX-A: 1\r\nbogus line\nx-a: 2\nSet-Cookie: a=1\r\nset-cookie: b=2; Path=/\r\nEmpty:\r\n\r\nbody: no', 'latin1');
    const end = head.indexOf('\r\n\r\n') + 4;
    assert.deepEqual(parseHeaders(head, 2, end), { 'content-type': 'text/plain', 'x-a': '1, 2', 'set-cookie': ['a=1', 'b=2; Path=/'], empty: '' });
  });

  it('writes one request: connection: close (whatever the probe set), Host unless a header has one, content-length for a body', () => {
    const target = requestTarget('http://127.0.0.1:8080/a?b=1');
    assert.equal(wireRequestBytes({ target, method: 'GET', headers: { 'user-agent': 'perfwarden', Connection: 'keep-alive' } }).toString('latin1'),
      'GET /a?b=1 HTTP/1.1\r\nuser-agent: perfwarden\r\nconnection: close\r\nhost: 127.0.0.1:8080\r\n\r\n');
    assert.equal(wireRequestBytes({ target, method: 'POST', headers: { host: 'api.test' }, body: 'é' }).toString('utf8'),
      'POST /a?b=1 HTTP/1.1\r\nhost: api.test\r\nconnection: close\r\ncontent-length: 2\r\n\r\né');
    assert.throws(() => wireRequestBytes({ target, method: 'GET', headers: { 'x-a': 'a\nb' } }), { code: 'UND_ERR_INVALID_ARG' });
  });
});

describe('trace context', () => {
  it('makes fresh W3C ids that parse back', () => {
    const a = newTraceContext();
    const b = newTraceContext();
    assert.match(a.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.notEqual(a.traceId, b.traceId);
    assert.notEqual(a.spanId, b.spanId);
    assert.deepEqual(parseTraceparent(a.traceparent), a);
  });

  it('never repeats an id across refills of its entropy pool', () => {
    const contexts = Array.from({ length: 1000 }, () => newTraceContext());
    assert.equal(new Set(contexts.map((c) => c.traceId)).size, 1000);
    assert.equal(new Set(contexts.map((c) => c.spanId)).size, 1000);
    for (const c of contexts) assert.deepEqual(parseTraceparent(c.traceparent), c);
  });

  it('rejects what W3C says to ignore', () => {
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const span = '00f067aa0ba902b7';
    assert.equal(parseTraceparent(`00-${trace}-${span}-01`)?.traceId, trace);
    assert.equal(parseTraceparent(` 00-${trace.toUpperCase()}-${span}-00 `)?.spanId, span);
    assert.equal(parseTraceparent(`01-${trace}-${span}-01-extra`)?.traceId, trace, 'future versions may add fields');
    for (const bad of [
      `00-${trace}-${span}-01-extra`, `ff-${trace}-${span}-01`, `00-${'0'.repeat(32)}-${span}-01`,
      `00-${trace}-${'0'.repeat(16)}-01`, `00-${trace.slice(1)}-${span}-01`, 'garbage', '',
    ]) assert.equal(parseTraceparent(bad), undefined, bad);
  });
});

describe('formatPhaseTable', () => {
  const base: ProbeResult = {
    probe: 'p', target: 't', kind: 'http', url: 'http://x/', ok: true, startedAt: 0, durationSeconds: 0.01302,
    phases: { dns: 0.00041, connect: 0.0003, ttfb: 0.0121, transfer: 0.00019 }, status: 200,
  };

  it('lists every phase in ms, the time in no phase, the total, status and outcome', () => {
    const lines = formatPhaseTable(base).split('\n');
    assert.deepEqual(lines.map((l) => l.split(/\s+/)), [
      ['phase', 'ms'], ['dns', '0.41'], ['connect', '0.30'], ['tls', '-'], ['ttfb', '12.10'], ['transfer', '0.19'],
      ['other', '0.02'], ['total', '13.02'], ['status', '200'], ['outcome', 'success'],
    ]);
  });

  it('shows a WebSocket run as connect and rtt', () => {
    const ws: ProbeResult = { ...base, kind: 'ws', url: 'ws://x/', durationSeconds: 0.0029, phases: { connect: 0.002 }, ws: { connectSeconds: 0.002, rttSeconds: 0.0009 } };
    const lines = formatPhaseTable(ws).split('\n').map((l) => l.split(/\s+/));
    assert.deepEqual(lines.slice(0, 5), [['phase', 'ms'], ['connect', '2.00'], ['rtt', '0.90'], ['total', '2.90'], ['status', '200']]);
  });

  it('shows the reason and message of a failure', () => {
    const text = formatPhaseTable({ ...base, ok: false, reason: 'timeout', message: 'timed out after 300ms', phases: { connect: 0.001 } });
    assert.match(text, /^outcome\s+failure: timeout$/m);
    assert.match(text, /^message\s+timed out after 300ms$/m);
    assert.match(text, /^ttfb\s+-$/m);
  });
});

describe('phase arithmetic', () => {
  const timeline = (...connections: ConnectionTiming[]) => {
    const t = newConnectTimeline();
    t.connections.push(...connections);
    return t;
  };

  it('splits one connection into dns, connect, tls and wire-time ttfb', () => {
    const t = timeline({ startAt: 100, lookupStartAt: 101, lookupEndAt: 104, connectAt: 110, secureAt: 130, tls: true, firstSentAt: 150, lastSentAt: 150, firstByteAt: 190 });
    const p = setupPhases(t);
    assert.deepEqual([p.dns, p.connect, p.tls].map((v) => Math.round((v ?? -1) * 1000)), [3, 6, 20]);
    // 150 → 190: the 20 ms between "secure" and "sent" is client overhead, in no phase.
    assert.equal(Math.round(ttfbSeconds(t, 100, 195) * 1000), 40);
    assert.equal(firstByteAt(t, 195), 190);
  });

  it('falls back to the parsed headers time when no first byte was seen', () => {
    const t = timeline({ startAt: 0, connectAt: 1, tls: false, firstSentAt: 2, lastSentAt: 2 });
    assert.equal(Math.round(ttfbSeconds(t, 0, 12) * 1000), 10);
    assert.equal(firstByteAt(t, 12), 12);
  });

  it('counts redirect hops in ttfb, but not a later connection\'s set-up', () => {
    const t = timeline(
      { startAt: 0, connectAt: 1, tls: false, firstSentAt: 2, lastSentAt: 2, firstByteAt: 10 },
      { startAt: 12, lookupStartAt: 12, lookupEndAt: 15, connectAt: 20, tls: false, firstSentAt: 21, lastSentAt: 21, firstByteAt: 40 },
    );
    assert.equal(Math.round(ttfbSeconds(t, 0, 41) * 1000), 40 - 2 - 8);
    assert.equal(Math.round((setupPhases(t).connect ?? 0) * 1000), 1 + 5);
  });

  it('names the step a connection stopped in', () => {
    assert.equal(failedSetupStep(timeline({ startAt: 0, lookupStartAt: 0, tls: false })), 'dns');
    assert.equal(failedSetupStep(timeline({ startAt: 0, lookupStartAt: 0, lookupEndAt: 1, dnsFailed: true, tls: false })), 'dns');
    assert.equal(failedSetupStep(timeline({ startAt: 0, tls: false })), 'connect');
    assert.equal(failedSetupStep(timeline({ startAt: 0, connectAt: 1, tls: true })), 'tls');
    assert.equal(failedSetupStep(timeline({ startAt: 0, connectAt: 1, secureAt: 2, tls: true })), undefined);
    assert.equal(failedSetupStep(timeline()), undefined);
  });

  it('takes the SNI name from a host header value, none for an IP literal', () => {
    assert.equal(serverNameOf('api.example.com'), 'api.example.com');
    assert.equal(serverNameOf('api.example.com:8443'), 'api.example.com');
    for (const ip of ['10.0.0.5', '10.0.0.5:443', '[::1]', '[::1]:8443', '']) assert.equal(serverNameOf(ip), undefined, ip);
  });

  it('classifies by code along the cause chain, then by the step', () => {
    const coded = (code: string, cause?: unknown) => Object.assign(new Error(code), { code, cause });
    const none = { timedOut: false, setupStep: undefined } as const;
    assert.equal(classifyFailure(coded('UND_ERR_SOCKET', coded('ECONNRESET')), none), 'reset');
    assert.equal(classifyFailure(new TypeError('fetch failed', { cause: coded('ENOTFOUND') }), none), 'dns');
    assert.equal(classifyFailure(coded('ERR_TLS_CERT_ALTNAME_INVALID'), none), 'tls');
    assert.equal(classifyFailure(coded('ECONNRESET'), { timedOut: false, setupStep: 'tls' }), 'tls');
    assert.equal(classifyFailure(coded('ECONNRESET'), { timedOut: true, setupStep: undefined }), 'timeout');
    assert.equal(classifyFailure(coded('UND_ERR_HEADERS_TIMEOUT'), none), 'timeout');
    assert.equal(classifyFailure(new Error('weird'), none), 'error');
  });
});

describe('redirectTarget', () => {
  const post = { url: 'http://a.test/login?x=1', method: 'POST', headers: { authorization: 'Bearer t', cookie: 'c=1', 'content-type': 'application/json', 'x-team': 'a', host: 'a.test' }, body: '{}' };

  it('resolves a relative location and keeps a 307/308 request as it was (host recomputed)', () => {
    for (const status of [307, 308]) {
      assert.deepEqual(redirectTarget(post, status, '/next'), { ...post, url: 'http://a.test/next', headers: { authorization: 'Bearer t', cookie: 'c=1', 'content-type': 'application/json', 'x-team': 'a' } });
    }
  });

  it('turns a 303, and a 301/302 after a POST, into a GET without body or body headers', () => {
    for (const status of [301, 302, 303]) {
      assert.deepEqual(redirectTarget(post, status, 'http://a.test/me'), { url: 'http://a.test/me', method: 'GET', headers: { authorization: 'Bearer t', cookie: 'c=1', 'x-team': 'a' } }, String(status));
    }
    const put = { ...post, method: 'PUT' };
    assert.equal(redirectTarget(put, 302, '/p')?.method, 'PUT', 'only a POST becomes a GET on 301/302');
    assert.equal(redirectTarget(put, 303, '/p')?.method, 'GET');
  });

  it('drops credentials on the way to another origin', () => {
    const next = redirectTarget(post, 307, 'https://b.test/');
    assert.deepEqual(next?.headers, { 'content-type': 'application/json', 'x-team': 'a' });
  });

  it('is not a redirect without a location, outside 3xx redirects, or to another scheme', () => {
    assert.equal(redirectTarget(post, 302, undefined), undefined);
    assert.equal(redirectTarget(post, 304, '/x'), undefined);
    assert.equal(redirectTarget(post, 200, '/x'), undefined);
    assert.equal(redirectTarget(post, 302, 'ftp://a.test/x'), undefined);
  });
});
