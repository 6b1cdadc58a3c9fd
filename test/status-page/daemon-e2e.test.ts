import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { silentLogger } from '../../src/core/logger.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const dir = mkdtempSync(join(tmpdir(), 'pw-e2e-'));

const yaml = `
server: { port: 0 }
storage: { path: "${join(dir, 'pw.db')}" }
demo: { enabled: true, port: 0 }
targets: [{ name: demo, demo: true }]
probes:
  - name: status
    target: demo
    every: 300ms
    http: { path: /api/status, timeout: 5s }
  - name: user-performance
    target: demo
    every: 1s
    http: { path: /api/user/performance, timeout: 5s }
alerts:
  - name: api-latency
    select: { probes: [status] }
    measure: latency.p95
    window: 2s
    warning: "> 400ms"
    critical: "> 600ms"
notifications: { evaluationInterval: 300ms }
limits: { minInterval: 100ms }
`;

let daemon: Daemon;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

before(async () => {
  const config = loadConfigText(yaml, 'e2e.yaml', {});
  daemon = await createDaemon(config, { logger: silentLogger() });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(30_000);
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});
after(async () => {
  await browser?.close();
  await daemon?.stop('test');
  rmSync(dir, { recursive: true, force: true });
});

test('the daemon\'s page shows the demo probes live and a firing alert once the latency knob is turned', async () => {
  await page.goto(daemon.url);
  await page.waitForSelector('#conn.live');
  await page.waitForSelector('[data-probe="status"][data-status="up"]');
  assert.ok(await page.locator('[data-probe="user-performance"]').count() === 1);
  assert.match(await page.locator('#alerts').innerText(), /no alerts firing/);

  // live: the status card's latency text changes as new results arrive, without reload
  const first = await page.locator('[data-probe="status"] [data-role="ago"]').getAttribute('data-t');
  await page.waitForFunction((t) => {
    const el = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[data-probe="status"] [data-role="ago"]');
    return el !== null && el.getAttribute('data-t') !== t;
  }, first);

  daemon.demo?.knobs.set({ latency: '700ms' });
  await page.waitForSelector('[data-alert][data-severity="critical"]');
  assert.match(await page.locator('#alerts').innerText(), /api-latency/);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('status-page-daemon.png', ARTIFACTS).pathname, fullPage: true });

  daemon.demo?.knobs.set({ latency: '0ms' });
  // the API module registers first, so other modules' routes are in the OpenAPI document too
  const doc = (await (await fetch(`${daemon.url}/docs/json`)).json()) as { paths: Record<string, unknown> };
  assert.ok(doc.paths['/api/probes'] !== undefined && doc.paths['/api/silences'] !== undefined);
  await page.waitForSelector('[data-alert]', { state: 'detached' });
  assert.deepEqual(consoleErrors, []);
});
