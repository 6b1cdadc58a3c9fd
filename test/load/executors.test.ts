/**
 * Executors driven by a fake clock and fake VUs (each iteration takes a fixed time on the fake
 * clock): ramps, think time, fixed counts, drops, back-off and intended-start timing, exactly and
 * without sockets or threads — for the whole plan and for segments of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/clock.js';
import { EARLY_MS, GROW_PER_TURN } from '../../src/load/executors/open.js';
import { startExecutor } from '../../src/load/executors/registry.js';
import type { ExecutorContext } from '../../src/load/executors/types.js';
import type { ExecutorSpec } from '../../src/load/plan/plan.js';
import { stagesToRamps } from '../../src/load/plan/schedule.js';
import { WHOLE, splitSegment } from '../../src/load/plan/segment.js';
import type { Segment } from '../../src/load/plan/segment.js';
import type { Vu } from '../../src/load/vu/vu.js';

/** What the fake VUs of one executor did. */
interface Log {
  starts: number[];
  /** Latency of each iteration from its intended start, ms. */
  latencies: number[];
  dropped: number;
  vus: FakeVu[];
}

class FakeVu implements Vu {
  busy = false;
  retiring = false;
  readyAt = 0;
  iterations = 0;
  private onDone: (vu: Vu) => void = () => undefined;
  constructor(private readonly clock: FakeClock, private readonly log: Log, private readonly serviceMs: () => number, private readonly failUntil = 0) {}
  bind(onDone: (vu: Vu) => void): void { this.onDone = onDone; }
  startIteration(intendedStart: number): void {
    this.busy = true;
    this.iterations++;
    this.log.starts.push(this.clock.now());
    // A VU whose connection is refused fails at once and backs off 1 s.
    if (this.clock.now() < this.failUntil) {
      this.readyAt = this.clock.now() + 1000;
      this.clock.setTimeout(() => { this.busy = false; this.onDone(this); }, 0);
      return;
    }
    this.readyAt = 0;
    this.clock.setTimeout(() => {
      this.log.latencies.push(this.clock.now() - intendedStart);
      this.busy = false;
      this.onDone(this);
    }, this.serviceMs());
  }
  open(): Promise<boolean> { return Promise.resolve(true); }
  checkDeadline(): void {}
  close(): Promise<void> { return Promise.resolve(); }
}

function context(clock: Clock & FakeClock, log: Log, serviceMs: () => number, segment: Segment = WHOLE, extra: Partial<ExecutorContext> = {}, failUntil = 0): ExecutorContext {
  return {
    clock,
    segment,
    random: () => 0.5,
    thinkTime: undefined,
    recordDropped: () => { log.dropped++; },
    immediate: (fn) => { clock.setTimeout(fn, 0.05); },
    vus: { acquire: (onDone) => { const vu = new FakeVu(clock, log, serviceMs, failUntil); vu.bind(onDone); log.vus.push(vu); return vu; } },
    ...extra,
  };
}

const newLog = (): Log => ({ starts: [], latencies: [], dropped: 0, vus: [] });

/** Runs `spec` split in `parts` segments on one fake clock; returns each segment's log. */
async function runSplit(spec: ExecutorSpec, parts: number, serviceMs: () => number, forMs: number): Promise<Log[]> {
  const clock = new FakeClock(0);
  const logs = splitSegment(WHOLE, parts).map(() => newLog());
  const handles = splitSegment(WHOLE, parts).map((seg, i) => startExecutor(spec, context(clock, logs[i]!, serviceMs, seg)));
  await clock.advance(forMs);
  await Promise.all(handles.map((h) => h.done));
  await clock.advance(1000);
  return logs;
}

test('ramping-vus follows the ramp, with think time between iterations', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  const ex = startExecutor({ kind: 'ramping-vus', ramps: stagesToRamps(0, [{ duration: 1000, target: 10 }, { duration: 1000, target: 10 }, { duration: 1000, target: 0 }]) }, context(clock, log, () => 10, WHOLE, { thinkTime: { minMs: 90, maxMs: 90 } }));
  await clock.advance(500);
  assert.ok(Math.abs(ex.activeVus() - 5) <= 1, `VUs at 0.5 s: ${ex.activeVus()}`);
  await clock.advance(1000);
  assert.equal(ex.activeVus(), 10);
  const before = log.starts.length;
  await clock.advance(500);
  // 10 VUs, 10 ms iteration + 90 ms think: 100 iterations per second → 50 in 0.5 s.
  assert.ok(Math.abs(log.starts.length - before - 50) <= 10, `started ${log.starts.length - before} in 0.5 s`);
  await clock.advance(600);
  assert.ok(ex.activeVus() <= 5, `VUs ramping down: ${ex.activeVus()}`);
  await clock.advance(1000);
  await ex.done;
  assert.equal(ex.activeVus(), 0);
});

