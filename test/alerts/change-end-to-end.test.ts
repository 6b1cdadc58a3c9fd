import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { chromium } from 'playwright-core';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import type { AlertService } from '../../src/alerts/alert-service.js';
import { startSmtpCatcher } from '../notify/smtp-catcher.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'e2e-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'pw-change-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The daemon with the real demo target and a real SMTP server. Probes run every 200 ms instead of
 * every 5 s so the detector's 120-result baseline takes 24 s, not 10 minutes; the detector and
 * its defaults are the ones config/default.yaml uses (test/alerts/change-default-config.test.ts
 * replays the default timing).
 */
function config(smtpPort: number) {
  return loadConfigText(`
server: { host: 127.0.0.1, port: 0 }
log: { level: silent }
storage: { path: "${join(dir, 'pw.db')}" }
api: { token: ${TOKEN} }
demo: { enabled: true, port: 0, latency: 2ms }
targets: [{ name: demo, demo: true }]
probes:
  - { name: trade, target: demo, every: 200ms, http: { method: POST, path: /api/trade, json: { symbol: BTCUSD, side: buy, quantity: 1 }, timeout: 5s } }
alerts:
  - { name: api-latency, select: { probes: [trade] }, measure: latency.p95, window: 10s, warning: "> 400ms", critical: "> 600ms" }
  - { name: latency-change, select: { probes: [trade] }, measure: latency_change, warning: "x1.5", critical: "x2" }
limits: { minInterval: 100ms }
notifications:
  evaluationInterval: 200ms
  retry: { initialBackoff: 200ms, maxBackoff: 1s }
  channels:
    - { name: mail, type: email, host: 127.0.0.1, port: ${smtpPort}, from: perfwarden@localhost, to: [oncall@localhost], timeout: 5s }
  routes:
    - { channels: [mail], groupWait: 0s, groupInterval: 0s, repeatInterval: 1h }
`, 'change-e2e.yaml', {});
}

test('demo latency knob 2 ms → 6 ms (under every threshold) → a change mail within 3 minutes; acknowledged → resolved mail', { timeout: 240_000 }, async () => {
  const smtp = await startSmtpCatcher();
  let daemon: Daemon | undefined;
  try {
    daemon = await createDaemon(config(smtp.port));
    const d = daemon;
    const alerts = d.context.services.get('alerts') as AlertService;
    const change = () => alerts.list().find((a) => a.alert === 'latency-change');
    // The detector has learned its baseline when the measure reads x1.
    await waitFor('the change detector baseline', () => (change()?.valueText === 'x1' ? true : undefined), 90_000, 200);
    const knob = await request(`${d.demo!.url}/admin/knobs`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latency: '6ms' }) });
    assert.equal(knob.statusCode, 200, await knob.body.text());
    const turnedAt = Date.now();

    const [mail] = await smtp.waitFor(1, 180_000);
    const elapsed = Date.now() - turnedAt;
    assert.ok(elapsed < 180_000, `mail after ${elapsed} ms`);
    assert.match(mail!.subject, /^\[(WARNING|CRITICAL)\] latency-change FIRING: trade latency_change = x\d+(\.\d+)? \(x(1\.5|2)\)$/);
    const body = mail!.raw.replace(/=\r?\n/g, '');
    assert.match(body, /p50 of trade rose from \d+(\.\d)? ms to \d+(\.\d)? ms \(x\d+(\.\d)?\) at \d\d:\d\d:\d\d UTC, \d+ seconds ago, confidence 0\.\d\d/);
    assert.equal(alerts.list().find((a) => a.alert === 'api-latency')?.level, 'none', 'no threshold alert: 6 ms is under every line');

    const view = change();
    assert.ok(view !== undefined && view.level !== 'none' && view.change !== undefined);
    assert.ok(view.change.at >= turnedAt - 1000, 'the change is dated after the knob turned');
    assert.ok(view.change.ratio >= 1.5, String(view.change.ratio));
    const metrics = await (await request(`${d.url}/metrics`)).body.text();
    assert.match(metrics, /perfwarden_probe_change_ratio\{probe="trade"\} \d/);
    assert.match(metrics, /perfwarden_probe_change_time_seconds\{probe="trade"\} \d{10}/);
    const html = await (await request(`${d.url}/`)).body.text();
    assert.match(html, new RegExp(`"changeAt":${view.change.at}`), 'the status page gets the change time for the sparkline marker');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'], timeout: 60_000 });
    try {
      const page = await browser.newPage();
      await page.goto(`${d.url}/`);
      const mark = page.locator('[data-probe="trade"] svg.spark [data-role="change"]');
      await mark.waitFor({ state: 'attached', timeout: 20_000 });
      assert.match((await mark.locator('title').textContent()) ?? '', /level changed at/);
    } finally {
      await browser.close();
    }

    const ack = await request(`${d.url}/api/alerts/latency-change/trade/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(ack.statusCode, 204, await ack.body.text());
    const resolved = await smtp.waitFor(2, 30_000);
    assert.match(resolved[1]!.subject, /^\[RESOLVED\] latency-change RESOLVED: trade/);
  } finally {
    await daemon?.stop('test');
    await smtp.close();
  }
});
