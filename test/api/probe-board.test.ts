import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { createProbeBoard } from '../../src/api/probe-board.js';
import { createProbeHistory } from '../../src/history/probe-history.js';
import { historyDb, result } from '../history/fixtures.js';

const N = 1000;
const probes = Array.from({ length: N }, (_, i) => ({ name: `probe-${i}`, kind: 'http', target: `svc-${i % 10}` }));

test('seeded from history (before start) and fed by results (after): one hour, exact p95, failing first', async () => {
  const db = historyDb();
  const start = Date.UTC(2026, 0, 1, 12);
  const history = createProbeHistory(db, { clock: new FakeClock(start), flushIntervalMs: 1000, flushRows: 10_000 });
  // The hour before start, every 30 s: 120 results per probe; probe-7 failed its last run.
  for (let t = start - 3_600_000 + 5000; t < start; t += 30_000) {
    for (let i = 0; i < N; i++) history.record(result(`probe-${i}`, t, 10 + (i % 100), !(i === 7 && t > start - 30_000)));
  }
  history.flush();
  const board = createProbeBoard();
  await board.seed(history, start);
  board.record(result('probe-3', start + 1000, 500));

  const times: number[] = [];
  let page = board.page(probes, { offset: 0, limit: 100 }, start + 2000);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    page = board.page(probes, { offset: 0, limit: 100 }, start + 2000);
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[2] ?? Infinity;
  assert.equal(page.total, N);
  assert.deepEqual(page.entries.slice(0, 2).map((e) => [e.name, e.status]), [['probe-7', 'failing'], ['probe-0', 'passing']]);
  const p3 = page.entries.find((e) => e.name === 'probe-3');
  assert.equal(p3?.lastHour.count, 121, '120 from history, one since start');
  assert.equal(p3?.lastResult?.durationSeconds, 0.5);
  assert.equal(p3?.lastHour.p95Ms, 13, 'all earlier runs took 13 ms: the one slow run is under the 5 %');
  assert.equal(p3?.sparkline.length, 61);
  assert.equal(p3?.heartbeat.length, 30);
  assert.ok(ms < 50, `a page of 100 of 1,000 probes took ${ms.toFixed(1)} ms (median of 5)`);
  assert.deepEqual(board.page(probes, { offset: 0, limit: 5, target: 'svc-3', q: 'probe-1' }, start).entries.map((e) => e.name), ['probe-13', 'probe-103', 'probe-113', 'probe-123', 'probe-133']);
  history.close();
  db.close();
});