test('segments of a VU ramp add up to the ramp at every moment', async () => {
  const clock = new FakeClock(0);
  const spec: ExecutorSpec = { kind: 'ramping-vus', ramps: stagesToRamps(0, [{ duration: 1000, target: 7 }, { duration: 1000, target: 3 }]) };
  const parts = splitSegment(WHOLE, 3);
  const handles = parts.map((seg) => startExecutor(spec, context(clock, newLog(), () => 10, seg)));
  for (const [t, level] of [[300, 2], [700, 5], [1000, 7], [1500, 5], [1900, 3]] as const) {
    await clock.advance(t - clock.now());
    assert.equal(handles.reduce((a, h) => a + h.activeVus(), 0), level, `VUs at ${t} ms`);
  }
  await clock.advance(500);
});

test('shared-iterations sends exactly N, split or not; per-vu-iterations N per VU', async () => {
  for (const parts of [1, 2, 4]) {
    const logs = await runSplit({ kind: 'shared-iterations', vus: 5, iterations: 50, maxDurationMs: 60_000 }, parts, () => 3, 10_000);
    assert.equal(logs.reduce((a, l) => a + l.starts.length, 0), 50, `${parts} segments`);
  }
  const logs = await runSplit({ kind: 'per-vu-iterations', vus: 3, iterations: 7, maxDurationMs: 60_000 }, 2, () => 3, 10_000);
  const vus = logs.flatMap((l) => l.vus);
  assert.equal(vus.length, 3);
  assert.deepEqual(vus.map((v) => v.iterations), [7, 7, 7]);
});

test('shared-iterations stops at maxDuration', async () => {
  const logs = await runSplit({ kind: 'shared-iterations', vus: 1, iterations: 1000, maxDurationMs: 1000 }, 1, () => 100, 5000);
  assert.equal(logs[0]?.starts.length, 10);
});

test('constant-arrival-rate: every due iteration starts on schedule, segments interleave, union exact', async () => {
  // 100 iterations/s for 2 s over 4 segments: 200 in all, each segment every 4th, evenly spread.
  const logs = await runSplit({ kind: 'constant-arrival-rate', ratePerMs: 0.1, durationMs: 2000, maxVUs: 100, preAllocatedVUs: 10 }, 4, () => 5, 2000);
  assert.deepEqual(logs.map((l) => l.starts.length), [50, 50, 50, 50]);
  const all = logs.flatMap((l) => l.starts).sort((a, b) => a - b);
  // Iteration k is due at 10k ms and goes out at most EARLY_MS before (timers are no finer), never late.
  const off = all.map((t, k) => t - 10 * k);
  assert.ok(Math.min(...off) >= -EARLY_MS && Math.max(...off) <= 0.2, `merged arrivals on schedule: ${Math.min(...off)}..${Math.max(...off)} ms off`);
  assert.ok(logs.every((l) => l.latencies.every((x) => x >= 5 && x < 5.2)), 'an early send counts from when it went out: latency is the service time');
});

test('open model: when every VU is busy an iteration is dropped, never delayed', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  let slow = false;
  // 100 iterations/s for 2 s, at most 10 in flight.
  const ex = startExecutor({ kind: 'constant-arrival-rate', ratePerMs: 0.1, durationMs: 2000, maxVUs: 10, preAllocatedVUs: 10 }, context(clock, log, () => (slow ? 400 : 5)));
  await clock.advance(1000);
  assert.ok(Math.abs(log.starts.length - 100) <= 1, `started ${log.starts.length}`);
  assert.equal(log.dropped, 0);
  slow = true; // the target stalls: 400 ms per iteration
  await clock.advance(1000);
  await ex.done;
  await clock.advance(1000);
  assert.equal(log.starts.length + log.dropped, 200, `started ${log.starts.length} + dropped ${log.dropped}`);
  // In the slow second at most 10 / 0.4 s = 25 iterations can start: about 70 are dropped.
  assert.ok(log.dropped >= 55 && log.dropped <= 80, `dropped ${log.dropped}`);
  assert.ok(Math.max(...log.latencies) >= 399);
});

/**
 * An event loop blocked during [from, to): what would run then runs at `to`, timers and
 * immediates just before I/O (`io`: VU completions), as libuv runs timers before it reads the
 * sockets. Timers have Node's 1 ms floor; immediates take 0.05 ms.
 */
