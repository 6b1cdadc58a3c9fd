/**
 * Runs jobs on `every` intervals or cron expressions against an injected Clock.
 *
 * - No drift: interval fire times are `anchor + k·every`, computed, never accumulated from
 *   "now + every" after each run, so hours of runs stay on the grid.
 * - Spread: each interval job starts at a random offset within its first interval, and each
 *   cron job runs a stable random delay (under its interval, at most 10 s) after every matching
 *   time, so a thousand probes with the same schedule do not fire in the same millisecond.
 * - No overlap: a job still running when it is due again is skipped (and reported), never
 *   queued; a stalled event loop that misses several fire times catches up with one run.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import { compileCron } from './cron-schedule.js';
import type { CronSchedule } from './cron-schedule.js';

/** When a job runs. */
export type JobSchedule = { everyMs: number } | { cron: string };

/** A scheduled piece of work. `run` should not throw; if it does, the error is reported. */
export interface Job {
  name: string;
  schedule: JobSchedule;
  run(): Promise<void>;
}

/** What the scheduler tells its owner. */
export interface SchedulerHooks {
  /** A due run was skipped because the previous one was still going. */
  onSkipped?(job: string, dueAt: number): void;
  /** A run started; `lateMs` is how far behind its due time it started. */
  onStarted?(job: string, dueAt: number, lateMs: number): void;
  /** A run threw (a bug: runs should return failures as data). */
  onError?(job: string, err: Error): void;
}

/** Options for `createScheduler`. */
export interface SchedulerOptions extends SchedulerHooks {
  clock: Clock;
  /** Returns [0, 1); injected so tests get deterministic spread. */
  random?: () => number;
  /** Spread interval jobs over their first interval (default true). */
  spread?: boolean;
}

/** A running scheduler. */
export interface Scheduler {
  add(job: Job): void;
  start(): void;
  /** Stops scheduling; resolves when runs in flight have finished, or after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Jobs currently running. */
  running(): string[];
  /** The next due time of each job (epoch ms). */
  nextRuns(): Record<string, number | undefined>;
}

interface JobState {
  job: Job;
  cron: CronSchedule | undefined;
  /** Cron jobs: a stable delay after each matching time, so jobs on one expression spread out. */
  cronOffset: number;
  anchor: number;
  nextAt: number | undefined;
  timer: TimerHandle | undefined;
  inFlight: Promise<void> | undefined;
}

/** Cron jobs start up to this long after their matching time (less when they fire more often). */
const MAX_CRON_SPREAD_MS = 10_000;

/** Longest single timer; longer waits are chained (setTimeout overflows past 2^31-1 ms). */
const MAX_TIMER_MS = 2 ** 30;

/** Creates a scheduler. Jobs can be added before or after `start()`. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { clock } = options;
  const random = options.random ?? Math.random;
  const spread = options.spread ?? true;
  const states = new Map<string, JobState>();
  let started = false;
  let stopped = false;

  const cronDue = (s: JobState, after: number): number | undefined => {
    const t = s.cron?.next(after - s.cronOffset);
    return t === undefined ? undefined : t + s.cronOffset;
  };

  const firstDue = (s: JobState, now: number): number | undefined => {
    if (s.cron !== undefined) {
      if (spread) {
        // Spread over the gap between two fire times, at most MAX_CRON_SPREAD_MS.
        const a = s.cron.next(now);
        const b = a === undefined ? undefined : s.cron.next(a);
        const gap = a === undefined || b === undefined ? 0 : b - a;
        s.cronOffset = Math.floor(random() * Math.min(gap, MAX_CRON_SPREAD_MS));
      }
      return cronDue(s, now);
    }
    const every = (s.job.schedule as { everyMs: number }).everyMs;
    s.anchor = now + (spread ? Math.floor(random() * every) : 0);
    return s.anchor;
  };

  const followingDue = (s: JobState, dueAt: number, now: number): number | undefined => {
    if (s.cron !== undefined) return cronDue(s, Math.max(dueAt, now));
    const every = (s.job.schedule as { everyMs: number }).everyMs;
    // The next grid point strictly after both the due time and now: missed points collapse.
    const k = Math.floor((Math.max(dueAt, now) - s.anchor) / every) + 1;
    return s.anchor + k * every;
  };

  const arm = (s: JobState) => {
    s.timer?.cancel();
    if (stopped || s.nextAt === undefined) return;
    const wait = s.nextAt - clock.now();
    if (wait > MAX_TIMER_MS) {
      s.timer = clock.setTimeout(() => arm(s), MAX_TIMER_MS);
      return;
    }
    s.timer = clock.setTimeout(() => fire(s), wait);
  };

  const fire = (s: JobState) => {
    if (stopped) return;
    const dueAt = s.nextAt ?? clock.now();
    const now = clock.now();
    s.nextAt = followingDue(s, dueAt, now);
    arm(s);
    if (s.inFlight !== undefined) {
      options.onSkipped?.(s.job.name, dueAt);
      return;
    }
    options.onStarted?.(s.job.name, dueAt, Math.max(0, now - dueAt));
    const run = (async () => {
      try {
        await s.job.run();
      } catch (thrown) {
        options.onError?.(s.job.name, coerceError(thrown));
      }
    })();
    s.inFlight = run;
    void run.finally(() => {
      if (s.inFlight === run) s.inFlight = undefined;
    });
  };

  return {
    add(job) {
      if (states.has(job.name)) throw new Error(`duplicate job name "${job.name}"`);
      const cron = 'cron' in job.schedule ? compileCron(job.schedule.cron) : undefined;
      if ('everyMs' in job.schedule && !(job.schedule.everyMs > 0)) throw new Error(`job "${job.name}": every must be > 0`);
      const s: JobState = { job, cron, cronOffset: 0, anchor: 0, nextAt: undefined, timer: undefined, inFlight: undefined };
      states.set(job.name, s);
      if (started) {
        s.nextAt = firstDue(s, clock.now());
        arm(s);
      }
    },
    start() {
      if (started) return;
      started = true;
      const now = clock.now();
      for (const s of states.values()) {
        s.nextAt = firstDue(s, now);
        arm(s);
      }
    },
    async stop(graceMs = 4000) {
      stopped = true;
      for (const s of states.values()) s.timer?.cancel();
      const inFlight = [...states.values()].map((s) => s.inFlight).filter((p): p is Promise<void> => p !== undefined);
      if (inFlight.length === 0) return;
      let timer: TimerHandle | undefined;
      const deadline = new Promise<void>((resolve) => { timer = clock.setTimeout(resolve, graceMs); });
      await Promise.race([Promise.allSettled(inFlight), deadline]);
      timer?.cancel();
    },
    running() {
      return [...states.values()].filter((s) => s.inFlight !== undefined).map((s) => s.job.name);
    },
    nextRuns() {
      return Object.fromEntries([...states.values()].map((s) => [s.job.name, s.nextAt]));
    },
  };
}
