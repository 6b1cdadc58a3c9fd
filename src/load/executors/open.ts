/**
 * The open model (constant-arrival-rate, ramping-arrival-rate): iterations start on the arrival
 * schedule whatever the target does. Each iteration's first request is timed from its *intended*
 * start, so a slow target cannot hide latency by slowing the generator (no coordinated
 * omission). This segment starts the iterations numbered k with `k % stride === offset`, so
 * segments interleave and their union is the schedule. Connections are VUs: the worker opens
 * `preAllocatedVUs` before the first send; more are opened only when none is free, up to maxVUs,
 * and an iteration due while all maxVUs are busy (or backing off) is dropped and counted.
 *
 * "None is free" is decided after the event loop has read the sockets: a worker that wakes late
 * (descheduled, a GC pause) finds many sends due and every VU busy, though the responses that
 * free them are already waiting to be read. So a send that finds no free VU waits for that turn's
 * I/O — completions start what is due, timed from its intended start — and only then are new VUs
 * opened and the rest dropped. Dropping at once lost 1.7-5 % of the rate at 20-40k/s (issue 9).
 *
 * Sends are scheduled from the monotonic clock without a timer floor on their lateness: a timer
 * cannot wake the event loop more precisely than a millisecond (and `setTimeout(0)` is 1 ms), so
 * a send due within `EARLY_MS` of now goes out now, and the timer is armed `EARLY_MS` before the
 * next send. A send that goes out early is timed from when it went out, a late one from when it
 * was due: its latency counts from whichever is earlier, so an early send is never flattered and
 * a late one never hides the delay (no coordinated omission). Every completed iteration also
 * checks what is due: at high rates responses arrive far more often than timers fire. Waiting
 * out the last millisecond on the event loop instead (the design before) spun a core at low
 * rates and, between 0.5 and 2 ms apart, fell back to a 1 ms timer that sent late: p50 0.63-0.87 ms
 * at 1-5k/s on nginx where the send itself takes 0.1 ms.
 */
import type { TimerHandle } from '../../core/clock.js';
import { arrivalSchedule } from '../plan/schedule.js';
import type { ArrivalSchedule } from '../plan/schedule.js';
import type { OpenBounds } from '../plan/plan.js';
import { nthOwned, shareOf } from '../plan/segment.js';
import type { Vu } from '../vu/vu.js';
import { completion } from './types.js';
import type { ExecutorContext, ExecutorFactory, ExecutorHandle } from './types.js';

/**
 * New connections opened in one event-loop turn at most. Connecting costs ~0.1 ms of CPU: a worker
 * that woke late (start-up, a GC pause) to a thousand due sends and opened a connection for each
 * stalled for as long again, fell further behind and dropped (1.9 % of the first second at 20k/s
 * on nginx). Opening a few per turn lets the turns between read the completions that free VUs.
 */
export const GROW_PER_TURN = 16;

/** A send due within this many ms goes out now: the event loop's timers are no finer. */
export const EARLY_MS = 1;

/** constant-arrival-rate: `ratePerMs` for `durationMs`. */
export const constantArrivalRate: ExecutorFactory<'constant-arrival-rate'> = (spec, ctx) =>
  runOpen(arrivalSchedule([{ durationMs: spec.durationMs, from: spec.ratePerMs, to: spec.ratePerMs }]), spec, ctx);

/** ramping-arrival-rate: the rate follows the stages. */
export const rampingArrivalRate: ExecutorFactory<'ramping-arrival-rate'> = (spec, ctx) => runOpen(arrivalSchedule(spec.ramps), spec, ctx);

