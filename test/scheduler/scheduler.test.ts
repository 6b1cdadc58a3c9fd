import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { createScheduler } from '../../src/scheduler/scheduler.js';
import { compileCron } from '../../src/scheduler/cron-schedule.js';

test('interval jobs do not drift over hours, even when runs take time', async () => {
  const clock = new FakeClock(0);
  const starts: number[] = [];
  const scheduler = createScheduler({ clock, random: () => 0.5 });
  scheduler.add({
    name: 'p',
    schedule: { everyMs: 15_000 },
    run: async () => {
      starts.push(clock.now());
      // Each run takes 1.2 s of (fake) time; that must not push the next start later.
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 1200));
    },
  });
  scheduler.start();
  await clock.advance(3 * 3_600_000);
  assert.equal(starts[0], 7_500); // spread: half of the interval
  assert.equal(starts.length, 720);
  starts.forEach((t, i) => assert.equal(t, 7_500 + i * 15_000));
  await scheduler.stop();
});

test('spread: 1,000 probes with the same interval start at distinct offsets within it', async () => {
  const clock = new FakeClock(0);
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const first = new Map<string, number>();
  const scheduler = createScheduler({ clock, random });
  for (let i = 0; i < 1000; i++) {
    const name = `p${i}`;
    scheduler.add({ name, schedule: { everyMs: 10_000 }, run: async () => { if (!first.has(name)) first.set(name, clock.now()); } });
  }
  scheduler.start();
  await clock.advance(10_000);
  assert.equal(first.size, 1000);
  const times = [...first.values()];
  assert.ok(times.every((t) => t >= 0 && t < 10_000));
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
  // Evenly spread: no one-second slot holds more than a quarter of the probes.
  assert.ok(Math.max(...perSecond.values()) < 250, JSON.stringify([...perSecond]));
  assert.ok(new Set(times).size > 900);
  await scheduler.stop();
});

test('a run still going when due again is skipped and reported, not queued', async () => {
  const clock = new FakeClock(0);
  const skipped: number[] = [];
  let runs = 0;
  const scheduler = createScheduler({ clock, spread: false, onSkipped: (_job, at) => skipped.push(at) });
  scheduler.add({
    name: 'slow',
    schedule: { everyMs: 1000 },
    run: async () => {
      runs += 1;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 2500));
    },
  });
  scheduler.start();
  await clock.advance(5_000);
  // Due at 0,1,2,3,4,5 s; runs at 0 (until 2.5) and 3 (until 5.5): 1, 2, 4, 5 are skipped.
  assert.equal(runs, 2);
  assert.deepEqual(skipped, [1000, 2000, 4000, 5000]);
  assert.deepEqual(scheduler.running(), ['slow']);
  const stopped = scheduler.stop(10_000);
  await clock.advance(1_000);
  await stopped;
  assert.deepEqual(scheduler.running(), []);
});

test('stop waits for runs in flight up to the grace period and schedules nothing more', async () => {
  const clock = new FakeClock(0);
  let finished = false;
  let runs = 0;
  const scheduler = createScheduler({ clock, spread: false });
  scheduler.add({
    name: 'p',
    schedule: { everyMs: 1000 },
    run: async () => {
      runs += 1;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 500));
      finished = true;
    },
  });
  scheduler.start();
  await clock.advance(100);
  const stopped = scheduler.stop(3000);
  await clock.advance(600);
  await stopped;
  assert.ok(finished);
  await clock.advance(10_000);
  assert.equal(runs, 1);
});

test('a job that throws is reported and keeps its schedule', async () => {
  const clock = new FakeClock(0);
  const errors: string[] = [];
  let calls = 0;
  const scheduler = createScheduler({ clock, spread: false, onError: (job, err) => errors.push(`${job}: ${err.message}`) });
  scheduler.add({ name: 'bad', schedule: { everyMs: 1000 }, run: async () => { calls += 1; throw new Error('boom'); } });
  scheduler.start();
  await clock.advance(2_500);
  assert.equal(calls, 3);
  assert.deepEqual(errors, ['bad: boom', 'bad: boom', 'bad: boom']);
  await scheduler.stop();
});

test('cron jobs on one expression spread out, each at a stable delay after its matching time', async () => {
  const start = new Date(2026, 0, 1, 10, 2, 30).getTime();
  const clock = new FakeClock(start);
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const fires = new Map<string, number[]>();
  const scheduler = createScheduler({ clock, random });
  for (let i = 0; i < 200; i++) {
    const name = `c${i}`;
    fires.set(name, []);
    scheduler.add({ name, schedule: { cron: '*/5 * * * *' }, run: async () => { fires.get(name)?.push(clock.now()); } });
  }
  scheduler.start();
  await clock.advance(11 * 60_000);
  const at1005 = new Date(2026, 0, 1, 10, 5, 0).getTime();
  const offsets = [...fires.values()].map((t) => {
    assert.equal(t.length, 2);
    assert.equal((t[1] ?? 0) - (t[0] ?? 0), 5 * 60_000, 'same delay every time');
    return (t[0] ?? 0) - at1005;
  });
  assert.ok(offsets.every((o) => o >= 0 && o < 10_000), 'within 10 s after the matching time');
  assert.ok(new Set(offsets).size > 150, `spread: ${new Set(offsets).size} distinct start times of 200`);
  await scheduler.stop();
});

test('cron jobs fire on their matching times', async () => {
  const start = new Date(2026, 0, 1, 10, 2, 30).getTime();
  const clock = new FakeClock(start);
  const fired: Date[] = [];
  const scheduler = createScheduler({ clock, spread: false });
  scheduler.add({ name: 'c', schedule: { cron: '*/5 * * * *' }, run: async () => { fired.push(new Date(clock.now())); } });
  scheduler.start();
  await clock.advance(16 * 60_000);
  assert.deepEqual(fired.map((d) => `${d.getHours()}:${d.getMinutes()}:${d.getSeconds()}`), ['10:5:0', '10:10:0', '10:15:0']);
  await scheduler.stop();
});

test('cron next-time search: weekdays, seconds field, last day of month, invalid', () => {
  const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
  const weekdays9 = compileCron('0 9 * * 1-5');
  // 2026-01-02 is a Friday; after 10:00 the next weekday 09:00 is Monday 2026-01-05.
  assert.equal(weekdays9.next(at(2026, 1, 2, 10)), at(2026, 1, 5, 9));
  assert.equal(compileCron('*/15 * * * * *').next(at(2026, 1, 1, 0, 0, 14)), at(2026, 1, 1, 0, 0, 15));
  assert.equal(compileCron('0 0 L * *').next(at(2026, 2, 3)), at(2026, 2, 28));
  assert.equal(compileCron('30 2 * * *').next(at(2026, 1, 1, 2, 30)), at(2026, 1, 2, 2, 30));
  assert.throws(() => compileCron('61 * * * *'), { code: 'PW_ERR_CRON' });
});
