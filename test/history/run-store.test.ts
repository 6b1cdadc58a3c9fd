import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { hasCode } from '../../src/core/errors.js';
import { createHistoryService } from '../../src/history/history-service.js';
import { createSqliteRunStore } from '../../src/history/sqlite-run-store.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { historyDb } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'pw-runs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const resultWith = (p95: number, errors = 0) => ({
  summary: { requests: 1000, errors, rps: 100, durationSeconds: 10, droppedIterations: 0 },
  latencyMs: { avg: p95 / 2, p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.2, p999: p95 * 1.5, max: p95 * 2 },
  endpoints: [{ name: 'GET /api/trade', requests: 1000, errors, latencyMs: { p95, p99: p95 * 1.2 } }],
  verdict: 'pass',
});

test('runs, results and reports survive reopening the database', () => {
  const path = join(dir, 'runs.db');
  let db = historyDb(path);
  createSqliteRunStore(db).save(
    { id: 'run-1', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: T0, finishedAt: T0 + 60_000, result: resultWith(100), baselineId: undefined, regression: undefined },
    { html: '<html><body>report</body></html>', markdown: '# report' },
  );
  db.close();
  db = historyDb(path);
  const store = createSqliteRunStore(db);
  const run = store.get('run-1');
  assert.equal(run?.load, 'smoke');
  assert.deepEqual(run?.result, resultWith(100));
  assert.equal(store.report('run-1', 'html'), '<html><body>report</body></html>');
  assert.equal(store.report('run-1', 'markdown'), '# report');
  assert.equal(store.report('nope', 'html'), undefined);
  // a later save without reports keeps them
  store.save({ ...run!, verdict: 'fail' });
  assert.equal(store.report('run-1', 'html'), '<html><body>report</body></html>');
  assert.equal(store.get('run-1')?.verdict, 'fail');
  db.close();
});

test('baseline: previous passing run of the same load unless one is pinned', () => {
  const db = historyDb();
  const store = createSqliteRunStore(db);
  const save = (id: string, load: string, at: number, verdict: string) =>
    store.save({ id, load, status: 'finished', verdict, startedAt: at, finishedAt: at + 1, result: resultWith(100), baselineId: undefined, regression: undefined });
  save('a1', 'smoke', T0, 'pass');
  save('a2', 'smoke', T0 + 10, 'pass');
  save('a3', 'smoke', T0 + 20, 'fail');
  save('b1', 'soak', T0 + 25, 'pass');
  const next = { id: 'a4', load: 'smoke', startedAt: T0 + 30 };
  assert.equal(store.baselineFor(next)?.id, 'a2');
  assert.equal(store.baselineFor({ id: 'a1', load: 'smoke', startedAt: T0 }), undefined);
  store.pinBaseline('a1', T0 + 40);
  assert.equal(store.baselineFor(next)?.id, 'a1');
  assert.equal(store.list({ load: 'smoke' }).find((r) => r.id === 'a1')?.pinned, true);
  assert.throws(() => store.pinBaseline('zzz', T0), (err) => hasCode(err, 'PW_ERR_NOT_FOUND'));
  db.close();
});

test('a finished run is compared with its baseline; the comparison lands in the reports and the gauge', async () => {
  const db = historyDb();
  const registry = new Registry();
  const config = loadConfigText('history: { regression: { p95Percent: "10%", p95Delta: "20ms" } }\n', 'test.yaml', {}).history;
  const service = createHistoryService({ db, config, clock: new FakeClock(T0), registry });
  service.recordFinishedRun({ id: 'r1', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: T0, finishedAt: T0 + 1, result: resultWith(100) });
  const slow = service.recordFinishedRun(
    { id: 'r2', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: T0 + 100, finishedAt: T0 + 101, result: resultWith(150) },
    { html: '<html><body><h1>r2</h1></body></html>', markdown: '# r2' },
  );
  assert.equal(slow.baselineId, 'r1');
  assert.equal(slow.regression?.verdict, 'regression');
  assert.match(service.runs.report('r2', 'html') ?? '', /Comparison with baseline.*<\/section><\/body>/s);
  assert.match(service.runs.report('r2', 'markdown') ?? '', /\| GET \/api\/trade \| p95 \| 100\.0 ms \| 150\.0 ms/);
  const metrics = await registry.metrics();
  // One series per load (the `run` label is the load's name, as on every perfwarden_load_* metric).
  assert.match(metrics, /perfwarden_load_regression\{run="smoke"\} 1/);
  const fine = service.recordFinishedRun({ id: 'r3', load: 'smoke', status: 'finished', verdict: 'pass', startedAt: T0 + 200, finishedAt: T0 + 201, result: resultWith(155) });
  assert.equal(fine.baselineId, 'r2');
  assert.equal(fine.regression?.verdict, 'ok');
  const after = await registry.metrics();
  assert.match(after, /perfwarden_load_regression\{run="smoke"\} 0/);
  assert.doesNotMatch(after, /perfwarden_load_regression\{run="r\d"\}/);
  db.close();
});
