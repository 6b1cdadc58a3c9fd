import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { compareRuns } from '../../src/regression/compare-runs.js';
import { detectRunTrends } from '../../src/regression/run-trend.js';
import { renderComparisonMarkdown } from '../../src/regression/render-comparison.js';
import { DEFAULT_REGRESSION_RULE } from '../../src/regression/types.js';
import type { LoadResultLike } from '../../src/regression/types.js';
import type { TrendRun } from '../../src/regression/run-trend.js';
import { createHistoryService } from '../../src/history/history-service.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { FakeClock } from '../../src/core/clock.js';
import { historyDb } from '../history/fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 2);
const NIGHT = 86_400_000;
/** ±1.5 % of run-to-run noise, deterministic. */
const noise = (i: number) => 1 + 0.015 * Math.sin(i * 2.7);

const result = (p95: number, requests = 1000): LoadResultLike => ({
  summary: { requests, errors: 0 },
  latencyMs: { p95, p99: p95 * 1.5 },
  endpoints: [
    { name: 'GET /api/items/:id', requests, errors: 0, latencyMs: { p95, p99: p95 * 1.5 } },
    { name: 'GET /api/status', requests, errors: 0, latencyMs: { p95: 20 * noise(p95), p99: 30 } },
  ],
});

/** Five steady nights at 200 ms, then ten nights each 6 % slower than the one before. */
const nights: TrendRun[] = Array.from({ length: 15 }, (_, i) => ({
  id: `n${i}`, startedAt: T0 + i * NIGHT, result: result((i < 5 ? 200 : 200 * 1.06 ** (i - 4)) * noise(i)),
}));

test('a slow drift across nightly runs: the run-to-run comparison never fires, the trend fires once', () => {
  for (let i = 1; i < nights.length; i++) {
    const r = compareRuns(nights[i]!.id, nights[i]!.result, { id: nights[i - 1]!.id, result: nights[i - 1]!.result });
    assert.equal(r.verdict, 'ok', `night ${i} against night ${i - 1}`);
  }
  const flagged = nights.map((_, i) => detectRunTrends(nights.slice(0, i + 1), DEFAULT_REGRESSION_RULE));
  const at = flagged.flatMap((rows, i) => rows.map((r) => ({ night: i, ...r })));
  assert.deepEqual(at.map((r) => r.endpoint).sort(), ['GET /api/items/:id', 'overall'], JSON.stringify(at));
  const row = at.find((r) => r.endpoint === 'GET /api/items/:id')!;
  assert.ok(row.night >= 7 && row.night <= 11, `caught on night ${row.night}`);
  assert.ok(row.baseline! > 190 && row.baseline! < 215, String(row.baseline));
  assert.ok(row.current! / row.baseline! >= 1.3);
  assert.equal(row.metric, 'p95_trend');
  assert.ok(row.runs !== undefined && row.runs >= 3);
  assert.match(renderComparisonMarkdown({ verdict: 'regression', runId: 'x', baselineId: undefined, rows: [row], summary: '' }), /\| GET \/api\/items\/:id \| p95_trend \| 2\d\d\.\d ms \| \d+\.\d ms \| \+\d+\.\d ms/);
});

test('steady runs with one slow night never make a trend', () => {
  const steady: TrendRun[] = Array.from({ length: 20 }, (_, i) => ({ id: `s${i}`, startedAt: T0 + i * NIGHT, result: result((i === 9 ? 600 : 200) * noise(i)) }));
  for (let i = 0; i < steady.length; i++) assert.deepEqual(detectRunTrends(steady.slice(0, i + 1), DEFAULT_REGRESSION_RULE), [], `night ${i}`);
});

test('through the history service: the night that confirms the drift is stored as a regression, with the gauge', async () => {
  const db = historyDb();
  const registry = new Registry();
  const config = loadConfigText('history: {}\n', 'test.yaml', {}).history;
  const service = createHistoryService({ db, config, clock: new FakeClock(T0), registry });
  const verdicts = nights.map((n) => service.recordFinishedRun({ id: n.id, load: 'nightly', status: 'finished', verdict: 'pass', startedAt: n.startedAt, finishedAt: n.startedAt + 60_000, result: n.result }));
  const regressed = verdicts.filter((r) => r.regression?.verdict === 'regression');
  assert.equal(regressed.length, 1, verdicts.map((r) => `${r.id} ${r.regression?.summary}`).join('\n'));
  assert.match(regressed[0]!.regression!.summary, /GET \/api\/items\/:id p95 drifted x1\.\d+ over the last \d+ runs/);
  assert.ok(regressed[0]!.regression!.rows.some((r) => r.metric === 'p95_trend' && r.regressed));
  const idx = verdicts.indexOf(regressed[0]!);
  assert.match(await registry.metrics(), /perfwarden_load_regression\{run="nightly"\} 0/, 'the runs after it are compared with the new level');
  assert.ok(idx < nights.length - 1);
  db.close();
});