/** Open model over an arrival schedule. */
export function runOpen(schedule: ArrivalSchedule, bounds: OpenBounds, ctx: ExecutorContext): ExecutorHandle {
  const { clock, segment } = ctx;
  const t0 = clock.now();
  const total = Math.ceil(schedule.countAt(schedule.totalMs) - 1e-9);
  const maxLocal = Math.max(1, shareOf(segment, bounds.maxVUs));
  const free: Vu[] = [];
  const cooling: Vu[] = [];
  let created = 0;
  let inflight = 0;
  let m = 0;
  const { done, settle, settled } = completion();
  let timer: TimerHandle | undefined;
  /** When `timer` fires. */
  let timerAt = Number.POSITIVE_INFINITY;
  let endTimer: TimerHandle | undefined;
  let awaitingIo = false;
  /**
   * Wakes the scheduler at `at` (clock ms). A timer already armed for then or earlier is kept: at
   * high rates every completion ticks, and cancelling and re-arming a timer each time was ~5 % of
   * the worker's CPU at 40k/s, where an early tick costs a loop that finds nothing due.
   */
  const wakeAt = (at: number) => {
    if (timer !== undefined && timerAt <= at) return;
    timer?.cancel();
    timerAt = at;
    timer = clock.setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      tick();
    }, at - clock.now());
  };
  const onDone = (vu: Vu) => {
    inflight--;
    (vu.readyAt > 0 ? cooling : free).push(vu);
    // A completion is a free wake-up: send whatever fell due meanwhile.
    if (!settled() && nthOwned(segment, m) < total && t0 + schedule.timeOf(nthOwned(segment, m)) <= clock.now() + EARLY_MS) tick();
  };
  for (const n = Math.min(maxLocal, shareOf(segment, bounds.preAllocatedVUs)); created < n; created++) free.push(ctx.vus.acquire(onDone));

  /** New connections this event-loop turn may still open (refilled by each turn's `tick(true)`). */
  let growBudget = 0;
  /** A VU that may start now: free and not backing off; else, when `grow`, a new one within maxVUs and this turn's budget. */
  const take = (now: number, grow: boolean): Vu | undefined => {
    if (free.length === 0 && cooling.length > 0) {
      for (let i = cooling.length - 1; i >= 0; i--) {
        const vu = cooling[i]!;
        if (vu.readyAt <= now) {
          cooling.splice(i, 1);
          free.push(vu);
        }
      }
    }
    const vu = free.pop();
    if (vu !== undefined) return vu;
    if (grow && created < maxLocal && growBudget > 0) {
      growBudget--;
      created++;
      return ctx.vus.acquire(onDone);
    }
    return undefined;
  };

  /** Starts what is due, or due within `EARLY_MS`. `afterIo`: the sockets were read since a send found no free VU. */
  const tick = (afterIo = false) => {
    if (settled()) return;
    if (afterIo) growBudget = GROW_PER_TURN;
    const now = clock.now();
    const el = now - t0;
    for (let k = nthOwned(segment, m); k < total; k = nthOwned(segment, ++m)) {
      const at = schedule.timeOf(k);
      if (at > el + EARLY_MS) break;
      const early = at > el;
      const vu = take(now, afterIo && !early);
      if (vu === undefined) {
        // Not due yet: it waits for a free VU until it is (a completion or the timer below).
        if (early) break;
        // Completions may be waiting to be read, or this turn opened its share of new
        // connections: decide after the next turn's I/O. Only at maxVUs is an iteration dropped.
        if (!afterIo || created < maxLocal) {
          if (!awaitingIo) {
            awaitingIo = true;
            ctx.immediate(() => {
              awaitingIo = false;
              tick(true);
            });
          }
          return;
        }
        ctx.recordDropped();
        continue;
      }
      inflight++;
      vu.startIteration(early ? now : t0 + at);
    }
    const next = nthOwned(segment, m);
    if (next >= total) {
      endTimer ??= clock.setTimeout(stop, Math.max(0, schedule.totalMs - el));
      return;
    }
    // Woken EARLY_MS before the next send, or when it is due if it is already that close (it found no free VU).
    const due = t0 + schedule.timeOf(next);
    wakeAt(due - EARLY_MS > now ? due - EARLY_MS : due);
  };
  function stop(): void {
    if (settled()) return;
    timer?.cancel();
    endTimer?.cancel();
    settle();
  }
  tick();
  return { done, activeVus: () => inflight, inFlight: () => inflight, stop };
}
