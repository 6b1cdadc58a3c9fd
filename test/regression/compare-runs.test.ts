import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from '../../src/regression/compare-runs.js';
import { renderComparisonHtml, renderComparisonMarkdown } from '../../src/regression/render-comparison.js';
import { DEFAULT_REGRESSION_RULE } from '../../src/regression/types.js';
import type { LoadResultLike } from '../../src/regression/types.js';

const run = (p95: number, p99: number, errors = 0, requests = 1000, endpointP95 = p95): LoadResultLike => ({
  summary: { requests, errors },
  latencyMs: { p95, p99 },
  endpoints: [
    { name: 'GET /a', requests, errors, latencyMs: { p95: endpointP95, p99 } },
    { name: 'POST /only-new', requests, errors: 0, latencyMs: { p95: 1, p99: 1 } },
  ],
});

const rule = DEFAULT_REGRESSION_RULE; // +10 % and +20 ms on p95

test('no baseline → no-baseline verdict without rows', () => {
  const r = compareRuns('x', run(100, 200), undefined);
  assert.equal(r.verdict, 'no-baseline');
  assert.equal(r.rows.length, 0);
});

test('p95 must exceed both the relative and the absolute margin', () => {
  const base = { id: 'b', result: run(100, 200) };
  base.result.endpoints = (base.result.endpoints ?? []).filter((e) => e.name !== 'POST /only-new');
  // +15 % but only +15 ms: noise
  assert.equal(compareRuns('x', run(115, 200), base, rule).verdict, 'ok');
  // +25 ms but only +5 % on a slow endpoint
  assert.equal(compareRuns('x', run(525, 600), { id: 'b', result: run(500, 600) }, rule).verdict, 'ok');
  // +30 % and +30 ms: regression, reported per row
  const r = compareRuns('x', run(130, 200), base, rule);
  assert.equal(r.verdict, 'regression');
  const flagged = r.rows.filter((row) => row.regressed).map((row) => `${row.endpoint}:${row.metric}`);
  assert.deepEqual(flagged, ['overall:p95', 'GET /a:p95']);
  const row = r.rows.find((x) => x.endpoint === 'GET /a' && x.metric === 'p95');
  assert.equal(row?.delta, 30);
  assert.ok(Math.abs((row?.deltaRatio ?? 0) - 0.3) < 1e-9);
  assert.ok(!r.rows.some((x) => x.endpoint === 'POST /only-new'), 'endpoints missing from the baseline are skipped');
});

test('an improvement is never a regression', () => {
  assert.equal(compareRuns('x', run(50, 80), { id: 'b', result: run(100, 200) }).verdict, 'ok');
});

test('error rate: absolute and relative margins', () => {
  const base = { id: 'b', result: run(100, 200, 1) }; // 0.1 %
  assert.equal(compareRuns('x', run(100, 200, 4), base).verdict, 'ok', '0.4 %: +0.3 pts is under 0.5 pts');
  const r = compareRuns('x', run(100, 200, 20), base); // 2 %
  assert.equal(r.verdict, 'regression');
  assert.ok(r.rows.some((x) => x.metric === 'error_rate' && x.regressed));
});

test('too few requests are shown but not flagged', () => {
  const r = compareRuns('x', run(500, 900, 5, 10), { id: 'b', result: run(100, 200, 0, 10) });
  assert.equal(r.verdict, 'ok');
  assert.ok(r.rows.length > 0);
});

test('renders Markdown and HTML with the verdict and escaped names', () => {
  const base = { id: 'b', result: run(100, 200) };
  const cur = run(300, 200);
  cur.endpoints = [{ name: 'GET /<x>|y', requests: 1000, errors: 0, latencyMs: { p95: 300 } }];
  base.result.endpoints = [{ name: 'GET /<x>|y', requests: 1000, errors: 0, latencyMs: { p95: 100 } }];
  const report = compareRuns('x', cur, base);
  const md = renderComparisonMarkdown(report);
  assert.match(md, /\*\*REGRESSION\*\*/);
  assert.match(md, /GET \/<x>\\\|y \| p95 \| 100\.0 ms \| 300\.0 ms \| \+200\.0 ms \(\+200\.0 %\)/);
  const html = renderComparisonHtml(report);
  assert.match(html, /GET \/&lt;x&gt;\|y/);
  assert.doesNotMatch(html, /<x>/);
});
