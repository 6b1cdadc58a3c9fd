import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/core/clock.js';
import { createProbeHistory } from '../../src/history/probe-history.js';
import { pruneHistory, pruneToSize, startRetention, usedBytes } from '../../src/history/retention.js';
import { createSqliteRunStore } from '../../src/history/sqlite-run-store.js';
import type { SqliteDatabase } from '../../src/storage/database.js';
import { historyDb, result } from './fixtures.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'pw-history-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const policy = { rawRetentionMs: DAY, minuteRetentionMs: 30 * DAY, maxRuns: 5 };
const rows = (db: SqliteDatabase, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
const pages = (db: SqliteDatabase) => ({ total: db.pragma('page_count', { simple: true }) as number, free: db.pragma('freelist_count', { simple: true }) as number });

/** Two probes, one result a minute each, over [from, to). */
function fill(db: SqliteDatabase, clock: FakeClock, from: number, to: number): void {
  const h = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 5000 });
  for (let t = from; t < to; t += MINUTE) {
    h.record(result('status', t, 20 + (t % 7)));
    h.record(result('trade', t + 500, 80 + (t % 13), t % 11 !== 0));
  }
  h.close();
}

test('a month of synthetic results is pruned to the configured retention, and the file stops growing', async () => {
  const db = historyDb(join(dir, 'month.db'));
  const clock = new FakeClock(T0 + 40 * DAY);
  fill(db, clock, T0, T0 + 40 * DAY); // 40 days: older than both retentions
  assert.equal(rows(db, 'probe_results'), 2 * 40 * 1440);
  const before = pages(db);

  const outcome = await pruneHistory(db, policy, clock.now());
  assert.equal(rows(db, 'probe_results'), 2 * 1440, 'raw: exactly one day kept');
  assert.equal(rows(db, 'probe_minutes'), 2 * 30 * 1440, 'minutes: exactly 30 days kept');
  assert.equal(outcome.raw, 2 * 39 * 1440);
  assert.equal(outcome.minutes, 2 * 10 * 1440);
  const oldestRaw = (db.prepare('SELECT MIN(at) AS at FROM probe_results').get() as { at: number }).at;
  assert.ok(oldestRaw >= clock.now() - DAY);
  const afterPrune = pages(db);
  assert.ok(afterPrune.total - afterPrune.free < (before.total - before.free) / 4, `used pages ${afterPrune.total - afterPrune.free} vs ${before.total - before.free}`);

  // Steady state: three more days of results with daily pruning reuse the freed pages.
  db.pragma('wal_checkpoint(TRUNCATE)');
  const steadySize = statSync(join(dir, 'month.db')).size;
  for (let d = 0; d < 3; d++) {
    const start = clock.now();
    fill(db, clock, start, start + DAY);
    await clock.advance(DAY);
    await pruneHistory(db, policy, clock.now());
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  assert.equal(rows(db, 'probe_results'), 2 * 1440);
  const grown = statSync(join(dir, 'month.db')).size;
  assert.ok(grown <= steadySize * 1.05, `file grew from ${steadySize} to ${grown} bytes`);
  db.close();
});

test('the retention job runs on its clock and keeps baselines and the newest runs', async () => {
  const db = historyDb();
  const clock = new FakeClock(T0);
  const runs = createSqliteRunStore(db);
  for (let i = 0; i < 8; i++) {
    runs.save({ id: `r${i}`, load: 'smoke', status: 'finished', verdict: 'pass', startedAt: T0 + i * 1000, finishedAt: T0 + i * 1000 + 500, result: {}, baselineId: undefined, regression: undefined });
  }
  runs.pinBaseline('r0', T0);
  const pruned: number[] = [];
  let resolveFirst: () => void = () => {};
  const first = new Promise<void>((r) => { resolveFirst = r; });
  const job = startRetention(db, policy, { clock, intervalMs: 10 * MINUTE, onPruned: (o) => { pruned.push(o.runs); resolveFirst(); } });
  await first;
  assert.deepEqual(runs.list({ limit: 100 }).map((r) => r.id), ['r7', 'r6', 'r5', 'r4', 'r3', 'r0']);

  const h = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 1 });
  h.record(result('a', T0, 10));
  await clock.advance(DAY + 11 * MINUTE);
  // the scheduled prune has run at least once more; give its chunked promise a turn
  await job.runNow();
  assert.equal(rows(db, 'probe_results'), 0);
  assert.ok(pruned.length >= 2);
  job.stop();
  job.stop();
  db.close();
});

test('history.maxSize: over budget, the oldest raw results go first and the file stops growing', async (t) => {
  const db = historyDb(join(dir, 'size.db'));
  const clock = new FakeClock(T0 + 10 * DAY);
  fill(db, clock, T0, T0 + 5 * DAY); // 14,400 results
  const full = usedBytes(db);
  const perResult = full / rows(db, 'probe_results');
  t.diagnostic(`${Math.round(perResult)} bytes per stored result (row, JSON, indexes and minute aggregates)`);
  const budget = Math.round(full / 2);
  const outcome = await pruneToSize(db, budget, async () => {});
  assert.ok(usedBytes(db) <= budget * 0.9, `${usedBytes(db)} > 90 % of ${budget}`);
  assert.ok(outcome.raw > 0 && outcome.minutes === 0, JSON.stringify(outcome));
  const oldest = (db.prepare('SELECT MIN(at) AS at FROM probe_results').get() as { at: number }).at;
  assert.ok(oldest > T0 + DAY, 'the oldest days went');
  assert.equal((db.prepare('SELECT MAX(at) AS at FROM probe_results').get() as { at: number }).at, T0 + 5 * DAY - MINUTE + 500, 'the newest stayed');
  assert.equal(rows(db, 'probe_minutes'), 2 * 5 * 1440, 'every minute aggregate is kept while raw results can go');
  // Writing on under the budget: the file reuses the freed pages instead of growing.
  const fileBefore = statSync(join(dir, 'size.db')).size;
  for (let day = 5; day < 9; day++) {
    fill(db, clock, T0 + day * DAY, T0 + (day + 1) * DAY);
    await pruneToSize(db, budget, async () => {});
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  assert.ok(usedBytes(db) <= budget, `${usedBytes(db)} over ${budget}`);
  assert.ok(statSync(join(dir, 'size.db')).size <= fileBefore * 1.1, 'the file did not grow');
  db.close();
});
