/** `perfwarden probe FILE --probe NAME` and `perfwarden validate FILE` with a probe that logs in first. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { readBody, sendJson, startHttpServer } from '../probe/http-fixtures.js';
import type { TestServer } from '../probe/http-fixtures.js';

const TOKEN = 'tok-cli-5f4e3d2c1b';
let srv: TestServer;
const dir = mkdtempSync(join(tmpdir(), 'pw-probe-file-'));
const file = join(dir, 'steps.yaml');

before(async () => {
  srv = await startHttpServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (req.url === '/login') return (JSON.parse(body) as { password?: string }).password === 'right' ? sendJson(res, { token: TOKEN }) : sendJson(res, {}, 401);
      return req.headers.authorization === `Bearer ${TOKEN}` ? sendJson(res, { user: 'ann' }) : sendJson(res, {}, 401);
    })();
  });
  writeFileSync(file, `targets: [{ name: api, url: "${srv.url}" }]
probes:
  - name: me
    type: http
    target: api
    every: 15s
    http:
      steps:
        - { name: login, method: POST, path: /login, json: { password: "\${PW}" }, extract: { token: $.token } }
        - { path: /me, headers: { authorization: "Bearer {{token}}" } }
  - { name: plain, type: http, target: api, every: 15s, http: { path: /me } }
`);
});
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

test('validate accepts a stepped probe', async () => {
  const io = captureIo();
  await runCli(['validate', file, '-e', 'PW=right'], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /2 probe\(s\): me, plain/);
});

test('probe FILE --probe NAME runs the steps once and shows each', async () => {
  const io = captureIo();
  await runCli(['probe', file, '--probe', 'me', '-e', 'PW=right'], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /^step\s+login: 200, [\d.]+ ms, ok$/m);
  assert.match(io.stdout, /^step\s+GET \/me: 200, [\d.]+ ms, ok$/m);
  assert.match(io.stdout, /^outcome\s+success$/m);
  const json = captureIo();
  await runCli(['probe', file, '--probe', 'me', '--json', '-e', 'PW=right'], json);
  const result = JSON.parse(json.stdout) as { ok: boolean; steps: unknown[] };
  assert.equal(result.ok, true);
  assert.equal(result.steps.length, 2);
  assert.ok(!json.stdout.includes(TOKEN), 'the token is not printed');
});

test('a failed login exits 1 naming the step; a file with several probes needs --probe; URL options are refused', async () => {
  const io = captureIo();
  await runCli(['probe', file, '--probe', 'me', '-e', 'PW=wrong'], io);
  assert.equal(io.code, 1);
  assert.match(io.stdout, /^message\s+step "login": status 200-399: got 401$/m);
  const several = captureIo();
  await runCli(['probe', file, '-e', 'PW=right'], several);
  assert.equal(several.code, 2);
  assert.match(several.stderr, /several probes; pick one with --probe \(me, plain\)/);
  const urlOption = captureIo();
  await runCli(['probe', file, '--probe', 'me', '-X', 'POST', '-e', 'PW=right'], urlOption);
  assert.equal(urlOption.code, 2);
  assert.match(urlOption.stderr, /--method: URL-mode option/);
});
