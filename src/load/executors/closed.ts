/**
 * The closed model (constant-vus, ramping-vus): a number of VUs, each starting its next iteration
 * when the last one (plus think time, plus any connection back-off) ends; the level follows the
 * ramp, checked every 100 ms. This segment runs its share of the level: the VUs numbered k with
 * `k % stride === offset` (`shareOf`), so the segments' VUs always add up to the ramp's level.
 */
import type { TimerHandle } from '../../core/clock.js';
import { levelAt, totalMs } from '../plan/schedule.js';
import type { Ramp } from '../plan/schedule.js';
import { shareOf } from '../plan/segment.js';
import type { Vu } from '../vu/vu.js';
import { completion, timerSet } from './types.js';
import type { ExecutorContext, ExecutorFactory, ExecutorHandle } from './types.js';

const RAMP_CHECK_MS = 100;

/** constant-vus: `vus` VUs for `durationMs`. */
export const constantVus: ExecutorFactory<'constant-vus'> = (spec, ctx) => runClosed([{ durationMs: spec.durationMs, from: spec.vus, to: spec.vus }], ctx);

/** ramping-vus: VUs follow the stages. */
export const rampingVus: ExecutorFactory<'ramping-vus'> = (spec, ctx) => runClosed(spec.ramps, ctx);

/** Closed model over VU ramps. */
export function runClosed(ramps: readonly Ramp[], ctx: ExecutorContext): ExecutorHandle {
  const { clock } = ctx;
  const t0 = clock.now();
  const total = totalMs(ramps);
  const constant = ramps.every((s) => s.from === s.to);
  const running: Vu[] = [];
  const idle: Vu[] = [];
  const all: Vu[] = [];
  const { later, cancelAll } = timerSet(clock);
  const { done, settle, settled } = completion();
  let rampTimer: TimerHandle | undefined;

  const begin = (vu: Vu) => {
    if (settled() || vu.retiring) {
      vu.retiring = false;
      if (!vu.busy) idle.push(vu);
      return;
    }
    // One clock read per iteration: at 100k iterations/s a second one was measurable.
    const now = clock.now();
    if (vu.readyAt > now) later(() => begin(vu), vu.readyAt - now);
    else vu.startIteration(now);
  };
  const onDone = (vu: Vu) => {
    if (settled() || vu.retiring) {
      vu.retiring = false;
      idle.push(vu);
      return;
    }
    const think = ctx.thinkTime;
    if (think === undefined || think.maxMs <= 0) {
      begin(vu);
      return;
    }
    later(() => begin(vu), think.minMs + ctx.random() * (think.maxMs - think.minMs));
  };
  const adjust = () => {
    if (settled()) return;
    const el = clock.now() - t0;
    if (el >= total) {
      stop();
      return;
    }
    const target = shareOf(ctx.segment, levelAt(ramps, el));
    while (running.length < target) {
      let vu = idle.pop();
      if (vu === undefined) {
        vu = ctx.vus.acquire(onDone);
        all.push(vu);
      }
      vu.retiring = false;
      running.push(vu);
      if (!vu.busy) begin(vu);
    }
    while (running.length > target) {
      const vu = running.pop();
      if (vu !== undefined) vu.retiring = true;
    }
    rampTimer = clock.setTimeout(adjust, constant ? Math.min(total - el, 1000) : Math.min(RAMP_CHECK_MS, total - el));
  };
  const stop = () => {
    if (settled()) return;
    for (const vu of running) vu.retiring = true;
    running.length = 0;
    rampTimer?.cancel();
    cancelAll();
    settle();
  };
  adjust();
  return { done, activeVus: () => running.length, inFlight: () => all.filter((vu) => vu.busy).length, stop };
}
