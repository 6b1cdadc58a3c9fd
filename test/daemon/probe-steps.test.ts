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

test('the token a login step extracts is in no API answer, stored result or log line', { timeout: 30_000 }, async (t) => {
  const token = `tok-${randomUUID()}`;
  const password = `pw-${randomUUID()}`;
  let withToken = 0;
  const target = await startHttpServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === '/login') return (JSON.parse(body) as { password?: string }).password === password ? sendJson(res, { token }) : sendJson(res, {}, 401);
      if (req.headers.authorization !== `Bearer ${token}`) return sendJson(res, { error: 'log in first' }, 401);
      withToken += 1;
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
`, 'steps.yaml', { PW_TEST_PASSWORD: password });
  const stream = new PassThrough();
  let log = '';
  stream.on('data', (c: Buffer) => { log += c.toString(); });
  const daemon = await createDaemon(config, { logger: createLogger({ level: 'debug', format: 'json', destination: stream }) });
  t.after(() => daemon.stop('test'));

  const page = await waitFor('a failed run of the stepped probe on /api/probes', async () => {
    const text = await (await fetch(`${daemon.url}/api/probes`)).text();
    const last = (JSON.parse(text) as { probes: { lastResult: { reason?: string } | null }[] }).probes[0]?.lastResult;
    return last?.reason === 'assertion' ? text : undefined;
  });
  const results = await waitFor('a stored result', async () => {
    const text = await (await fetch(`${daemon.url}/api/probes/items/results?since=1m`)).text();
    return text.includes('"results":[{') ? text : undefined;
  });
  await waitFor('the failure in the log', () => (log.includes('probe failed') ? true : undefined));

  assert.ok(withToken > 0, 'the endpoint was called with the token');
  const last = (JSON.parse(page) as { probes: { lastResult: { message: string; url: string; steps: { name: string; ok: boolean }[] } }[] }).probes[0]?.lastResult;
  assert.match(last?.message ?? '', /^step "item": body matches \/\^never\/: got .*<secret>/, 'the reason names the step and shows the body, redacted');
  assert.equal(last?.url, `${target.url}/items/{{token}}`);
  assert.deepEqual(last?.steps.map((s) => [s.name, s.ok]), [['login', true], ['item', false]]);
  assert.match(log, /step \\"item\\": body matches/);
  for (const [where, text] of [['GET /api/probes', page], ['GET /api/probes/items/results', results], ['the log', log]] as const) {
    assert.ok(!text.includes(token), `${where} shows the token`);
    assert.ok(!text.includes(password), `${where} shows the password`);
  }
});
