import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleSeries } from '../../src/alerts/sample-series.js';

/** The store's former way: drop the expired prefix and the overflow with one splice per push. */
function reference(list: { at: number; i: number }[], s: { at: number; i: number }, cutoff: number, cap: number): void {
  list.push(s);
  let drop = 0;
  while (drop < list.length && list[drop]!.at < cutoff) drop++;
  if (list.length - drop > cap) drop = list.length - cap;
  if (drop > 0) list.splice(0, drop);
}

test('a series keeps exactly what splicing kept: the retention window, at most cap samples, across compactions', () => {
  const retention = 5_000;
  const cap = 1_500;
  const series = new SampleSeries<{ at: number; i: number }>();
  const list: { at: number; i: number }[] = [];
  let at = 1_000_000;
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 20_000; i++) {
    // Bursts (the cap decides) and gaps (the retention decides), in time order.
    at += i % 5_000 < 2_500 ? Math.floor(random() * 2) : Math.floor(random() * 12);
    const s = { at, i };
    series.push(s, at - retention, cap);
    reference(list, s, at - retention, cap);
    assert.equal(series.length, list.length, `length after push ${i}`);
    if (i % 997 === 0) {
      const from = at - Math.floor(random() * retention * 1.5);
      assert.deepEqual(series.between(from, at), list.filter((x) => x.at >= from && x.at <= at), `window after push ${i}`);
    }
  }
  assert.ok(series.length <= cap);
  assert.deepEqual(series.between(0, at), list);
});

test('a window answers only samples inside it, both ends included', () => {
  const series = new SampleSeries<{ at: number }>();
  for (const at of [10, 20, 30, 40]) series.push({ at }, 0, 10);
  assert.deepEqual(series.between(20, 30).map((s) => s.at), [20, 30]);
  assert.deepEqual(series.between(41, 50), []);
});
