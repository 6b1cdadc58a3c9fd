import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createApiModule } from '../../src/api/api-module.js';
import { createStatusPageModule } from '../../src/status-page/status-page-module.js';
import type { HistoryService } from '../../src/history/history-service.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { harness } from '../api/harness.js';
import type { Harness } from '../api/harness.js';
import { result } from '../history/fixtures.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let h: Harness;
let base: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
/** Emits like the loose producers (alerts, load engine) will. */
const emitLoose = (event: string, payload: unknown) => (h.ctx.events.emit as (e: string, p: unknown) => void)(event, payload);

before(async () => {
  // A fake alerts service with nothing firing: the page then shows "no alerts firing", and a
  // transition event (as the alerts module will emit) must turn it into a firing alert.
  h = await harness({ db: true, modules: [createApiModule({ docs: false }), createStatusPageModule()], services: { alerts: { list: () => [] } } });
  const history = h.ctx.services.get('history') as HistoryService;
  const now = Date.now();
  for (let i = 0; i < 40; i++) {
    h.ctx.events.emit('probe:result', result('status', now - HOUR + i * 90_000, 18 + 10 * Math.sin(i / 4) + (i % 5)));
    h.ctx.events.emit('probe:result', result('trade', now - HOUR + i * 90_000 + 1000, 60 + 25 * Math.cos(i / 6) + (i % 7) * 3, i !== 30));
  }
  history.recordFinishedRun({ id: 'smoke-1', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: now - 7_200_000, finishedAt: now - 7_140_000, result: { summary: { requests: 5000, errors: 0 }, latencyMs: { p95: 40, p99: 60 }, endpoints: [] } }, { html: '<html><body>r1</body></html>' });
  history.recordFinishedRun({ id: 'smoke-2', load: 'smoke', status: 'finished', verdict: 'fail', startedAt: now - 3_600_000, finishedAt: now - 3_540_000, result: { summary: { requests: 5000, errors: 100 }, latencyMs: { p95: 140, p99: 260 }, endpoints: [] } }, { html: '<html><body>r2</body></html>' });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});
after(async () => {
  await browser?.close();
  await h?.close();
});

const HOUR = 3_600_000;

test('the page loads without console errors and shows every probe with a sparkline', async () => {
  const res = await page.goto(base);
  assert.equal(res?.status(), 200);
  await page.waitForSelector('#conn.live');
  assert.deepEqual(await page.locator('[data-probe]').evaluateAll((els) => els.map((e) => e.getAttribute('data-probe'))), ['status', 'trade']);
  assert.equal(await page.locator('[data-probe="status"]').getAttribute('data-status'), 'up');
  assert.ok(await page.locator('[data-probe="status"] svg.spark polyline').count() === 1);
  assert.match(await page.locator('#alerts').innerText(), /no alerts firing/);
  assert.equal(await page.locator('#runs tr[data-run]').count(), 2);
  assert.equal(await page.locator('#runs tr[data-run="smoke-2"] a').getAttribute('href'), '/api/runs/smoke-2/report.html');
  assert.deepEqual(consoleErrors, []);
});

test('a probe result updates the page live, without reload', async () => {
  await page.evaluate(() => { (globalThis as unknown as { marker: number }).marker = 42; });
  const failure: ProbeResult = { ...result('trade', Date.now(), 912.4, false), message: 'status 503' };
  h.ctx.events.emit('probe:result', failure);
  await page.waitForSelector('[data-probe="trade"][data-status="down"]');
  assert.match(await page.locator('[data-probe="trade"] [data-role="latency"]').innerText(), /912 ms/);
  assert.match(await page.locator('[data-probe="trade"] .reason').innerText(), /status: status 503/);
  assert.equal(await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker), 42, 'no reload');
});

test('a firing alert transition shows with its severity; resolving removes it', async () => {
  const transition = (kind: string, to: string) => ({
    key: 'api-latency/trade', alert: 'api-latency', subject: 'trade', subjectKind: 'probe', kind, severity: 'critical', from: 'warning', to,
    measure: 'latency.p95', value: 0.912, valueText: 'p95 912 ms > 600 ms', threshold: '> 600ms', since: Date.now() - 120_000, at: Date.now(), labels: {},
  });
  emitLoose('alert:transition', transition('escalated', 'critical'));
  await page.waitForSelector('[data-alert="api-latency/trade"][data-severity="critical"]');
  assert.match(await page.locator('#alerts').innerText(), /critical[\s\S]*api-latency[\s\S]*trade[\s\S]*912 ms/i);

  emitLoose('alert:transition', { ...transition('firing', 'warning'), key: 'memory/demo', alert: 'memory', subject: 'demo', severity: 'warning', valueText: 'memory 78 % > 75 %' });
  await page.waitForSelector('[data-alert="memory/demo"][data-severity="warning"]');
  await mkdirAndShoot('status-page.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await mkdirAndShoot('status-page-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });

  emitLoose('alert:transition', { ...transition('resolved', 'none'), key: 'memory/demo' });
  await page.waitForSelector('[data-alert="memory/demo"]', { state: 'detached' });
  assert.equal(await page.locator('[data-alert]').count(), 1);
});

test('load progress draws a live chart; a finished run joins the recent runs', async () => {
  for (let i = 1; i <= 8; i++) {
    emitLoose('load:progress', { runId: 'smoke-3', name: 'smoke', phase: 'run', elapsedSeconds: i, totalSeconds: 60, requests: i * 400, errors: i > 6 ? 3 : 0, rps: 380 + (i % 3) * 20, p95Ms: 35 + i * 2, vus: 20, droppedIterations: 0 });
  }
  await page.waitForSelector('.load[data-run="smoke-3"]');
  await page.locator('.load .figures', { hasText: '51.0 ms' }).waitFor();
  assert.equal(await page.locator('.load svg.chart polyline.rps').count(), 1);
  await mkdirAndShoot('status-page-load.png');

  const history = h.ctx.services.get('history') as HistoryService;
  history.recordFinishedRun({ id: 'smoke-3', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: Date.now() - 60_000, finishedAt: Date.now(), result: { summary: { requests: 24000, errors: 3 }, latencyMs: { p95: 51, p99: 70 }, endpoints: [] } });
  emitLoose('load:finished', { runId: 'smoke-3' });
  await page.waitForSelector('#runs tr[data-run="smoke-3"]');
  assert.match(await page.locator('#load').innerText(), /no load running/);
  assert.equal(await page.locator('#runs tr[data-run]').first().getAttribute('data-run'), 'smoke-3');
  assert.deepEqual(consoleErrors, []);
});

async function mkdirAndShoot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL(name, ARTIFACTS).pathname, fullPage: true });
}
