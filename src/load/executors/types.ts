/**
 * The executor interface: an executor turns one phase's spec, for one segment of the plan, into
 * iteration starts on VUs it gets from the worker. Executors know nothing of HTTP or WebSocket,
 * threads or windows; they are tested with a fake clock and fake VUs.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { ExecutorKind, ExecutorSpec } from '../plan/plan.js';
import type { Segment } from '../plan/segment.js';
import type { VuSource } from '../vu/vu.js';

/** What an executor is given. */
export interface ExecutorContext {
  readonly clock: Clock;
  /** The share of the plan this executor runs. */
  readonly segment: Segment;
  readonly vus: VuSource;
  readonly random: () => number;
  /** Waited between a closed-model VU's iterations. */
  readonly thinkTime: { minMs: number; maxMs: number } | undefined;
  /** An iteration was due but no VU was free within maxVUs. */
  recordDropped(): void;
  /** Runs `fn` on the next turn of the event loop (the open model's sub-millisecond scheduling). */
  readonly immediate: (fn: () => void) => void;
}

/** A running executor. */
export interface ExecutorHandle {
  /** Settles when the schedule has run out (or after `stop`). */
  readonly done: Promise<void>;
  /** VUs running (closed) or iterations in flight (open). */
  activeVus(): number;
  /** Iterations still running (after the schedule ended they drain). */
  inFlight(): number;
  /** Ends early; safe to call twice. */
  stop(): void;
}

/** Starts an executor of one kind. */
export type ExecutorFactory<K extends ExecutorKind> = (spec: Extract<ExecutorSpec, { kind: K }>, ctx: ExecutorContext) => ExecutorHandle;

/** Timers an executor can cancel all at once when it stops. */
export function timerSet(clock: Clock): { later(fn: () => void, ms: number): void; cancelAll(): void } {
  const timers = new Set<TimerHandle>();
  return {
    later(fn, ms) {
      const t = clock.setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    },
    cancelAll() {
      for (const t of timers) t.cancel();
      timers.clear();
    },
  };
}

/** A promise with its resolver, and a once-only `settle`. */
export function completion(): { done: Promise<void>; settle: () => void; settled: () => boolean } {
  let resolve!: () => void;
  let settled = false;
  const done = new Promise<void>((r) => (resolve = r));
  return { done, settle: () => { if (!settled) { settled = true; resolve(); } }, settled: () => settled };
}
