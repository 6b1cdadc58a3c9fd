/**
 * Executors driven by a fake clock and a fake dispatcher (each request takes a fixed time on the
 * fake clock): ramps, think time, drops and intended-start timing, exactly and without sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dispatcher } from 'undici';
import { FakeClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/clock.js';
import { runClosed, runOpen } from '../../src/load/executors.js';
import type { VuHost } from '../../src/load/http-vu.js';
import { planLoad } from '../../src/load/plan.js';
import { arrivalSchedule, stagesToSegments } from '../../src/load/schedule.js';
import { LoadStats } from '../../src/load/stats.js';
import { loadConfig, oneRequest } from './load-fixtures.js';

interface LegacyHandler {
  onHeaders(status: number): boolean;
  onComplete(): void;
}

function host(clock: FakeClock, serviceMs: () => number): VuHost & { sent: number } {
  const plan = planLoad(loadConfig({ name: 'f', url: 'http://127.0.0.1:1', vus: 1, duration: '1s', scenarios: oneRequest('/') }), { url: 'http://127.0.0.1:1' });
  const stats = new LoadStats(plan.endpoints);
  const h = {
    sent: 0,
    plan,
    now: () => clock.now(),
    random: () => 0.5,
    stats,
    observer: undefined,
    onDropped: undefined,
    stopped: false,
    dispatcherFor: () => ({
      dispatch: (_opts: unknown, handler: LegacyHandler) => {
        h.sent++;
        clock.setTimeout(() => {
          handler.onHeaders(200);
          handler.onComplete();
        }, serviceMs());
        return true;
      },
    }) as unknown as Dispatcher,
  };
  stats.begin(clock.now());
  return h;
}

test('closed model follows a VU ramp, with think time between iterations', async () => {
  const clock = new FakeClock(0);
  const h = host(clock, () => 10);
  const ex = runClosed(h, clock, stagesToSegments(0, [{ duration: 1000, target: 10 }, { duration: 1000, target: 10 }, { duration: 1000, target: 0 }]), { minMs: 90, maxMs: 90 });
  await clock.advance(500);
  assert.ok(Math.abs(ex.activeVus() - 5) <= 1, `VUs at 0.5 s: ${ex.activeVus()}`);
  await clock.advance(1000);
  assert.equal(ex.activeVus(), 10);
  const before = h.sent;
  await clock.advance(500);
  // 10 VUs, 10 ms request + 90 ms think: 100 iterations per second → 50 in 0.5 s.
  assert.ok(Math.abs(h.sent - before - 50) <= 10, `sent ${h.sent - before} in 0.5 s`);
  await clock.advance(600);
  assert.ok(ex.activeVus() <= 5, `VUs ramping down: ${ex.activeVus()}`);
  await clock.advance(1000);
  await ex.done;
  assert.equal(ex.activeVus(), 0);
});

test('open model: every due iteration starts on schedule; when all VUs are busy it is dropped; latency counts from the intended start', async () => {
  const clock = new FakeClock(0);
  let slow = false;
  const h = host(clock, () => (slow ? 400 : 5));
  // 100 iterations/s for 2 s, at most 10 in flight.
  const ex = runOpen(h, clock, arrivalSchedule([{ durationMs: 2000, from: 0.1, to: 0.1 }]), 10, 10);
  await clock.advance(1000);
  assert.ok(Math.abs(h.sent - 100) <= 1, `started ${h.sent}`);
  assert.equal(h.stats.dropped, 0);
  slow = true; // the target stalls: 400 ms per request
  await clock.advance(1000);
  await ex.done;
  await clock.advance(1000);
  const started = h.sent;
  const dropped = h.stats.dropped;
  assert.equal(started + dropped, 200, `started ${started} + dropped ${dropped}`);
  // In the slow second at most 10 / 0.4 s = 25 iterations can start: about 70 are dropped.
  assert.ok(dropped >= 55 && dropped <= 80, `dropped ${dropped}`);
  const o = h.stats.overall(clock.now());
  assert.ok(o.latencyMs.max >= 399, `max ${o.latencyMs.max}`);
  assert.ok(o.latencyMs.p50 >= 5 && o.latencyMs.p50 < 10, `p50 ${o.latencyMs.p50}`);
});

test('open model: a generator that wakes late still measures from the intended start', async () => {
  const clock = new FakeClock(0);
  const h = host(clock, () => 1);
  // The generator's first wake-up comes 200 ms late (a blocked event loop): the ~20 iterations
  // due meanwhile start late, and their latency must include the wait.
  let late = true;
  const lagging: Clock = {
    now: () => clock.now(),
    setTimeout: (fn, ms) => {
      const extra = late ? 200 : 0;
      late = false;
      return clock.setTimeout(fn, ms + extra);
    },
  };
  const ex = runOpen(h, lagging, arrivalSchedule([{ durationMs: 1000, from: 0.1, to: 0.1 }]), 100, 100);
  await clock.advance(1000);
  await ex.done;
  await clock.advance(100);
  const o = h.stats.overall(clock.now());
  assert.equal(h.sent, 100);
  assert.ok(o.latencyMs.max >= 190, `the first iterations waited ~200 ms: max ${o.latencyMs.max}`);
});
