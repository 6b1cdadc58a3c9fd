import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { createProbeHistory } from '../../src/history/probe-history.js';
import { estimateQuantile, emptyBuckets, bucketIndex } from '../../src/history/latency-buckets.js';
import { historyDb, result } from './fixtures.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

test('writes are batched: nothing hits the database until the flush interval or row limit', async () => {
  const db = historyDb();
  const clock = new FakeClock(T0);
  const h = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 5 });
  const count = () => (db.prepare('SELECT COUNT(*) AS n FROM probe_results').get() as { n: number }).n;
  h.record(result('a', T0, 10));
  h.record(result('a', T0 + 1, 12));
  assert.equal(count(), 0);
  await clock.advance(1000);
  assert.equal(count(), 2);
  for (let i = 0; i < 5; i++) h.record(result('a', T0 + 10 + i, 10));
  assert.equal(count(), 7, 'flushRows reached: flushed without waiting');
  h.close();
});

test('last result per probe, results since, and per-minute aggregates', async () => {
  const db = historyDb();
  const clock = new FakeClock(T0 + 3 * 60_000);
  const h = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 1000 });
  // probe a: 3 minutes, 20 results each, latency 10..200 ms; one failure per minute.
  for (let m = 0; m < 3; m++) {
    for (let i = 0; i < 20; i++) h.record(result('a', T0 + m * 60_000 + i * 1000, 10 * (i + 1), i !== 0));
  }
  h.record(result('b', T0 + 5000, 42));
  const last = h.lastResults();
  assert.deepEqual([...last.keys()].sort(), ['a', 'b']);
  assert.equal(last.get('a')?.startedAt, T0 + 2 * 60_000 + 19_000);
  assert.equal(last.get('b')?.durationSeconds, 0.042);

  const since = h.resultsSince('a', T0 + 2 * 60_000);
  assert.equal(since.length, 20);
  assert.ok(since.every((r, i) => i === 0 || r.startedAt >= (since[i - 1]?.startedAt ?? 0)));

  const points = h.pointsOfAll(T0 + 2 * 60_000, T0 + 3 * 60_000);
  assert.equal(points.length, 20);
  assert.deepEqual(points[0], { probe: 'a', t: T0 + 2 * 60_000, ms: 10, ok: false });

  const series = h.series('a', 60 * 60_000);
  assert.equal(series.length, 3);
  for (const p of series) {
    assert.equal(p.count, 20);
    assert.equal(p.failures, 1);
    assert.equal(p.avgMs, 105);
    assert.equal(p.maxMs, 200);
    // true p95 of 10..200 step 10 is 190; the bucket estimate lies in the 100–200 ms bucket
    assert.ok(p.p95Ms !== undefined && p.p95Ms > 150 && p.p95Ms <= 200, `p95 estimate ${p.p95Ms}`);
  }
  h.close();
});

test('minute aggregates accumulate across flushes of the same minute', async () => {
  const db = historyDb();
  const clock = new FakeClock(T0 + 60_000);
  const h = createProbeHistory(db, { clock, flushIntervalMs: 1000, flushRows: 1 });
  h.record(result('a', T0 + 1000, 5));
  h.record(result('a', T0 + 2000, 700, false));
  const [p] = h.series('a', 3_600_000);
  assert.equal(p?.count, 2);
  assert.equal(p?.failures, 1);
  assert.equal(p?.maxMs, 700);
  h.close();
});

test('quantile estimate interpolates within a bucket and clamps to min/max', () => {
  const b = emptyBuckets();
  b[bucketIndex(42)] = 100;
  const p50 = estimateQuantile(b, 0.5, 30, 42);
  assert.ok(p50 !== undefined && p50 >= 30 && p50 <= 42);
  assert.equal(estimateQuantile(emptyBuckets(), 0.95), undefined);
  const slow = emptyBuckets();
  slow[slow.length - 1] = 3;
  assert.equal(estimateQuantile(slow, 0.99, 12_000, 15_000), 15_000);
});
