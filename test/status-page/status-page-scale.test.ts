/**
 * The status page with 1,000 probes in a real Chromium: it loads, groups by target, puts the
 * failing probe first and red, colours a card by its critical alert, filters, and live updates
 * do not shift the layout (the browser's own layout-shift score).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createApiModule } from '../../src/api/api-module.js';
import { createStatusPageModule } from '../../src/status-page/status-page-module.js';
import { harness } from '../api/harness.js';
import type { Harness } from '../api/harness.js';
import { result } from '../history/fixtures.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const N = 1000;
const TARGETS = 20;
/** The page's globals, typed for the few calls made in it (the tests compile without the DOM library). */
interface PageGlobals {
  document: { querySelectorAll(s: string): { length: number }; querySelector(s: string): { textContent: string | null } | null };
  getComputedStyle(e: unknown): { borderLeftColor: string };
}
const name = (i: number) => `probe-${String(i).padStart(4, '0')}`;
const targetOf = (i: number) => `svc-${String(i % TARGETS).padStart(2, '0')}`;

let h: Harness;
let base: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

before(async () => {
  const yaml = [
    'targets:',
    ...Array.from({ length: TARGETS }, (_, t) => `  - { name: ${targetOf(t)}, url: "http://127.0.0.1:${10_000 + t}" }`),
    'probes:',
    ...Array.from({ length: N }, (_, i) => `  - { name: ${name(i)}, type: http, target: ${targetOf(i)}, every: 10s, http: { path: /p${i} } }`),
  ].join('\n');
  // One critical alert firing about a probe whose runs pass (its card must still be red).
  const alerts = { list: () => [{ alert: 'api-latency', subject: name(500), level: 'critical', severities: { critical: 'firing' }, firingSince: Date.now() - 60_000, valueText: '812ms' }] };
  h = await harness({ yaml, modules: [createApiModule({ docs: false }), createStatusPageModule()], services: { alerts } });
  const now = Date.now();
  for (let k = 0; k < 12; k++) {
    for (let i = 0; i < N; i++) {
      const failing = i === 777 && k === 11;
      h.ctx.events.emit('probe:result', { ...result(name(i), now - (12 - k) * 60_000 + i, 10 + (i % 40) + k, !failing), target: targetOf(i), ...(failing ? { reason: 'status' as const, message: 'status 503' } : {}) });
    }
  }
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});
after(async () => {
  await browser?.close();
  await h?.close();
});

test('1,000 probes load, grouped by target, the failing one first and red, the alerted one red', async (t) => {
  const started = Date.now();
  const res = await page.goto(base);
  assert.equal(res?.status(), 200);
  await page.waitForSelector('#conn.live');
  t.diagnostic(`page with ${N} probes live in ${Date.now() - started} ms (${(await res?.body())?.length ?? 0} bytes of HTML)`);
  assert.equal(await page.locator('[data-probe]').count(), N);
  assert.equal(await page.locator('[data-group]').count(), TARGETS);
  const first = page.locator('[data-probe]').first();
  assert.equal(await first.getAttribute('data-probe'), name(777));
  assert.equal(await first.getAttribute('data-status'), 'down');
  assert.equal(await page.locator('[data-group]').first().getAttribute('data-group'), targetOf(777));
  assert.equal(await first.evaluate((e) => (globalThis as unknown as PageGlobals).getComputedStyle(e).borderLeftColor), 'rgb(248, 81, 73)');
  const alerted = page.locator(`[data-probe="${name(500)}"]`);
  assert.equal(await alerted.getAttribute('data-status'), 'up');
  assert.equal(await alerted.getAttribute('data-alert-level'), 'critical');
  // textContent: off-screen cards are not rendered (content-visibility), so they have no innerText
  assert.equal(await page.locator(`[data-probe="${name(3)}"] [data-role="uptime"]`).textContent(), '100 %');
  assert.equal(await page.locator(`[data-probe="${name(3)}"] svg.hb rect`).count(), 12);
  assert.match(await page.locator('[data-rule="api-latency"]').innerText(), /api-latency \(1\)[\s\S]*critical/i);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('status-page-1000.png', ARTIFACTS).pathname });
  assert.deepEqual(consoleErrors, []);
});

test('search and the status filter narrow the list', async () => {
  await page.fill('#filter', 'probe-012');
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-probe]:not(.hidden)').length === 10);
  assert.match(await page.locator('#probe-count').innerText(), /10 of 1000/i);
  await page.fill('#filter', 'svc-17');
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-probe]:not(.hidden)').length === 50);
  assert.equal(await page.locator('[data-group]:not(.hidden)').count(), 1);
  await page.fill('#filter', '');
  await page.selectOption('#status-filter', 'down');
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-probe]:not(.hidden)').length === 1);
  assert.equal(await page.locator('[data-probe]:not(.hidden)').getAttribute('data-probe'), name(777));
  await page.selectOption('#status-filter', '');
});

test('a second of live results (100 probes) shifts no layout', async () => {
  // The browser's layout-shift entries, summed (the page's PerformanceObserver, typed loosely here).
  await page.evaluate(() => {
    type Observer = new (cb: (list: { getEntries(): { value: number; hadRecentInput: boolean }[] }) => void) => { observe(o: { type: string; buffered: boolean }): void };
    const w = globalThis as unknown as { shift: number; PerformanceObserver: Observer };
    w.shift = 0;
    new w.PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) w.shift += e.value;
    }).observe({ type: 'layout-shift', buffered: false });
  });
  const now = Date.now();
  for (let i = 0; i < 100; i++) h.ctx.events.emit('probe:result', { ...result(name(i * 10), now, 999, true), target: targetOf(i * 10) });
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-probe="probe-0990"] [data-role="latency"]')?.textContent === '999 ms');
  // the figures batch (exact p95 from the daemon) follows within a second: 13 runs, the slowest is the p95
  await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('[data-probe="probe-0990"] [data-role="p95"]')?.textContent === '999 ms');
  const shift = await page.evaluate(() => (globalThis as unknown as { shift: number }).shift);
  assert.ok(shift < 0.01, `cumulative layout shift ${shift}`);
  assert.deepEqual(consoleErrors, []);
});
