/**
 * Retention: the database must not grow without bound (Uptime Kuma #2470). Raw results older
 * than `rawRetention`, minute aggregates older than `minuteRetention` and runs beyond the
 * newest `maxRuns` (baselines excepted) are deleted in bounded chunks, yielding between
 * chunks so a first prune of a month of data does not stall the event loop. SQLite reuses
 * freed pages, so a pruned file stops growing at its steady-state size.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';

/** What to keep. */
export interface RetentionPolicy {
  rawRetentionMs: number;
  minuteRetentionMs: number;
  maxRuns: number;
}

/** Rows deleted by one prune. */
export interface PruneOutcome {
  raw: number;
  minutes: number;
  runs: number;
}

/** Rows deleted per statement. */
const CHUNK = 5000;

const defaultYield = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deletes what the policy no longer keeps, as of `now`. */
export async function pruneHistory(db: SqliteDatabase, policy: RetentionPolicy, now: number, yieldFn: () => Promise<void> = defaultYield): Promise<PruneOutcome> {
  const rawBefore = Math.floor(now - policy.rawRetentionMs);
  const minuteBefore = Math.floor(now - policy.minuteRetentionMs);
  // probe_minutes is WITHOUT ROWID, so it is chunked by its primary key.
  const delRaw = db.prepare(`DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results WHERE at < ? LIMIT ${CHUNK})`);
  const delMinutes = db.prepare(`DELETE FROM probe_minutes WHERE (probe, minute) IN (SELECT probe, minute FROM probe_minutes WHERE minute < ? LIMIT ${CHUNK})`);
  const outcome: PruneOutcome = { raw: 0, minutes: 0, runs: 0 };
  outcome.raw = await chunked(() => delRaw.run(rawBefore).changes, yieldFn);
  outcome.minutes = await chunked(() => delMinutes.run(minuteBefore).changes, yieldFn);
  outcome.runs = db.prepare(`
    DELETE FROM load_runs WHERE id NOT IN (SELECT run_id FROM load_baselines)
      AND id NOT IN (SELECT id FROM load_runs ORDER BY started_at DESC LIMIT ?)`).run(policy.maxRuns).changes;
  if (outcome.raw + outcome.minutes + outcome.runs > 0) db.pragma('wal_checkpoint(PASSIVE)');
  return outcome;
}

async function chunked(step: () => number, yieldFn: () => Promise<void>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = step();
    total += n;
    if (n < CHUNK) return total;
    await yieldFn();
  }
}

/** Bytes in pages that hold data (the file less its free pages, which SQLite reuses before growing). */
export function usedBytes(db: SqliteDatabase): number {
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  const size = db.pragma('page_size', { simple: true }) as number;
  return (pages - free) * size;
}

/** Rows deleted per statement when over the size budget: small, so each step stays well under 20 ms. */
const SIZE_CHUNK = 1000;

/**
 * Deletes the oldest raw results, then the oldest minute aggregates, until the used bytes are
 * under 90 % of `maxBytes` (the margin keeps it from pruning on every check). Returns the rows
 * deleted. Load runs are never deleted for size: they are few and bounded by `maxRuns`.
 */
export async function pruneToSize(db: SqliteDatabase, maxBytes: number, yieldFn: () => Promise<void> = defaultYield): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { raw: 0, minutes: 0, runs: 0 };
  if (usedBytes(db) <= maxBytes) return outcome;
  const target = maxBytes * 0.9;
  const delRaw = db.prepare(`DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results ORDER BY id LIMIT ${SIZE_CHUNK})`);
  const delMinutes = db.prepare(`DELETE FROM probe_minutes WHERE (probe, minute) IN (SELECT probe, minute FROM probe_minutes ORDER BY minute LIMIT ${SIZE_CHUNK})`);
  while (usedBytes(db) > target) {
    const raw = delRaw.run().changes;
    outcome.raw += raw;
    if (raw === 0) {
      const minutes = delMinutes.run().changes;
      outcome.minutes += minutes;
      if (minutes === 0) break;
    }
    await yieldFn();
  }
  db.pragma('wal_checkpoint(PASSIVE)');
  return outcome;
}

/** A running retention job. */
export interface RetentionJob {
  /** Runs a prune now (also what the schedule calls). */
  runNow(): Promise<PruneOutcome>;
  /** Stops the schedule; safe to call twice. */
  stop(): void;
}

/** Options of {@link startRetention}. */
export interface RetentionJobOptions {
  clock: Clock;
  intervalMs: number;
  /** The size budget (`history.maxSize`), checked every `sizeCheckIntervalMs`. */
  maxBytes?: number;
  /** Default 10 s. */
  sizeCheckIntervalMs?: number;
  /** Called before each prune (the probe store flushes here so nothing stale is kept back). */
  beforePrune?: () => void;
  onPruned?: (outcome: PruneOutcome) => void;
  onError?: (err: Error) => void;
}

/** Prunes once right away, then every `intervalMs` on the clock. */
export function startRetention(db: SqliteDatabase, policy: RetentionPolicy, options: RetentionJobOptions): RetentionJob {
  let timer: TimerHandle | undefined;
  let stopped = false;
  let running: Promise<PruneOutcome> | undefined;

  const runNow = (): Promise<PruneOutcome> => {
    if (running !== undefined) return running;
    options.beforePrune?.();
    running = pruneHistory(db, policy, options.clock.now())
      .then((outcome) => {
        options.onPruned?.(outcome);
        return outcome;
      })
      .catch((thrown: unknown) => {
        options.onError?.(coerceError(thrown));
        return { raw: 0, minutes: 0, runs: 0 };
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const schedule = () => {
    if (stopped) return;
    timer = options.clock.setTimeout(() => {
      void runNow().finally(schedule);
    }, options.intervalMs);
  };

  // The size check is a few pragmas: cheap enough to run far more often than the age prune, so
  // a fast writer (500 results/s) overshoots the budget by seconds of data, not minutes.
  const { maxBytes } = options;
  let sizeTimer: TimerHandle | undefined;
  const checkSize = () => {
    if (stopped || maxBytes === undefined) return;
    sizeTimer = options.clock.setTimeout(() => {
      options.beforePrune?.();
      void pruneToSize(db, maxBytes)
        .then((outcome) => {
          if (outcome.raw + outcome.minutes > 0) options.onPruned?.(outcome);
        })
        .catch((thrown: unknown) => options.onError?.(coerceError(thrown)))
        .finally(checkSize);
    }, options.sizeCheckIntervalMs ?? 10_000);
  };

  void runNow().finally(schedule);
  checkSize();
  return {
    runNow,
    stop() {
      stopped = true;
      timer?.cancel();
      sizeTimer?.cancel();
    },
  };
}
