/**
 * API fuzz: every route (and a few that do not exist) × hostile path parameters × every method ×
 * hostile bodies and content types, with and without the token, through the daemon's real HTTP
 * stack (fastify inject: routing, hooks, schemas, handlers). No answer may be a 5xx, and every
 * error must be the API's JSON shape.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { silentLogger } from '../../src/core/logger.js';
import { closedPort } from '../probe/http-fixtures.js';

const TOKEN = 'fuzz-token-123456';
let daemon: Daemon;

before(async () => {
  const dead = await closedPort();
  daemon = await createDaemon(loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
storage: { path: ":memory:" }
api: { token: ${TOKEN}, rateLimitPerMinute: 100000 }
targets: [{ name: api, url: "http://127.0.0.1:${dead}" }]
probes: [{ name: status, target: api, every: 60s, http: { path: /s, timeout: 1s } }]
loads: [{ name: smoke, target: api, executor: constant-vus, vus: 1, duration: 1s, timeout: 1s, scenarios: [{ name: main, requests: [{ path: / }] }] }]
alerts: [{ name: errors, select: { probes: [status] }, measure: error_rate, window: 1m, warning: "> 10%" }]
`, 'fuzz.yaml', {}), { logger: silentLogger() });
});
after(() => daemon?.stop('test done'));

const ROUTES = [
  '/api/probes', '/api/probes/:p/results', '/api/alerts', '/api/silences', '/api/silences/:p', '/api/loads', '/api/loads/:p/run',
  '/api/runs', '/api/runs/:p', '/api/runs/:p/abort', '/api/runs/:p/baseline', '/api/runs/:p/report.html', '/api/runs/:p/report.md',
  '/api/notifications/test', '/api/live', '/metrics', '/readyz', '/healthz', '/', '/docs/json', '/api/:p', '/:p',
];
const PARAMS = [
  'status', 'smoke', 'nope', '', '.', '..', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%00', '%ff', '%', 'a'.repeat(5000), '💥',
  "' OR 1=1 --", '<script>alert(1)</script>', '-1', '9'.repeat(40), 'null', 'undefined', '__proto__', 'constructor', '?x=1', '#frag',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
const BODIES: (string | Buffer | undefined)[] = [
  undefined, '', '{}', '[]', 'null', '"x"', '0', '{"a":', '{"matchers":[]}', '{"matchers":[{"name":1,"value":null}]}',
  '{"matchers":[{"name":"alert","value":"(","isRegex":true}],"duration":"1h"}', '{"matchers":[{"name":"a","value":"b"}],"endsAt":"not a date"}',
  '{"matchers":[{"name":"a","value":"b"}],"duration":"99999999999999999999d"}', '{"channel":5}', '{"channel":"nope"}', '{"reason":{"x":1}}',
  '{"__proto__":{"polluted":true}}', JSON.stringify({ big: 'x'.repeat(2 * 1024 * 1024) }), `${'['.repeat(5000)}${']'.repeat(5000)}`,
  Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
];
const TYPES: (string | undefined)[] = [
  'application/json', undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
  'application/json; charset=latin1', 'application/xml', '*/*', 'application/json, text/plain',
];

interface Case { method: (typeof METHODS)[number]; url: string; body: string | Buffer | undefined; type: string | undefined; auth: boolean }

function* cases(): Generator<Case> {
  let i = 0;
  for (const route of ROUTES) {
    for (const param of route.includes(':p') ? PARAMS : ['']) {
      const url = route.replace(':p', param);
      for (const method of METHODS) {
        // Each (route, param, method) once with a rotating body, content type and auth.
        yield { method, url, body: BODIES[i % BODIES.length], type: TYPES[i % TYPES.length], auth: i % 2 === 0 };
        i++;
      }
    }
  }
  // Every body × content type on the routes that read a body.
  for (const url of ['/api/silences', '/api/notifications/test', '/api/runs/nope/abort', '/api/loads/nope/run']) {
    for (const body of BODIES) for (const type of TYPES) yield { method: 'POST', url, body, type, auth: true };
  }
}

test('API fuzz: no 5xx and every API error is { error, code, message }', { timeout: 120_000 }, async (t) => {
  let total = 0;
  const statuses = new Map<number, number>();
  for (const c of cases()) {
    const headers: Record<string, string> = {};
    if (c.type !== undefined) headers['content-type'] = c.type;
    if (c.auth) headers.authorization = `Bearer ${TOKEN}`;
    const res = await daemon.context.app.inject({ method: c.method, url: c.url, headers, ...(c.body === undefined ? {} : { payload: c.body }) });
    total++;
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    const what = `${c.method} ${c.url.slice(0, 80)} (${c.type ?? 'no type'}, body ${String(c.body).slice(0, 40)})`;
    assert.ok(res.statusCode < 500, `${what} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400 && c.url.startsWith('/api/') && !c.url.startsWith('/api/live')) {
      const body = res.json<{ code?: unknown; message?: unknown }>();
      assert.ok(typeof body.code === 'string' && typeof body.message === 'string', `${what} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }
  }
  assert.ok(total >= 1000, `${total} cases`);
  assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200, 'alive after the fuzz');
  // For the README's reliability figures.
  t.diagnostic(`api fuzz: ${total} cases, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
});
