import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { LeakDetector } from '../../src/health/leak-detector.js';
import { theilSen } from '../../src/health/theil-sen.js';

const MB = 1_000_000;

/** A small deterministic PRNG (mulberry32) so series are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Series {
  leakPerMinute: number;
  stepAtSeconds?: number;
  stepBytes?: number;
  seed: number;
  phase: number;
  /** Epoch ms the leak started at (default: when feeding starts). */
  origin?: number;
  period?: number;
}

/** GC sawtooth: 40 MB climbs over 90 s then drops, plus ±2 MB jitter, every 10 s for `minutes`. */
function feed(detector: LeakDetector, clock: FakeClock, s: Series, minutes = 30): Promise<void> {
  const rand = rng(s.seed);
  const start = s.origin ?? clock.now();
  const period = s.period ?? 90;
  let chain = Promise.resolve();
  for (let sec = 0; sec <= minutes * 60; sec += 10) {
    chain = chain.then(async () => {
      await clock.advance(sec === 0 ? 0 : 10_000);
      const saw = (((sec + s.phase) % period) / period) * 40 * MB;
      const leak = (s.leakPerMinute * (clock.now() - start)) / 60_000;
      const step = s.stepAtSeconds !== undefined && sec >= s.stepAtSeconds ? (s.stepBytes ?? 0) : 0;
      detector.add(clock.now(), 200 * MB + saw + leak + step + (rand() - 0.5) * 4 * MB);
    });
  }
  return chain;
}

test('theilSen recovers a clean slope and ignores an outlier', () => {
  const pts = Array.from({ length: 50 }, (_, i) => ({ t: i, v: 3 * i + 7 }));
  pts[20] = { t: 20, v: 1e9 };
  const fit = theilSen(pts);
  assert.ok(fit);
  assert.ok(Math.abs(fit.slope - 3) < 1e-9);
  assert.ok(fit.slopeLow <= 3 && fit.slopeHigh >= 3);
  assert.ok(fit.pRising < 0.001);
  assert.equal(theilSen(pts.slice(0, 2)), undefined);
});

test('a steady 1 MB/min climb under GC sawtooth noise is a leak, at every sawtooth phase', async () => {
  for (const phase of [0, 20, 45, 70]) {
    const clock = new FakeClock();
    const d = new LeakDetector({ windowMs: 30 * 60_000, limitBytes: 512 * MB });
    await feed(d, clock, { leakPerMinute: MB, seed: 7 + phase, phase });
    const a = d.assess(clock.now());
    assert.equal(a.verdict, 'leak', `phase ${phase}: ${JSON.stringify(a)}`);
    // 1 MB/min = 16 667 B/s; Theil–Sen under the sawtooth stays within ±30 %.
    assert.ok(Math.abs(a.slopeBytesPerSecond - MB / 60) < 0.3 * (MB / 60), `slope ${a.slopeBytesPerSecond}`);
    assert.ok(a.confidence > 0.99);
    // ~250 MB now, 512 MB limit, 1 MB/min → roughly 4 to 5 hours.
    assert.ok(a.secondsToLimit !== undefined && a.secondsToLimit > 3.5 * 3600 && a.secondsToLimit < 5.5 * 3600, `eta ${a.secondsToLimit}`);
  }
});

test('a flat GC sawtooth is not a leak, at every phase, seed and a slower GC cycle', async () => {
  for (const [phase, period] of [[0, 90], [20, 90], [45, 90], [70, 90], [0, 300], [130, 300], [250, 300]] as const) {
    for (const seed of [1, 2, 3]) {
      const clock = new FakeClock();
      const d = new LeakDetector({ windowMs: 30 * 60_000, limitBytes: 512 * MB });
      await feed(d, clock, { leakPerMinute: 0, seed, phase, period });
      const a = d.assess(clock.now());
      assert.equal(a.verdict, 'no_leak', `phase ${phase} seed ${seed}: ${JSON.stringify(a)}`);
    }
  }
});

test('a single step up is reported as a step, not a leak', async () => {
  const clock = new FakeClock();
  const d = new LeakDetector({ windowMs: 30 * 60_000 });
  await feed(d, clock, { leakPerMinute: 0, seed: 9, phase: 10, stepAtSeconds: 15 * 60, stepBytes: 120 * MB });
  const a = d.assess(clock.now());
  assert.notEqual(a.verdict, 'leak', JSON.stringify(a));
});

test('too little history is insufficient_data; the window slides and memory is bounded', async () => {
  const clock = new FakeClock();
  const d = new LeakDetector({ windowMs: 30 * 60_000, maxSamples: 100 });
  const origin = clock.now();
  await feed(d, clock, { leakPerMinute: MB, seed: 4, phase: 0, origin }, 5);
  assert.equal(d.assess(clock.now()).verdict, 'insufficient_data');
  await feed(d, clock, { leakPerMinute: MB, seed: 4, phase: 0, origin }, 120);
  assert.ok(d.size() <= 100, `kept ${d.size()}`);
  assert.equal(d.assess(clock.now()).verdict, 'leak');
  // Two hours later without samples: everything has left the window.
  await clock.advance(2 * 3600_000);
  assert.equal(d.assess(clock.now()).samples, 0);
});

test('a leak that stopped half an hour ago is no longer a leak', async () => {
  const clock = new FakeClock();
  const d = new LeakDetector({ windowMs: 30 * 60_000 });
  await feed(d, clock, { leakPerMinute: MB, seed: 5, phase: 0 }, 30);
  // The leak stops: memory stays 30 MB higher, flat.
  await feed(d, clock, { leakPerMinute: 0, seed: 6, phase: 0, stepAtSeconds: 0, stepBytes: 30 * MB }, 31);
  assert.equal(d.assess(clock.now()).verdict, 'no_leak');
});
