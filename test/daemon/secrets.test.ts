import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startSmtpCatcher } from '../notify/smtp-catcher.js';
import { exited, waitFor, waitForLine } from '../helpers/wait.js';

/** Planted secrets: each must appear in no output of the run. */
const SECRETS = {
  PW_TEST_API_TOKEN: 'api-token-9f8e7d6c5b4a',
  PW_TEST_TARGET_PASSWORD: 'target-pass-1a2b3c4d',
  PW_TEST_BEARER: 'bearer-5e6f7a8b9c0d',
  PW_TEST_HOOK_SECRET: 'T0000/B0000/hook-secret-XyZ123',
  PW_TEST_SMTP_PASSWORD: 'smtp-pass-0q9w8e7r',
};
const LITERAL_PASSWORD = 'literal-webhook-header-secret';

const dir = mkdtempSync(join(tmpdir(), 'pw-secrets-'));
const children: ChildProcess[] = [];
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of closers.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('no planted secret appears in any log line, error, API answer, metric, status page or live message', { timeout: 90_000 }, async () => {
  // A target that fails and echoes what it got (the Authorization header, the URL credentials).
  const target = createServer((req, res) => {
    res.statusCode = 500;
    res.end(JSON.stringify({ saw: req.headers.authorization, url: req.url }));
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => { target.closeAllConnections(); target.close(() => resolve()); }));
  // A webhook receiver that refuses and echoes its path (a Slack-style URL's secret).
  const hook = createServer((req, res) => {
    res.statusCode = 500;
    res.end(`no such hook ${req.url} (auth ${req.headers['x-hook-key']})`);
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => { hook.closeAllConnections(); hook.close(() => resolve()); }));
  // An SMTP server that refuses the password.
  const smtp = await startSmtpCatcher({ auth: { user: 'pw', pass: 'not-the-one' } });
  closers.push(() => smtp.close());

  const targetPort = (target.address() as AddressInfo).port;
  const hookPort = (hook.address() as AddressInfo).port;
  const config = join(dir, 'secrets.yaml');
  writeFileSync(config, `
server: { host: 127.0.0.1, port: 0 }
log: { level: debug, format: json }
storage: { path: ${join(dir, 'pw.db')} }
api: { token: "\${PW_TEST_API_TOKEN}", readsOpen: false }
limits: { minInterval: 100ms }
targets:
  - name: api
    url: "http://pwuser:\${PW_TEST_TARGET_PASSWORD}@127.0.0.1:${targetPort}"
    headers: { authorization: "Bearer \${PW_TEST_BEARER}" }
probes:
  - { name: status, target: api, every: 200ms, http: { path: /status, timeout: 2s } }
alerts:
  - { name: errors, select: { probes: [status] }, measure: error_rate, window: 2s, warning: "> 10%" }
notifications:
  evaluationInterval: 200ms
  retry: { initialBackoff: 200ms, maxBackoff: 400ms }
  channels:
    - { name: hook, type: webhook, url: "http://127.0.0.1:${hookPort}/services/\${PW_TEST_HOOK_SECRET}", headers: { x-hook-key: ${LITERAL_PASSWORD} }, timeout: 2s }
    - { name: mail, type: email, host: 127.0.0.1, port: ${smtp.port}, user: pw, password: "\${PW_TEST_SMTP_PASSWORD}", from: pw@example.test, to: [ops@example.test], timeout: 2s }
  routes: [{ channels: [hook, mail], groupWait: 0s, groupInterval: 1s }]
`);
  const env = { ...process.env, ...SECRETS };
  const outputs: { where: string; text: string }[] = [];

  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let log = '';
  child.stdout.on('data', (c: Buffer) => { log += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { log += c.toString(); });
  const listening = await waitForLine(child, /perfwarden listening/, 30_000);
  const base = (JSON.parse(listening) as { url: string }).url;
  const auth = { authorization: `Bearer ${SECRETS.PW_TEST_API_TOKEN}` };

  // Both channels have failed at least once: their errors are in the log.
  const failed = async (channel: string) => {
    const text = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    const m = new RegExp(`perfwarden_notifications_total\\{channel="${channel}",outcome="failed"\\} (\\d+)`).exec(text);
    return m !== null && Number(m[1]) > 0 ? true : undefined;
  };
  await waitFor('the webhook failed', () => failed('hook'), 30_000, 200);
  await waitFor('the mail failed', () => failed('mail'), 30_000, 200);

  for (const path of ['/api/probes', '/api/probes/status/results', '/api/alerts', '/api/silences', '/api/runs', '/api/loads', '/metrics', '/', '/readyz', '/docs/json']) {
    const res = await fetch(`${base}${path}`, { headers: auth });
    outputs.push({ where: `GET ${path} (${res.status})`, text: await res.text() });
  }
  for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
    const res = await fetch(`${base}/api/silences`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
    outputs.push({ where: `POST /api/silences (${res.status})`, text: await res.text() });
  }
  const live = new WebSocket(`${base.replace('http', 'ws')}/api/live?token=${SECRETS.PW_TEST_API_TOKEN}`);
  const first = await new Promise<string>((resolve, reject) => {
    live.once('message', (m: Buffer) => resolve(m.toString()));
    live.once('error', reject);
  });
  live.close();
  outputs.push({ where: 'live socket snapshot', text: first });

  child.kill('SIGTERM');
  await exited(child);
  outputs.push({ where: 'daemon stdout+stderr', text: log });

  // A validation error with the secrets substituted where they do not belong.
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, `server: { port: "\${PW_TEST_API_TOKEN}" }\nstorage: { path: "\${PW_TEST_SMTP_PASSWORD}" }\ntargets: [{ name: api, url: "\${PW_TEST_BEARER}" }]\nprobes: []\n`);
  const validate = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate', broken], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(validate);
  let validateOut = '';
  validate.stdout.on('data', (c: Buffer) => { validateOut += c.toString(); });
  validate.stderr.on('data', (c: Buffer) => { validateOut += c.toString(); });
  assert.equal((await exited(validate)).code, 2);
  outputs.push({ where: 'validate', text: validateOut });

  for (const { where, text } of outputs) {
    for (const [name, secret] of [...Object.entries(SECRETS), ['literal header', LITERAL_PASSWORD] as const]) {
      assert.ok(!text.includes(secret), `${name} leaked in ${where}:\n${text.slice(Math.max(0, text.indexOf(secret) - 300), text.indexOf(secret) + 100)}`);
    }
  }
  // The outputs are real: the failures are there, with the secrets replaced.
  assert.match(log, /notification #\d+ to hook not delivered/);
  assert.match(log, /<secret>/);
  assert.match(validateOut, /server\.port: .*got <secret>/);
  assert.ok(outputs.find((o) => o.where.startsWith('GET /api/probes/status/results'))?.text.includes('<secret>@127.0.0.1'), 'probe URL keeps its host, not its credentials');
});
