/**
 * Executors turn a load shape into iterations. Closed model: a number of VUs, each starting its
 * next iteration when the last one (plus think time) ends, adjusted to the ramp every 100 ms.
 * Open model: iterations start on the arrival schedule whatever the target does; the first
 * request of each is timed from its *intended* start (so a slow target cannot hide latency by
 * slowing the generator down — no coordinated omission), and an iteration due while every VU is
 * busy is dropped and counted, never delayed. The open model wakes on timers (batching whatever
 * is due), never spins.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { HttpVu } from './http-vu.js';
import type { VuHost } from './http-vu.js';
import { levelAt, totalMs } from './schedule.js';
import type { ArrivalSchedule, Segment } from './schedule.js';

/** A running executor. */
export interface ExecutorHandle {
  /** Settles when the schedule has run out (or after `stop`). */
  readonly done: Promise<void>;
  /** VUs currently running (closed) or iterations in flight (open). */
  activeVus(): number;
  /** Iterations still running (after the schedule ended they drain). */
  inFlight(): number;
  /** Ends early; safe to call twice. */
  stop(): void;
}

const RAMP_CHECK_MS = 100;

/** Closed model over VU segments; `thinkTime` is waited between iterations. */
export function runClosed(host: VuHost, clock: Clock, segments: readonly Segment[], thinkTime?: { minMs: number; maxMs: number }): ExecutorHandle {
  const t0 = clock.now();
  const total = totalMs(segments);
  const running: HttpVu[] = [];
  const idle: HttpVu[] = [];
  const all: HttpVu[] = [];
  const timers = new Set<TimerHandle>();
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let rampTimer: TimerHandle | undefined;

  const begin = (vu: HttpVu) => {
    if (finished || vu.retiring) {
      vu.retiring = false;
      if (!vu.busy) idle.push(vu);
      return;
    }
    vu.startIteration(host.now());
  };
  const onDone = (vu: HttpVu) => {
    if (finished || vu.retiring) {
      vu.retiring = false;
      idle.push(vu);
      return;
    }
    if (thinkTime === undefined || thinkTime.maxMs <= 0) {
      begin(vu);
      return;
    }
    const wait = thinkTime.minMs + host.random() * (thinkTime.maxMs - thinkTime.minMs);
    const t = clock.setTimeout(() => {
      timers.delete(t);
      begin(vu);
    }, wait);
    timers.add(t);
  };
  const adjust = () => {
    if (finished) return;
    const el = clock.now() - t0;
    if (el >= total) {
      stop();
      return;
    }
    const target = levelAt(segments, el);
    while (running.length < target) {
      let vu = idle.pop();
      if (vu === undefined) {
        vu = new HttpVu(host, onDone);
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
    const constant = segments.every((s) => s.from === s.to);
    rampTimer = clock.setTimeout(adjust, constant ? Math.min(total - el, 1000) : Math.min(RAMP_CHECK_MS, total - el));
  };
  const stop = () => {
    if (finished) return;
    finished = true;
    for (const vu of running) vu.retiring = true;
    running.length = 0;
    rampTimer?.cancel();
    for (const t of timers) t.cancel();
    timers.clear();
    resolveDone();
  };
  adjust();
  const inFlight = () => {
    let n = 0;
    for (const vu of all) if (vu.busy) n++;
    return n;
  };
  return { done, activeVus: () => running.length, inFlight, stop };
}

/** Open model over an arrival schedule, with at most `maxVUs` iterations in flight. */
export function runOpen(host: VuHost, clock: Clock, schedule: ArrivalSchedule, maxVUs: number, preAllocatedVUs: number): ExecutorHandle {
  const t0 = clock.now();
  const cap = Math.ceil(schedule.countAt(schedule.totalMs) - 1e-9);
  const free: HttpVu[] = [];
  let created = 0;
  let inflight = 0;
  let k = 0;
  let finished = false;
  let timer: TimerHandle | undefined;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const onDone = (vu: HttpVu) => {
    inflight--;
    free.push(vu);
  };
  for (; created < preAllocatedVUs; created++) free.push(new HttpVu(host, onDone));

  const tick = () => {
    if (finished) return;
    const now = clock.now();
    const el = now - t0;
    while (k < cap) {
      const at = schedule.timeOf(k);
      if (at > el) break;
      k++;
      let vu = free.pop();
      if (vu === undefined && created < maxVUs) {
        created++;
        vu = new HttpVu(host, onDone);
      }
      if (vu === undefined) {
        host.stats.recordDropped();
        host.onDropped?.();
        continue;
      }
      inflight++;
      vu.startIteration(t0 + at);
    }
    if (k >= cap) {
      timer = clock.setTimeout(stop, Math.max(0, schedule.totalMs - el));
      return;
    }
    const wait = t0 + schedule.timeOf(k) - clock.now();
    timer = clock.setTimeout(tick, Math.min(50, Math.max(1, wait)));
  };
  const stop = () => {
    if (finished) return;
    finished = true;
    timer?.cancel();
    resolveDone();
  };
  tick();
  return { done, activeVus: () => inflight, inFlight: () => inflight, stop };
}
