import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createAlertmanagerNotifier, createWebhookNotifier } from '../../src/notify/webhook-notifier.js';
import type { Notification } from '../../src/notify/types.js';
import type { AlertTransition } from '../../src/alerts/types.js';
import { reservePort } from './smtp-catcher.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-am-'));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

function notice(kind: AlertTransition['kind'], at: number): Notification {
  const t: AlertTransition = {
    key: 'api-latency/status', alert: 'api-latency', subject: 'status', subjectKind: 'probes', kind, severity: 'critical',
    from: 'none', to: kind === 'resolved' ? 'none' : 'critical', measure: 'latency.p95', value: 0.712, valueText: '712ms',
    threshold: '> 600ms', since: at - 60_000, at, labels: { alert: 'api-latency', severity: 'critical', probe: 'status', team: 'web' },
  };
  return { id: 7, channel: 'x', groupKey: '0:api-latency', status: kind === 'resolved' ? 'resolved' : 'firing', severity: 'critical', alerts: [t], dashboardUrl: 'http://127.0.0.1:3000/d/pw', createdAt: at };
}

test('webhook: JSON and Slack formats are POSTed; a non-2xx answer is a failed delivery', async () => {
  const bodies: unknown[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ auth: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) as unknown });
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const json = createWebhookNotifier({ name: 'hook', type: 'webhook', url, format: 'json', headers: { authorization: 'Bearer x' }, timeout: 5000 });
  const slack = createWebhookNotifier({ name: 'slack', type: 'webhook', url, format: 'slack', timeout: 5000 });
  await json.send(notice('firing', Date.now()));
  await slack.send(notice('firing', Date.now()));
  const [a, b] = bodies as { auth?: string; body: Record<string, unknown> }[];
  assert.equal(a?.auth, 'Bearer x');
  assert.equal((a?.body.alerts as { valueText: string }[])[0]?.valueText, '712ms');
  assert.match(String(b?.body.text), /^\*\[CRITICAL\] api-latency FIRING: status latency\.p95 = 712ms \(> 600ms\)\*/);
  status = 500;
  await assert.rejects(json.send(notice('firing', Date.now())), /HTTP 500/);
});

test('a real Alertmanager receives the pushed alert (API v2) and resolves it', { timeout: 60_000 }, async () => {
  const port = await reservePort();
  const cfg = join(dir, 'am.yml');
  writeFileSync(cfg, 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n');
  const am = spawn('/usr/bin/prometheus-alertmanager', [
    `--config.file=${cfg}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
  ], { stdio: 'ignore' });
  cleanups.push(async () => {
    if (am.exitCode === null && am.signalCode === null) {
      am.kill('SIGTERM');
      await new Promise<void>((resolve) => am.once('exit', () => resolve()));
    }
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await request(`${base}/-/ready`).then(async (r) => { await r.body.dump(); return r.statusCode === 200; }, () => false);
    if (ok) break;
    if (Date.now() > deadline || am.exitCode !== null) throw new Error('alertmanager did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
  const channel = createAlertmanagerNotifier({ name: 'am', type: 'alertmanager', url: base, timeout: 5000 });
  const now = Date.now();
  await channel.send(notice('firing', now));
  const list = async () => {
    const r = await request(`${base}/api/v2/alerts`);
    return (await r.body.json()) as { labels: Record<string, string>; annotations: Record<string, string>; status: { state: string }; endsAt: string; generatorURL: string }[];
  };
  const alerts = await list();
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0]?.labels, { alertname: 'api-latency', alert: 'api-latency', severity: 'critical', probe: 'status', team: 'web' });
  assert.equal(alerts[0]?.annotations.value, '712ms');
  assert.equal(alerts[0]?.annotations.threshold, '> 600ms');
  assert.equal(alerts[0]?.status.state, 'active');
  assert.equal(alerts[0]?.generatorURL, 'http://127.0.0.1:3000/d/pw');

  await channel.send(notice('resolved', Date.now()));
  const after2 = await list();
  assert.ok(after2.every((a) => Date.parse(a.endsAt) <= Date.now()), JSON.stringify(after2));
});
