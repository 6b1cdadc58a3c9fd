/**
 * `/badge/:probe.svg` on a running daemon: up with the p95 of the last hour, down with the
 * reason, "maintenance" while a window covers the probe (and the status page's banner says so),
 * 404 for an unknown probe. The badge is checked as SVG text and drawn by Chromium.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { loadConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { BADGE_COLORS } from '../../src/badges/badge-svg.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'badge-token';
let target: Server;
let daemon: Daemon;

before(async () => {
  target = createServer((req, res) => {
    res.statusCode = req.url === '/down' ? 503 : 200;
    res.end('ok');
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  daemon = await createDaemon(loadConfigText(`server: { port: 0 }
storage: { path: ":memory:" }
api: { token: ${TOKEN} }
targets: [{ name: web, url: "${url}" }]
probes:
  - { name: home, target: web, every: 1s, http: { path: / } }
  - { name: broken, target: web, every: 1s, http: { path: /down } }
  - { name: idle, target: web, every: 1h, http: { path: / } }
`, 'badges.yaml', {}), { logger: silentLogger(), random: () => 0 });
  await waitFor('both probes ran', async () => {
    const last = (await daemon.context.app.inject('/api/probes')).json<{ probes: { name: string; lastResult: unknown }[] }>().probes;
    return last.filter((p) => p.name !== 'idle' && p.lastResult !== null).length === 2 ? true : undefined;
  }, 15_000);
});

after(async () => {
  await daemon.stop('test');
  target.close();
});

async function badge(name: string): Promise<{ status: number; type: string; svg: string }> {
  const res = await fetch(`${daemon.url}/badge/${name}.svg`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', svg: await res.text() };
}

test('up with p95, down with its reason, no data yet, unknown probe 404', async () => {
  const up = await badge('home');
  assert.equal(up.status, 200);
  assert.match(up.type, /^image\/svg\+xml/);
  assert.match(up.svg, /<title>home: up · p95 \d+(\.\d)?ms<\/title>/);
  assert.ok(up.svg.includes(BADGE_COLORS.up));
  const down = await badge('broken');
  assert.match(down.svg, /<title>broken: down \(status\) · p95 /);
  assert.ok(down.svg.includes(BADGE_COLORS.down));
  const idle = await badge('idle');
  assert.match(idle.svg, /<title>idle: (no data|up · p95 .*)<\/title>/);
  const unknown = await badge('nope');
  assert.equal(unknown.status, 404);
  assert.match(unknown.svg, /unknown probe/);
});

test('a maintenance window turns the badge blue and puts a banner on the status page', async () => {
  const created = await fetch(`${daemon.url}/api/maintenance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ name: 'deploy', duration: '1h', select: { probes: ['broken'] }, comment: 'new release' }),
  });
  assert.equal(created.status, 201, await created.text());
  const b = await badge('broken');
  assert.match(b.svg, /<title>broken: maintenance · p95 /);
  assert.ok(b.svg.includes(BADGE_COLORS.maintenance));
  assert.match((await badge('home')).svg, /home: up/, 'a probe the window does not select is unaffected');
  const page = await (await fetch(`${daemon.url}/`)).text();
  assert.match(page, /<div id="maintenance" class="maintenance" role="status"><p><strong>Maintenance now:<\/strong> deploy \(broken\) until \d{4}-\d\d-\d\d \d\d:\d\d UTC — new release; its alerts are silenced\.<\/p><\/div>/);
});

test('Chromium draws the badge at its declared size', async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'], timeout: 60_000 });
  try {
    const page = await browser.newPage();
    await page.goto(`${daemon.url}/badge/home.svg`);
    const box = await page.locator('svg').boundingBox();
    const declared = Number(await page.locator('svg').getAttribute('width'));
    assert.ok(box !== null && Math.abs(box.width - declared) < 1 && box.height === 20, JSON.stringify(box));
    // The value's text fits its coloured box.
    const textWidth = await page.locator('text').nth(3).evaluate((el) => (el as unknown as { getComputedTextLength(): number }).getComputedTextLength());
    // rects: the clip path's, the label's, the value's, the gloss.
    const valueBox = await page.locator('rect').nth(2).evaluate((el) => Number((el as unknown as { getAttribute(n: string): string }).getAttribute('width')));
    assert.ok(textWidth <= valueBox, `value text ${textWidth}px in a ${valueBox}px box`);
  } finally {
    await browser.close();
  }
});
