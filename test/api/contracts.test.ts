import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertsServiceLike, HealthServiceLike, LoadsServiceLike, ProbesServiceLike } from '../../src/api/service-contracts.js';
import type { HealthMonitor } from '../../src/health/health-monitor.js';
import type { AlertService } from '../../src/alerts/alert-service.js';
import type { LoadService } from '../../src/load/load-service.js';
import type { ProbeService } from '../../src/probe/probe-module.js';
import type { RunStore } from '../../src/load/run-store.js';
import { createSqliteLoadRunStore } from '../../src/history/sqlite-load-run-store.js';
import { historyDb } from '../history/fixtures.js';

// Compile-time: the real services satisfy what the API and the status page expect of them.
type Satisfies<T, _U extends T> = true;
export type Contracts = [
  Satisfies<LoadsServiceLike, LoadService>,
  Satisfies<AlertsServiceLike, AlertService>,
  Satisfies<ProbesServiceLike, ProbeService>,
  Satisfies<HealthServiceLike, HealthMonitor>,
];

test('the SQLite RunStore keeps what history added when the engine saves again', async () => {
  const db = historyDb();
  const store: RunStore = createSqliteLoadRunStore(db);
  await store.save({ runId: 'r1', load: 'smoke', status: 'running', startedAt: 1000 });
  assert.deepEqual(await store.list(), [{ runId: 'r1', load: 'smoke', status: 'running', startedAt: 1000 }]);
  db.prepare("UPDATE load_runs SET report_html = '<html></html>', regression_json = '{}' WHERE id = 'r1'").run();
  const result = { verdict: 'pass' } as unknown as NonNullable<Awaited<ReturnType<RunStore['get']>>>['result'];
  await store.save({ runId: 'r1', load: 'smoke', status: 'finished', startedAt: 1000, finishedAt: 2000, verdict: 'pass', ...(result === undefined ? {} : { result }) });
  const got = await store.get('r1');
  assert.equal(got?.status, 'finished');
  assert.equal(got?.verdict, 'pass');
  assert.deepEqual(got?.result, { verdict: 'pass' });
  const row = db.prepare("SELECT report_html, regression_json FROM load_runs WHERE id = 'r1'").get() as { report_html: string; regression_json: string };
  assert.deepEqual(row, { report_html: '<html></html>', regression_json: '{}' });
  assert.equal(await store.get('nope'), undefined);
  db.close();
});
