import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failureDetector, latencyDetector, logLatency } from '../../src/alerts/change-models.js';
import type { ChangeInfo } from '../../src/alerts/change-detector.js';
import { runBench } from '../../bench/change-series.js';

const T0 = Date.UTC(2026, 0, 1);

/** Feeds `ms(i)` every 15 s for `n` samples; returns the confirmed changes. */
function feedLatency(n: number, ms: (i: number) => number, d = latencyDetector()): ChangeInfo[] {
  const out: ChangeInfo[] = [];
  for (let i = 0; i < n; i++) {
    const c = d.push({ at: T0 + i * 15_000, v: logLatency(ms(i) / 1000) });
    if (c !== undefined) out.push(c);
  }
  return out;
}

/** Deterministic jitter in [-1, 1] (no randomness needed for the shape tests). */
const wobble = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;

test('fixed-seed benchmark subset: x1.5 and x2 steps detected >= 95 %, no false alarm in 7 stationary days or before any step', { timeout: 120_000 }, () => {
  const r = runBench({
    intervalMs: 15_000, factors: [1.5, 2], stepSeries: 40, stepDurationMs: 86_400_000, detectWithinMs: 3600_000,
    stationarySeries: 2, stationaryDurationMs: 7 * 86_400_000, seed: 1,
  });
  for (const f of r.factors) {
    assert.ok(f.detectionRate >= 0.95, `x${f.factor}: ${f.detected}/${f.series}`);
    assert.equal(f.falseAlarmsBeforeStep, 0, `x${f.factor}`);
    assert.ok(f.medianDelaySeconds !== undefined && f.medianDelaySeconds < 900, `x${f.factor} median delay ${f.medianDelaySeconds}`);
  }
  assert.equal(r.stationary.days, 7);
  assert.equal(r.stationary.falseAlarms, 0);
});

test('a step 40 ms → 88 ms is dated, sized and becomes the new baseline', () => {
  const changes = feedLatency(600, (i) => (i < 300 ? 40 : 88) * (1 + 0.1 * wobble(i)));
  assert.equal(changes.length, 1, JSON.stringify(changes));
  const c = changes[0]!;
  assert.equal(c.metric, 'latency');
  assert.ok(Math.abs(c.at - (T0 + 300 * 15_000)) <= 3 * 15_000, `change dated ${(c.at - T0) / 15_000} samples in`);
  assert.ok(c.detectedAt > c.at && c.detectedAt - c.at < 60 * 15_000);
  assert.ok(c.ratio > 2 && c.ratio < 2.4, String(c.ratio));
  assert.ok(Math.abs(c.before - 0.040) < 0.004 && Math.abs(c.after - 0.088) < 0.009);
  assert.ok(c.confidence > 0.99);
});

test('single spikes and short bursts never fire; a level below the minimum effect never fires', () => {
  assert.deepEqual(feedLatency(3000, (i) => (i % 97 === 50 ? 2000 : i % 401 === 7 || i % 401 === 8 ? 900 : 40 * (1 + 0.1 * wobble(i)))), []);
  // x1.15 and +0.5 ms (under the 2 ms floor): moved, but not by the minimum effect.
  assert.deepEqual(feedLatency(1500, (i) => (i < 500 ? 40 : 46) * (1 + 0.1 * wobble(i))), []);
  assert.deepEqual(feedLatency(1500, (i) => (i < 500 ? 1 : 2.5) * (1 + 0.05 * wobble(i))), []);
});

test('nothing is judged before the baseline is learned', () => {
  const d = latencyDetector();
  assert.deepEqual(feedLatency(119, (i) => (i < 10 ? 10 : 500), d), []);
  assert.equal(d.ready, false);
});

test('failure rate: 0 % → 40 % is a change; three scattered failures are not', () => {
  const feed = (n: number, failed: (i: number) => boolean) => {
    const d = failureDetector();
    const out: ChangeInfo[] = [];
    for (let i = 0; i < n; i++) {
      const c = d.push({ at: T0 + i * 5000, v: failed(i) ? 1 : 0 });
      if (c !== undefined) out.push(c);
    }
    return out;
  };
  const changes = feed(400, (i) => i >= 200 && i % 5 < 2);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.metric, 'failure_rate');
  assert.ok(changes[0]!.after > 0.3 && changes[0]!.before < 0.01, JSON.stringify(changes[0]));
  assert.ok(changes[0]!.at >= T0 + 195 * 5000);
  assert.deepEqual(feed(1000, (i) => i === 300 || i === 500 || i === 700), []);
});
