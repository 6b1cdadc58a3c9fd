/**
 * The HTML report as a person sees it, in real Chromium: charts the width of the page, a time axis
 * labelled in m:ss every few ticks, round y ticks, VUs on a second axis, hover values, the checks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderHtml } from '../../src/report/index.js';
import { fixture } from './report-fixture.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

test('the HTML report in Chromium: full-width charts, m:ss time axis, round ticks, VUs on the right, hover values, checks', { timeout: 90_000 }, async () => {
  const base = fixture();
  // Ten minutes of one-second points, the VUs ramping to 100.
  const timeSeries = Array.from({ length: 600 }, (_, t) => ({ t, width: 1, requests: 300 + (t % 17), errors: t % 50 === 0 ? 3 : 0, rps: 300 + (t % 17), p50: 12 + (t % 7), p95: 40 + (t % 11), p99: 80 + (t % 13), histogram: null, vus: Math.min(100, Math.floor(t / 3)), dropped: 0, lagMs: 1, cpuPercent: 40, saturated: t >= 300 && t < 305 }));
  const html = renderHtml({ ...base, timeSeries, steps: [], knee: null, summary: { ...base.summary, checks: { passed: 980, failed: 20 } } });
  const dir = mkdtempSync(join(tmpdir(), 'pw-report-'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
  try {
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    // Read in the page (a string: this project's TypeScript has no DOM library).
    const facts = (await page.evaluate(`[...document.querySelectorAll('svg.chart')].map((c) => ({
      title: c.getAttribute('aria-label') ?? '',
      width: c.getBoundingClientRect().width,
      xticks: [...c.querySelectorAll('text.xtick')].map((t) => t.textContent ?? ''),
      yticks: [...c.querySelectorAll('text.ytick')].map((t) => t.textContent ?? ''),
      right: [...c.querySelectorAll('text.ytick-right')].map((t) => t.textContent ?? ''),
      hover: c.querySelector('rect.hover title')?.textContent ?? '',
    }))`)) as { title: string; width: number; xticks: string[]; yticks: string[]; right: string[]; hover: string }[];
    const body = await page.textContent('body');
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/load-report.png', fullPage: true });
    assert.ok(facts.length >= 3, `${facts.length} charts`);
    for (const c of facts) {
      assert.ok(c.width >= 900, `${c.title}: ${c.width} px wide`);
      assert.ok(c.xticks.length >= 5, `${c.title}: x ticks ${c.xticks.join(' ')}`);
      assert.ok(c.xticks.every((t) => /^\d+:\d\d$/.test(t)), `${c.title}: m:ss ticks ${c.xticks.join(' ')}`);
      // Round y ticks: evenly spaced multiples of 1, 2, 2.5 or 5 × 10^n.
      const ys = c.yticks.map((t) => Number(t.replace('k', 'e3')));
      const step = (ys[1] ?? 0) - (ys[0] ?? 0);
      assert.ok(ys.every((v, i) => Math.abs(v - i * step) < 1e-9), `${c.title}: y ticks ${c.yticks.join(' ')}`);
      assert.ok([1, 2, 2.5, 5].includes(Number((step / 10 ** Math.floor(Math.log10(step))).toFixed(2))), `${c.title}: step ${step}`);
      assert.match(c.hover, /^\d+:\d\d: /, `${c.title}: hover value ${c.hover}`);
    }
    const throughput = facts.find((c) => c.title.startsWith('Throughput'));
    assert.ok(throughput !== undefined && throughput.right.length >= 3, 'VUs on a second axis');
    assert.equal(throughput.right.at(-1), '100');
    assert.match(body ?? '', /98\.0 % of 1,000 \(20 failed\)/, 'the checks');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
