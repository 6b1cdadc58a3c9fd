/**
 * The load engine's `RunStore` over SQLite (`load_runs`), so a daemon with storage keeps runs
 * in the same file as everything else instead of JSON files. Saving a run never clears what
 * history added to the row (reports, baseline, regression comparison).
 */
import type { LoadResult } from '../load/result/result.js';
import type { LoadRunStatus, LoadRunSummary, RunStore, StoredLoadRun } from '../load/run-store.js';
import type { SqliteDatabase } from '../storage/database.js';
import { loadRunParams } from './sqlite-run-store.js';
import type { LoadRunRow } from './sqlite-run-store.js';

type Row = LoadRunRow;

const VERDICTS: readonly string[] = ['pass', 'fail', 'aborted'] satisfies readonly NonNullable<LoadRunSummary['verdict']>[];

function isVerdict(v: string | null): v is NonNullable<LoadRunSummary['verdict']> {
  return v !== null && VERDICTS.includes(v);
}

function toSummary(row: Row): LoadRunSummary {
  // The engine knows no "interrupted" (history's recovery of a crash): to it, such a run was aborted.
  const interrupted = row.status === 'interrupted';
  return {
    runId: row.id,
    load: row.load,
    status: interrupted ? 'aborted' : row.status as LoadRunStatus,
    ...(interrupted ? { message: 'interrupted: the daemon stopped during the run (crash or kill)' } : {}),
    startedAt: row.started_at,
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(isVerdict(row.verdict) ? { verdict: row.verdict } : {}),
  };
}

/** Creates the store over a database migrated with `historyMigrations`. */
export function createSqliteLoadRunStore(db: SqliteDatabase): RunStore {
  const upsert = db.prepare(`
    INSERT INTO load_runs (id, load, status, verdict, started_at, finished_at, result_json)
    VALUES (@id, @load, @status, @verdict, @startedAt, @finishedAt, @result)
    ON CONFLICT (id) DO UPDATE SET
      load = excluded.load, status = excluded.status, verdict = excluded.verdict, started_at = excluded.started_at,
      finished_at = excluded.finished_at, result_json = COALESCE(excluded.result_json, result_json)`);
  const selectOne = db.prepare('SELECT id, load, status, verdict, started_at, finished_at, result_json FROM load_runs WHERE id = ?');
  const listAll = db.prepare('SELECT id, load, status, verdict, started_at, finished_at FROM load_runs ORDER BY started_at DESC LIMIT ?');
  const listLoad = db.prepare('SELECT id, load, status, verdict, started_at, finished_at FROM load_runs WHERE load = ? ORDER BY started_at DESC LIMIT ?');

  return {
    async save(run: StoredLoadRun) {
      upsert.run(loadRunParams({ ...run, id: run.runId }));
    },
    async get(runId) {
      const row = selectOne.get(runId) as Row | undefined;
      if (row === undefined) return undefined;
      const result = row.result_json === null || row.result_json === undefined ? undefined : JSON.parse(row.result_json) as LoadResult;
      return { ...toSummary(row), ...(result === undefined ? {} : { result }) };
    },
    async list(options = {}) {
      const limit = options.limit ?? 50;
      const rows = (options.load === undefined ? listAll.all(limit) : listLoad.all(options.load, limit)) as Row[];
      return rows.map(toSummary);
    },
  };
}
