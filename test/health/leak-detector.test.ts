/**
 * The leak detector against synthetic GC sawtooths whose truth is known, swept over 20 starting
 * phases: no false leak, slope within ±10 % once the window spans three collections, and no
 * verdict before the window is full. Deterministic: fixed seeds, sample times given explicitly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessLeak, LeakDetector } from '../../src/health/leak-detector.js';
import type { LeakAssessment, MemoryPoint } from '../../src/health/leak-detector.js';
import { theilSen } from '../../src/health/theil-sen.js';

const MiB = 1_048_576;
const T0 = Date.UTC(2026, 0, 1);

/** A small deterministic PRNG (mulberry32). */
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

/** A GC sawtooth: `tooth` bytes climbed over `period` s then collected, plus a leak and uniform noise. */
export interface Sawtooth {
  tooth: number;
  period: number;
  /** Sampling interval, seconds. */
  every: number;
  noise: number;
  leakPerMinute: number;
  /** Seconds into the first tooth at the first sample. */
  phase: number;
  seed: number;
}

/** Samples of `s` from T0 for `seconds`. */
export function sawtooth(s: Sawtooth, seconds: number): MemoryPoint[] {
  const rand = rng(s.seed);
  const out: MemoryPoint[] = [];
  for (let t = 0; t <= seconds + 1e-9; t += s.every) {
    const tooth = (((t + s.phase) % s.period) / s.period) * s.tooth;
    out.push({ atMs: T0 + t * 1000, bytes: 200 * MiB + tooth + (s.leakPerMinute * t) / 60 + (rand() - 0.5) * 2 * s.noise });
  }
  return out;
}

/** The phase-sweep configuration: 8 MiB teeth every 61.3 s (not a multiple of the 1 s sampling), ±64 KiB noise. */
const SWEEP = { tooth: 8 * MiB, period: 61.3, every: 1, noise: 64 * 1024 };
/** A coarser one: 40 MiB teeth every 90 s sampled every 10 s (the daemon's old test), ±1 MiB noise. */
const COARSE = { tooth: 40 * MiB, period: 90, every: 10, noise: MiB };
const PHASES = Array.from({ length: 20 }, (_, k) => k / 20);
const CYCLES = [3, 4, 6, 10];

