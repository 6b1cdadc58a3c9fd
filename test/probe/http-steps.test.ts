/** Stepped HTTP probes against a real server that wants a login first. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfigText } from '../../src/config/load-config.js';
import { resolveTargets, buildProbeRunners } from '../../src/probe/build-probes.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { readBody, sendJson, startHttpServer } from './http-fixtures.js';
import type { TestServer } from './http-fixtures.js';

/** The login answers this late (server side): a probe measuring only the endpoint must not include it. */
const LOGIN_DELAY_MS = 250;
const PASSWORD = 'hunter2-from-the-env';
const TOKEN = `tok-${randomUUID()}`;

describe('http probe steps: log in, extract the token, call the endpoint', () => {
  let srv: TestServer;
  const seen: { path: string; authorization: string | undefined; body: string }[] = [];

  before(async () => {
    srv = await startHttpServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const path = req.url ?? '/';
        seen.push({ path, authorization: req.headers.authorization, body });
        const authorised = req.headers.authorization === `Bearer ${TOKEN}`;
        if (path === '/login' && req.method === 'POST') {
          const { password } = JSON.parse(body) as { password?: string };
          setTimeout(() => (password === PASSWORD ? sendJson(res, { session: { token: TOKEN }, user: 'ann' }) : sendJson(res, { error: 'bad credentials' }, 401)), LOGIN_DELAY_MS);
          return;
        }
        if (!authorised) return sendJson(res, { error: 'log in first' }, 401);
        if (path === '/me') return sendJson(res, { user: 'ann' });
        // Echoes the token: a failed body assertion would show it.
        if (path.startsWith('/items/')) return sendJson(res, { id: path.slice('/items/'.length), token: TOKEN });
        return sendJson(res, { error: 'no route' }, 404);
      })();
    });
  });
  after(() => srv.close());

  /** Builds the probes of a config (through validation, `${ENV}` included) and runs the named one. */
  async function runProbe(probesYaml: string, name: string): Promise<ProbeResult> {
    const config = loadConfigText(`targets: [{ name: api, url: "${srv.url}" }]\nprobes:\n${probesYaml}`, 'steps.yaml', { PW_TEST_PASSWORD: PASSWORD });
    const runners = buildProbeRunners(config, resolveTargets(config, undefined));
    const runner = runners.find((r) => r.name === name);
    assert.ok(runner !== undefined);
    return runner.run({ traceContext: newTraceContext() });
  }

  const login = (password: string, extract = '$.session.token') => `
        - name: login
          method: POST
          path: /login
          json: { user: ann, password: "${password}" }
          extract: { token: "${extract}" }`;

  const stepped = (name: string, password: string, rest = '', extract?: string) => `
  - name: ${name}
    type: http
    target: api
    every: 15s
    http:
      timeout: 5s${rest}
      steps:${login(password, extract)}
        - name: me
          path: /me
          headers: { authorization: "Bearer {{token}}" }
`;

  it('the endpoint refuses a request without the token (the server checks it)', async () => {
    const r = await runProbe('  - { name: bare, type: http, target: api, every: 15s, http: { path: /me } }\n', 'bare');
    assert.equal(r.ok, false);
    assert.equal(r.status, 401);
    assert.equal(r.steps, undefined, 'a one-request probe lists no steps');
  });

  it('sends the extracted token, and the latency is the last step\'s, without the slow login', async () => {
    const before = seen.length;
    const r = await runProbe(stepped('me', '${PW_TEST_PASSWORD}'), 'me');
    assert.equal(r.ok, true, r.message);
    assert.equal(r.status, 200);
    const requests = seen.slice(before);
    assert.deepEqual(requests.map((x) => x.path), ['/login', '/me']);
    assert.equal(JSON.parse(requests[0]?.body ?? '{}').password, PASSWORD, 'the ${ENV} value went out in the login body');
    assert.equal(requests[1]?.authorization, `Bearer ${TOKEN}`);
    const [loginStep, meStep] = r.steps ?? [];
    assert.deepEqual(r.steps?.map((s) => [s.name, s.status, s.ok]), [['login', 200, true], ['me', 200, true]]);
    assert.ok((loginStep?.durationSeconds ?? 0) >= LOGIN_DELAY_MS / 1000, `login took ${loginStep?.durationSeconds}s`);
    assert.ok(r.durationSeconds < LOGIN_DELAY_MS / 1000, `the probe's latency ${r.durationSeconds}s excludes the login`);
    assert.equal(r.durationSeconds, meStep?.durationSeconds);
    assert.deepEqual(r.phases, meStep?.phases);
    assert.ok((r.phases.ttfb ?? 1) < LOGIN_DELAY_MS / 1000);
    assert.equal(r.url, `${srv.url}/me`);
  });

  it('measure: total sums the steps; measure: <step> is that step', async () => {
    const total = await runProbe(stepped('total', '${PW_TEST_PASSWORD}', '\n      measure: total'), 'total');
    assert.equal(total.ok, true, total.message);
    const sum = (total.steps ?? []).reduce((s, x) => s + x.durationSeconds, 0);
    assert.ok(Math.abs(total.durationSeconds - sum) < 1e-9);
    assert.ok(total.durationSeconds >= LOGIN_DELAY_MS / 1000);
    assert.ok((total.phases.ttfb ?? 0) >= LOGIN_DELAY_MS / 1000, 'phases are summed too');
    const named = await runProbe(stepped('named', '${PW_TEST_PASSWORD}', '\n      measure: login'), 'named');
    assert.equal(named.durationSeconds, named.steps?.[0]?.durationSeconds);
    assert.ok(named.durationSeconds >= LOGIN_DELAY_MS / 1000);
  });

  it('a failing login fails the probe with the step\'s reason, and the endpoint is not called', async () => {
    const before = seen.length;
    const r = await runProbe(stepped('denied', 'wrong-password'), 'denied');
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'status');
    assert.match(r.message ?? '', /^step "login": status 200-399: got 401$/);
    assert.equal(r.status, 401);
    assert.equal(r.url, `${srv.url}/login`);
    assert.deepEqual(r.steps?.map((s) => [s.name, s.ok, s.reason]), [['login', false, 'status']]);
    assert.deepEqual(seen.slice(before).map((x) => x.path), ['/login']);
    assert.ok(r.durationSeconds >= LOGIN_DELAY_MS / 1000, 'a failed run lasts what it spent');
  });

  it('an extraction that finds nothing fails the step (the next request would carry an empty token)', async () => {
    const r = await runProbe(stepped('noextract', '${PW_TEST_PASSWORD}', '', '$.session.nope'), 'noextract');
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'assertion');
    assert.equal(r.message, 'step "login": extract token: nothing at $.session.nope');
  });

  it('the extracted token appears nowhere in the result, even where a check shows a body that carries it', async () => {
    const r = await runProbe(`
  - name: items
    type: http
    target: api
    every: 15s
    http:
      headers: { x-client: perfwarden-test }
      steps:${login('${PW_TEST_PASSWORD}')}
        - { name: item, path: "/items/{{token}}", headers: { authorization: "Bearer {{token}}" } }
    assert:
      body: "^never"
`, 'items');
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'assertion');
    assert.match(r.message ?? '', /^step "item": body matches/);
    assert.match(r.message ?? '', /<secret>/, 'the body was shown, redacted');
    assert.equal(r.url, `${srv.url}/items/{{token}}`, 'the URL keeps its template');
    assert.ok(!JSON.stringify(r).includes(TOKEN), JSON.stringify(r));
    assert.equal(seen.at(-1)?.path, `/items/${TOKEN}`, 'while the request itself carried it');
  });

  it('http.timeout bounds the whole sequence', async () => {
    const r = await runProbe(stepped('short', '${PW_TEST_PASSWORD}').replace('timeout: 5s', `timeout: ${LOGIN_DELAY_MS / 2}ms`), 'short');
    assert.equal(r.ok, false);
    assert.equal(r.reason, 'timeout');
    assert.match(r.message ?? '', /^step "login": timed out/);
  });
});