function blockedLoop(clock: FakeClock, from: number, to: number, io = false): { clock: FakeClock; immediate: (fn: () => void) => void } {
  const until = io ? to : to - 0.001;
  const later = (fn: () => void, ms: number) => clock.setTimeout(function fire() {
    const now = clock.now();
    if (now >= from && now < until) clock.setTimeout(fire, until - now);
    else fn();
  }, ms);
  return {
    clock: { now: () => clock.now(), setTimeout: (fn: () => void, ms: number) => later(fn, Math.max(1, ms)) } as unknown as FakeClock,
    immediate: (fn) => { later(fn, 0.05); },
  };
}

test('open model: a worker that wakes late reads its sockets before it drops', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  // 1,000/s, 3 ms per iteration, 5 VUs at most; the loop is blocked from 100 to 120 ms. At 120
  // twenty sends are due, two VUs are free and three have their responses waiting to be read:
  // all five VUs take a due send (dropping at once started two and dropped eighteen).
  const ctx = context(clock, log, () => 3, WHOLE, blockedLoop(clock, 100, 120));
  const ex = startExecutor({ kind: 'constant-arrival-rate', ratePerMs: 1, durationMs: 200, maxVUs: 5, preAllocatedVUs: 5 }, {
    ...ctx,
    vus: { acquire: (onDone) => { const vu = new FakeVu(blockedLoop(clock, 100, 120, true).clock, log, () => 3); vu.bind(onDone); log.vus.push(vu); return vu; } },
  });
  await clock.advance(300);
  await ex.done;
  assert.equal(log.starts.filter((t) => t >= 119 && t < 120.04).length, 5, 'every VU free after the I/O started a due send');
  assert.equal(log.starts.length + log.dropped, 200);
});

test('open model: a late wake with every VU busy opens at most GROW_PER_TURN connections a turn and drops nothing', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  // 10,000/s, 0.2 ms per iteration, 20 VUs pre-opened, up to 1,000; the loop is blocked from 10 to
  // 70 ms: 600 sends are due at 70. Opening a connection for each at once is what stalled a real
  // worker further; a few per turn, with the turns between reading completions, catches up.
  const ctx = context(clock, log, () => 0.2, WHOLE, blockedLoop(clock, 10, 70));
  const opened = new Map<number, number>();
  const ex = startExecutor({ kind: 'constant-arrival-rate', ratePerMs: 10, durationMs: 200, maxVUs: 1000, preAllocatedVUs: 20 }, {
    ...ctx,
    vus: { acquire: (onDone) => { opened.set(clock.now(), (opened.get(clock.now()) ?? 0) + 1); const vu = new FakeVu(blockedLoop(clock, 10, 70, true).clock, log, () => 0.2); vu.bind(onDone); log.vus.push(vu); return vu; } },
  });
  await clock.advance(300);
  await ex.done;
  await clock.advance(100);
  assert.equal(log.dropped, 0);
  assert.equal(log.starts.length, 2000);
  const grown = [...opened].filter(([at]) => at > 0);
  assert.ok(grown.length > 1, 'it had to open connections');
  assert.ok(grown.every(([, n]) => n <= GROW_PER_TURN), `connections opened per turn: ${grown.map(([, n]) => n).join(' ')}`);
});

test('open model: a generator that wakes late still measures from the intended start', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  // The event loop is blocked for the first 200 ms: the ~20 iterations due meanwhile start late,
  // and their latency must include the wait.
  const ex = startExecutor({ kind: 'constant-arrival-rate', ratePerMs: 0.1, durationMs: 1000, maxVUs: 100, preAllocatedVUs: 100 }, { ...context(clock, log, () => 1), ...blockedLoop(clock, 0.001, 200) });
  await clock.advance(1000);
  await ex.done;
  await clock.advance(100);
  assert.equal(log.starts.length, 100);
  assert.ok(Math.max(...log.latencies) >= 190, `the first iterations waited ~200 ms: max ${Math.max(...log.latencies)}`);
});

test('a VU whose connection fails waits out its back-off: a refused target sees bounded attempts', async () => {
  const clock = new FakeClock(0);
  const log = newLog();
  // 5 VUs, each refused until 10 s: with a 1 s back-off, at most 5 attempts a second.
  const ex = startExecutor({ kind: 'constant-vus', vus: 5, durationMs: 5000 }, context(clock, log, () => 1, WHOLE, {}, 10_000));
  await clock.advance(5000);
  await ex.done;
  assert.ok(log.starts.length <= 5 * 5 + 5, `attempts in 5 s: ${log.starts.length}`);
  assert.ok(log.starts.length >= 5 * 4, `still trying: ${log.starts.length}`);
});
