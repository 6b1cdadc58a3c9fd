/**
 * Runs a crash left behind. A load run is a `running` row until the daemon writes its end; after
 * `kill -9` or a power cut that never happens, so at start-up (before any new run can begin) every
 * `running` row becomes `interrupted`, finished at the time of its last persisted progress (the
 * last per-second window the daemon saw), keeping that progress: requests, errors, p95 so far.
 * While a run is going, its progress is written at most once a second.
 */
import type { Clock } from '../core/clock.js';
import type { LoadProgress } from '../load/result/result.js';
import type { SqliteDatabase } from '../storage/database.js';

/** What a run had measured when it was last seen (the engine's per-second progress, kept as is), and when (epoch ms). */
export type RunProgress = Pick<LoadProgress, 'elapsedSeconds' | 'totalSeconds' | 'requests' | 'errors' | 'rps' | 'p95Ms'> & { at: number };

/** One run marked interrupted. */
export interface InterruptedRun {
  id: string;
  load: string;
  startedAt: number;
  /** The last persisted progress, or undefined when the run died before its first window. */
  progress: RunProgress | undefined;
}

/** Marks every `running` row `interrupted`; returns them. Call once at start-up, before loads start. */
export function recoverInterruptedRuns(db: SqliteDatabase, now: number): InterruptedRun[] {
  return db.transaction(() => {
    const rows = db.prepare("SELECT id, load, started_at, progress_json FROM load_runs WHERE status = 'running'").all() as { id: string; load: string; started_at: number; progress_json: string | null }[];
    const mark = db.prepare("UPDATE load_runs SET status = 'interrupted', finished_at = ? WHERE id = ?");
    return rows.map((r) => {
      const progress = r.progress_json === null ? undefined : JSON.parse(r.progress_json) as RunProgress;
      mark.run(Math.round(progress?.at ?? now), r.id);
      return { id: r.id, load: r.load, startedAt: r.started_at, progress };
    });
  })();
}

/** Persists the progress of running runs. */
export interface ProgressWriter {
  /** Writes `progress` of `runId`, at most once per interval. */
  record(runId: string, progress: Omit<RunProgress, 'at'>): void;
  /** Forgets a finished run. */
  forget(runId: string): void;
}

/** Writes the progress of running runs, at most once per `everyMs` per run. */
export function createProgressWriter(db: SqliteDatabase, clock: Clock, everyMs = 1000): ProgressWriter {
  const write = db.prepare("UPDATE load_runs SET progress_json = ? WHERE id = ? AND status = 'running'");
  const last = new Map<string, number>();
  return {
    record(runId, p) {
      const now = clock.now();
      if (now - (last.get(runId) ?? -Infinity) < everyMs) return;
      last.set(runId, now);
      const progress: RunProgress = { elapsedSeconds: p.elapsedSeconds, totalSeconds: p.totalSeconds, requests: p.requests, errors: p.errors, rps: p.rps, p95Ms: p.p95Ms, at: Math.round(now) };
      write.run(JSON.stringify(progress), runId);
    },
    forget: (runId) => void last.delete(runId),
  };
}