/** Assesses a window of `cycles` GC periods (plus one sample of lead-in) at every phase. */
function sweep(shape: typeof SWEEP, leakPerMinute: number, cycles: number) {
  return PHASES.map((p, k) => {
    const windowS = cycles * shape.period;
    const pts = sawtooth({ ...shape, leakPerMinute, phase: p * shape.period, seed: 100 + k }, windowS + shape.every);
    return assessLeak(pts, pts[pts.length - 1]!.atMs, { windowMs: windowS * 1000 });
  });
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

test('a flat GC sawtooth is never a leak, at 20 phases and windows of 3 to 10 cycles', (t) => {
  for (const shape of [SWEEP, COARSE]) {
    for (const cycles of CYCLES) {
      const runs = sweep(shape, 0, cycles);
      const worst = Math.max(...runs.map((a) => Math.abs(a.slopeBytesPerSecond)));
      t.diagnostic(`flat, ${shape.tooth / MiB} MiB teeth every ${shape.period} s sampled every ${shape.every} s, ${cycles} cycles: largest |slope| ${((worst * 60) / MiB).toFixed(3)} MiB/min, verdicts ${verdicts(runs)}`);
      runs.forEach((a, k) => {
        assert.notEqual(a.verdict, 'leak', `${shape.period}s teeth, ${cycles} cycles, phase ${k}: ${JSON.stringify(a)}`);
        assert.ok(a.windowFull);
        assert.ok(a.gcCycles >= cycles - 1 && a.gcCycles <= cycles + 1, `gcCycles ${a.gcCycles} in ${cycles} periods`);
        assert.ok(a.confidenceInterval[0] <= 0 && a.confidenceInterval[1] >= 0, `interval ${a.confidenceInterval} holds 0`);
      });
    }
  }
});

test('injected leaks of 1, 6 and 30 MiB/min are estimated within ±10 % at 20 phases once the window spans >= 3 cycles', (t) => {
  for (const leak of [1, 6, 30]) {
    for (const cycles of CYCLES) {
      const runs = sweep(SWEEP, leak * MiB, cycles);
      t.diagnostic(`${leak} MiB/min, ${cycles} cycles: worst error ${worstError(runs, leak)}, verdicts ${verdicts(runs)}`);
      runs.forEach((a, k) => {
        const est = (a.slopeBytesPerSecond * 60) / MiB;
        assert.ok(Math.abs(est - leak) <= 0.1 * leak, `${leak} MiB/min, ${cycles} cycles, phase ${k}: ${est.toFixed(3)} MiB/min`);
        assert.equal(a.method, 'troughs');
        // Three to five troughs cannot make Mann–Kendall 99 % sure; six can.
        assert.equal(a.verdict, cycles >= 6 ? 'leak' : 'insufficient_data', `${leak} MiB/min, ${cycles} cycles, phase ${k}`);
        if (a.verdict === 'leak') assert.ok(a.confidence >= 0.99 && a.confidenceInterval[0] > 0);
      });
    }
  }
});

test('coarse sampling (10 s samples of 90 s teeth): the error bound is the ramp between two samples over the troughs\' span', (t) => {
  for (const leak of [1, 6, 30]) {
    for (const cycles of CYCLES) {
      const runs = sweep(COARSE, leak * MiB, cycles);
      t.diagnostic(`coarse, ${leak} MiB/min, ${cycles} cycles: worst error ${worstError(runs, leak)}, verdicts ${verdicts(runs)}`);
      // 40 MiB / 90 s × 10 s over (cycles − 1) × 90 s, plus the ±1 MiB noise.
      const bound = ((40 / 9 + 2) / ((cycles - 1) * 90)) * 60;
      for (const a of runs) assert.ok(Math.abs((a.slopeBytesPerSecond * 60) / MiB - leak) <= bound, `${cycles} cycles: ${(a.slopeBytesPerSecond * 60) / MiB} vs ${leak} ± ${bound}`);
    }
  }
});

function worstError(runs: readonly LeakAssessment[], leak: number): string {
  return `${(Math.max(...runs.map((a) => Math.abs((a.slopeBytesPerSecond * 60) / MiB - leak) / leak)) * 100).toFixed(1)} %`;
}

function verdicts(runs: readonly LeakAssessment[]): string {
  return [...new Set(runs.map((a) => a.verdict))].join('/');
}

test('no verdict before the window is full; the first full window is judged within ±10 %', () => {
  const pts = sawtooth({ ...SWEEP, leakPerMinute: 6 * MiB, phase: 17, seed: 3 }, 20 * 61.3);
  const d = new LeakDetector({ windowMs: 10 * 61.3 * 1000, maxSamples: 2000 });
  let first: ReturnType<LeakDetector['assess']> | undefined;
  for (const p of pts) {
    d.add(p.atMs, p.bytes);
    const a = d.assess(p.atMs);
    if (!a.windowFull) assert.equal(a.verdict, 'insufficient_data', `${(p.atMs - T0) / 1000}s`);
    else first ??= a;
  }
  assert.ok(first, 'the window filled');
  assert.equal(first.verdict, 'leak');
  assert.ok(Math.abs((first.slopeBytesPerSecond * 60) / MiB - 6) <= 0.6, `first full-window slope ${(first.slopeBytesPerSecond * 60) / MiB} MiB/min`);
  // The pure function says the same about a half-filled window.
  const half = assessLeak(pts.slice(0, 300), pts[299]!.atMs, { windowMs: 10 * 61.3 * 1000 });
  assert.equal(half.windowFull, false);
  assert.equal(half.verdict, 'insufficient_data');
});

test('the time to the memory limit is when the tops of the teeth reach it', () => {
  const seconds = 10 * 61.3;
  const pts = sawtooth({ ...SWEEP, leakPerMinute: 6 * MiB, phase: 0, seed: 8 }, seconds);
  const a = assessLeak(pts, pts[pts.length - 1]!.atMs, { windowMs: seconds * 1000, limitBytes: 512 * MiB });
  assert.equal(a.verdict, 'leak');
  // Baseline 200 MiB + 6 MiB/min × 10.2 min, teeth 8 MiB high: (512 − 269.3) MiB at 6 MiB/min.
  const truth = ((512 - (200 + (6 * seconds) / 60 + 8)) / 6) * 60;
  assert.ok(a.secondsToLimit !== undefined && Math.abs(a.secondsToLimit - truth) < 60, `eta ${a.secondsToLimit} vs ${truth}`);
});

test('a single step up, and a climb that stopped half-way, are not leaks (the latter flagged step)', () => {
  const hour = sawtooth({ ...COARSE, leakPerMinute: 0, phase: 10, seed: 9 }, 3600);
  const jump = hour.map((p) => (p.atMs - T0 >= 1800_000 ? { ...p, bytes: p.bytes + 120 * MiB } : p));
  const a = assessLeak(jump, T0 + 3600_000, { windowMs: 3600_000 });
  assert.equal(a.verdict, 'no_leak', JSON.stringify(a));
  const stopped = hour.map((p) => ({ ...p, bytes: p.bytes + (Math.min(p.atMs - T0, 1800_000) / 60_000) * 2 * MiB }));
  const b = assessLeak(stopped, T0 + 3600_000, { windowMs: 3600_000 });
  assert.ok(b.confidenceInterval[0] > 0 && b.confidence > 0.99, 'the troughs do rise over the hour');
  assert.equal(b.verdict, 'no_leak');
  assert.equal(b.step, true);
});

test('a climb without GC drops (RSS that never shrinks) is fitted through all samples', () => {
  const rand = rng(5);
  const pts = Array.from({ length: 181 }, (_, i) => ({ atMs: T0 + i * 10_000, bytes: 300 * MiB + (i * 10 * 2 * MiB) / 60 + rand() * 64 * 1024 }));
  const a = assessLeak(pts, pts[180]!.atMs, { windowMs: 30 * 60_000, limitBytes: 512 * MiB });
  assert.equal(a.method, 'all-samples');
  assert.equal(a.gcCycles, 0);
  assert.equal(a.verdict, 'leak');
  assert.ok(Math.abs((a.slopeBytesPerSecond * 60) / MiB - 2) < 0.05);
  // 360 MiB now, 512 MiB limit, 2 MiB/min: about 76 minutes.
  assert.ok(a.secondsToLimit !== undefined && Math.abs(a.secondsToLimit - 76 * 60) < 120, `eta ${a.secondsToLimit}`);
  assert.ok(a.trend !== undefined && a.trend.toMs === pts[180]!.atMs && Math.abs(a.trend.toBytes - 360 * MiB) < MiB);
});

test('one old GC drop does not hide a smooth climb: two windows later it is fitted through all samples', () => {
  const pts = Array.from({ length: 421 }, (_, i) => {
    const s = i * 10;
    return { atMs: T0 + s * 1000, bytes: 300 * MiB + (s / 60) * 2 * MiB - (s >= 300 ? 50 * MiB : 0) };
  });
  const d = new LeakDetector({ windowMs: 30 * 60_000 });
  const verdicts: string[] = [];
  for (const p of pts) {
    d.add(p.atMs, p.bytes);
    verdicts.push(`${d.assess(p.atMs).method}:${d.assess(p.atMs).verdict}`);
  }
  assert.equal(verdicts[200], 'troughs:insufficient_data', 'the drop is in the window: one GC cycle is too few');
  assert.equal(verdicts[420], 'all-samples:leak');
  const a = assessLeak(pts, pts[420]!.atMs, { windowMs: 30 * 60_000 });
  assert.equal(a.method, 'all-samples');
  assert.equal(a.verdict, 'leak');
  assert.equal(assessLeak(pts, pts[300]!.atMs, { windowMs: 30 * 60_000 }).method, 'troughs', 'a drop in the window before still counts');
});

test('the window slides, memory is bounded, and a leak that stopped is no longer a leak', () => {
  const d = new LeakDetector({ windowMs: 30 * 60_000, maxSamples: 100 });
  const leaking = sawtooth({ ...COARSE, leakPerMinute: MiB, phase: 0, seed: 4 }, 120 * 60);
  for (const p of leaking) d.add(p.atMs, p.bytes);
  const last = leaking[leaking.length - 1]!;
  assert.ok(d.size() <= 100, `kept ${d.size()}`);
  assert.equal(d.assess(last.atMs).verdict, 'leak');
  const flat = sawtooth({ ...COARSE, leakPerMinute: 0, phase: 0, seed: 6 }, 31 * 60).map((p) => ({ atMs: p.atMs + (last.atMs - T0) + 10_000, bytes: p.bytes + 120 * MiB }));
  for (const p of flat) d.add(p.atMs, p.bytes);
  assert.equal(d.assess(flat[flat.length - 1]!.atMs).verdict, 'no_leak');
  // Two hours later without samples: everything has left the window.
  assert.equal(d.assess(flat[flat.length - 1]!.atMs + 2 * 3600_000).samples, 0);
});
