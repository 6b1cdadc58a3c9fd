/** A stepped probe inside the daemon: its failure reason reaches the API, history and logs; its extracted token does not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import { createLogger } from '../../src/core/logger.js';
import { readBody, sendJson, startHttpServer } from '../probe/http-fixtures.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The login answers this late (server side); the endpoint's latency on /metrics must not include
 * it. Generous, so a loaded machine's slow loopback requests cannot reach it.
 */
const LOGIN_DELAY_MS = 400;

test('the token a login step extracts is in no API answer, stored result or log line; /metrics has the endpoint\'s latency', { timeout: 30_000 }, async (t) => {
  const token = `tok-${randomUUID()}`;
  const password = `pw-${randomUUID()}`;
  let withToken = 0;
  const target = await startHttpServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === '/login') {
        const ok = (JSON.parse(body) as { password?: string }).password === password;
        setTimeout(() => (ok ? sendJson(res, { token }) : sendJson(res, {}, 401)), LOGIN_DELAY_MS);
        return;
      }
      if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, { error: 'log in first' }, 401);
      withToken += 1;
      if (req.url === '/me') return sendJson(res, { user: 'ann' });
      // Echoes the token, so the failed body check below would show it.
      return sendJson(res, { id: req.url, token });
    })();
  });
  t.after(() => target.close());

  const config = loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
storage: { path: ":memory:" }
limits: { minInterval: 100ms }
targets: [{ name: api, url: "${target.url}" }]
probes:
  - name: items
    type: http
    target: api
    every: 100ms
    http:
      steps:
        - { name: login, method: POST, path: /login, json: { password: "\${PW_TEST_PASSWORD}" }, extract: { token: $.token } }
        - { name: item, path: "/items/{{token}}", headers: { authorization: "Bearer {{token}}" } }
    assert: { body: "^never" }
  - name: me
    type: http
    target: api
    every: 100ms
    http:
      steps:
        - { name: login, method: POST, path: /login, json: { password: "\${PW_TEST_PASSWORD}" }, extract: { token: $.token } }
        - { name: me, path: /me, headers: { authorization: "Bearer {{token}}" } }
`, 'steps.yaml', { PW_TEST_PASSWORD: password });
  const stream = new PassThrough();
  let log = '';
  stream.on('data', (c: Buffer) => { log += c.toString(); });
  const daemon = await createDaemon(config, { logger: createLogger({ level: 'debug', format: 'json', destination: stream }) });
  t.after(() => daemon.stop('test'));

  const page = await waitFor('a failed run of the stepped probe on /api/probes', async () => {
    const text = await (await fetch(`${daemon.url}/api/probes`)).text();
    const last = (JSON.parse(text) as { probes: { name: string; lastResult: { reason?: string } | null }[] }).probes.find((p) => p.name === 'items')?.lastResult;
    return last?.reason === 'assertion' ? text : undefined;
  });
  const results = await waitFor('a stored result', async () => {
    const text = await (await fetch(`${daemon.url}/api/probes/items/results?since=1m`)).text();
    return text.includes('"results":[{') ? text : undefined;
  });
  await waitFor('the failure in the log', () => (log.includes('probe failed') ? true : undefined));
  const metrics = await waitFor('two successful runs of "me" on /metrics', async () => {
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    return /perfwarden_probe_runs_total\{probe="me",outcome="success",reason=""\} [2-9]/.test(text) ? text : undefined;
  });

  assert.ok(withToken > 0, 'the endpoint was called with the token');
  const last = (JSON.parse(page) as { probes: { name: string; lastResult: { message: string; url: string; steps: { name: string; ok: boolean }[] } }[] }).probes.find((p) => p.name === 'items')?.lastResult;
  assert.match(last?.message ?? '', /^step "item": body matches \/\^never\/: got .*<secret>/, 'the reason names the step and shows the body, redacted');
  assert.equal(last?.url, `${target.url}/items/{{token}}`);
  assert.deepEqual(last?.steps.map((s) => [s.name, s.ok]), [['login', true], ['item', false]]);
  assert.match(log, /step \\"item\\": body matches/);
  const series = (name: string) => Number(new RegExp(`^${name}\\{probe="me",target="api"\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
  const sum = series('perfwarden_probe_duration_seconds_sum');
  const count = series('perfwarden_probe_duration_seconds_count');
  assert.ok(count >= 2 && sum / count < LOGIN_DELAY_MS / 1000, `mean probe latency ${sum / count}s excludes the ${LOGIN_DELAY_MS} ms login`);
  for (const [where, text] of [['GET /api/probes', page], ['GET /api/probes/items/results', results], ['the log', log], ['/metrics', metrics]] as const) {
    assert.ok(!text.includes(token), `${where} shows the token`);
    assert.ok(!text.includes(password), `${where} shows the password`);
  }
});
