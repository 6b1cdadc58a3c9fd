/**
 * Replicas + an Alertmanager cluster: two perfwarden alert engines with one config see the same
 * firing alert and push it to both members of a two-node Alertmanager cluster (gossip on
 * loopback). The receiver, a real webhook server, gets the group once when it fires and once
 * when it resolves: Alertmanager's cluster de-duplicates what N replicas send.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../../src/core/clock.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { openDatabase } from '../../src/storage/database.js';
import { buildAlertEngine } from '../../src/alerts/build-engine.js';
import type { AlertTransition } from '../../src/alerts/types.js';
import { waitFor } from '../helpers/wait.js';
import { startAlertmanagerCluster } from './alertmanager.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** What Alertmanager's webhook integration POSTs. */
interface AmWebhook {
  status: 'firing' | 'resolved';
  groupKey: string;
  alerts: { status: string; labels: Record<string, string> }[];
}

test('two replicas, two clustered Alertmanagers: the receiver gets the group once firing and once resolved', { timeout: 120_000 }, async () => {
  const received: AmWebhook[] = [];
  const hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()) as AmWebhook);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => hook.close(() => resolve())));
  const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

  const [am1, am2] = await startAlertmanagerCluster(2, `
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{ url: "${hookUrl}", send_resolved: true }]
`);
  assert.ok(am1 !== undefined && am2 !== undefined);
  cleanups.push(() => am1.stop(), () => am2.stop());

  // The replicas' one config: every alert to both cluster members (Alertmanager's HA contract:
  // clients send to all of them).
  const config = loadConfigText(`
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes: [{ name: status, target: api, every: 1s, http: { path: /s } }]
alerts:
  - { name: replica-latency, select: { probes: [status] }, measure: latency.p95, window: 2s, warning: "> 400ms" }
limits: { minInterval: 100ms }
notifications:
  evaluationInterval: 250ms
  channels:
    - { name: am1, type: alertmanager, url: "${am1.base}" }
    - { name: am2, type: alertmanager, url: "${am2.base}" }
  routes: [{ channels: [am1, am2], groupWait: 0s, groupInterval: 1s, repeatInterval: 4h }]
`, 'replicas.yaml', {});
  const transitions: AlertTransition[][] = [[], []];
  const replicas = transitions.map((seen) => {
    const db = openDatabase(':memory:', []);
    const engine = buildAlertEngine(config, { db, clock: systemClock, onTransition: (t) => seen.push(t) });
    cleanups.push(async () => { await engine.stop(); db.close(); });
    return engine;
  });
  // Both replicas probe the same target: the same results reach both.
  let latency = 0.5;
  const feed = setInterval(() => {
    for (const engine of replicas) engine.store.addProbeResult({ probe: 'status', target: 'api', kind: 'http', url: 'x', ok: true, startedAt: Date.now(), durationSeconds: latency, phases: {} });
  }, 100);
  cleanups.push(() => clearInterval(feed));
  for (const engine of replicas) engine.start();

  await waitFor('the firing notification', () => received.find((n) => n.status === 'firing'), 30_000);
  // The replicas evaluate on their own timers: the second may fire a tick after the first notified.
  await waitFor('both replicas firing', () => (transitions.every((seen) => seen.some((t) => t.kind === 'firing')) ? true : undefined), 10_000);
  latency = 0.05;
  await waitFor('the resolved notification', () => received.find((n) => n.status === 'resolved'), 30_000);
  await waitFor('both replicas resolved', () => (transitions.every((seen) => seen.some((t) => t.kind === 'resolved')) ? true : undefined), 10_000);
  // Every member has flushed the group to the end (its resolved flush done, the group dropped):
  // a duplicate, had a member sent one, has reached the webhook by now.
  await waitFor('both members to drop the resolved group', async () => ((await am1.metric('alertmanager_dispatcher_aggregation_groups')) + (await am2.metric('alertmanager_dispatcher_aggregation_groups')) === 0 ? true : undefined), 60_000, 250);

  assert.deepEqual(received.map((n) => [n.status, n.alerts.map((a) => `${a.labels.alertname}/${a.labels.probe}:${a.status}`)]), [
    ['firing', ['replica-latency/status:firing']],
    ['resolved', ['replica-latency/status:resolved']],
  ]);
  // Both members got the alert from both replicas, so either could have sent: one did.
  const sent = (await am1.metric('alertmanager_notifications_total')) + (await am2.metric('alertmanager_notifications_total'));
  assert.equal(sent, 2, 'the cluster sent two notifications in all');
});
