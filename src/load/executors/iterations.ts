/**
 * Fixed-count executors (k6's shared-iterations and per-vu-iterations): seed 000 sent exactly 50
 * requests per endpoint. shared-iterations: this segment's VUs share its share of the iterations
 * (a fast VU does more); per-vu-iterations: each VU does exactly `iterations`. Both end early at
 * `maxDurationMs`. The shares of all segments add up to exactly the configured count. Each
 * iteration is handed to its VU with its number — the global k of the striped share, or the VU's
 * own count — so scenarios with fixed counts (`scenario-order.ts`) run exactly theirs.
 */
import { nthOwned, shareOf } from '../plan/segment.js';
import type { Vu } from '../vu/vu.js';
import { completion, timerSet } from './types.js';
import type { ExecutorContext, ExecutorFactory, ExecutorHandle } from './types.js';

/** shared-iterations: `iterations` in all, taken by whichever VU is free. */
export const sharedIterations: ExecutorFactory<'shared-iterations'> = (spec, ctx) => {
  const share = shareOf(ctx.segment, spec.iterations);
  let taken = 0;
  return runCounted(shareOf(ctx.segment, spec.vus), spec.maxDurationMs, ctx, () => (taken < share ? nthOwned(ctx.segment, taken++) : undefined));
};

/** per-vu-iterations: each VU runs `iterations`. */
export const perVuIterations: ExecutorFactory<'per-vu-iterations'> = (spec, ctx) => {
  const counts = new Map<Vu, number>();
  return runCounted(shareOf(ctx.segment, spec.vus), spec.maxDurationMs, ctx, (vu) => {
    const n = counts.get(vu) ?? 0;
    if (n >= spec.iterations) return undefined;
    counts.set(vu, n + 1);
    return n;
  });
};

/** Runs `vus` VUs while `take(vu)` grants them another iteration (its number), for at most `maxMs`. */
function runCounted(vus: number, maxMs: number, ctx: ExecutorContext, take: (vu: Vu) => number | undefined): ExecutorHandle {
  const { clock } = ctx;
  const { done, settle, settled } = completion();
  const all: Vu[] = [];
  const { later, cancelAll } = timerSet(clock);
  let active = 0;
  const next = (vu: Vu) => {
    if (settled()) return;
    const wait = vu.readyAt - clock.now();
    if (wait > 0) {
      later(() => next(vu), wait);
      return;
    }
    const iteration = take(vu);
    if (iteration === undefined) {
      active--;
      if (active === 0) stop();
      return;
    }
    vu.startIteration(clock.now(), iteration);
  };
  const onDone = (vu: Vu) => {
    const think = ctx.thinkTime;
    if (think === undefined || think.maxMs <= 0) next(vu);
    else later(() => next(vu), think.minMs + ctx.random() * (think.maxMs - think.minMs));
  };
  const deadline = clock.setTimeout(() => stop(), maxMs);
  function stop(): void {
    if (settled()) return;
    deadline.cancel();
    cancelAll();
    settle();
  }
  active = vus;
  if (vus === 0) stop();
  for (let i = 0; i < vus; i++) {
    const vu = ctx.vus.acquire(onDone);
    all.push(vu);
    next(vu);
  }
  return { done, activeVus: () => (settled() ? 0 : active), inFlight: () => all.filter((vu) => vu.busy).length, stop };
}
