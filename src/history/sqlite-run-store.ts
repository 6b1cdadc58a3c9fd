/**
 * Load runs in SQLite: each run's full result JSON and its rendered reports, so runs and their
 * reports survive a restart, plus baselines. A run's baseline is the one pinned for its load
 * (through the API), else the newest earlier passing run of the same load.
 */
import { PwError } from '../core/errors.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { RegressionReport } from '../regression/types.js';

/** A run's lifecycle state. */
export type RunStatus = 'running' | 'finished' | 'aborted' | 'error';

/** One stored load run. `result` is the engine's result JSON (issue 3 shape), kept as is. */
export interface StoredRun {
  id: string;
  load: string;
  status: RunStatus;
  /** The threshold verdict of the result (`pass`/`fail`), once finished. */
  verdict: string | undefined;
  startedAt: number;
  finishedAt: number | undefined;
  result: unknown;
  baselineId: string | undefined;
  regression: RegressionReport | undefined;
}

/** A run as listed (no result body). */
export type RunSummary = Omit<StoredRun, 'result'> & { pinned: boolean };

/** Rendered reports of a run. */
export interface RunReports {
  html?: string;
  markdown?: string;
}

/** The run store. */
export interface SqliteRunStore {
  /** Inserts or replaces a run (its reports are kept unless given). */
  save(run: StoredRun, reports?: RunReports): void;
  get(id: string): StoredRun | undefined;
  /** Newest first. */
  list(options?: { load?: string; limit?: number }): RunSummary[];
  report(id: string, format: 'html' | 'markdown'): string | undefined;
  /** Pins `runId` as its load's baseline. Throws PW_ERR_NOT_FOUND for an unknown run. */
  pinBaseline(runId: string, at: number): StoredRun;
  /** The pinned run of a load, if any. */
  pinnedBaseline(load: string): string | undefined;
  /** The baseline a run is compared with: pinned, else the previous passing run of the same load. */
  baselineFor(run: Pick<StoredRun, 'id' | 'load' | 'startedAt'>): StoredRun | undefined;
  /** Up to `limit` finished runs of a load started before `run`, oldest first (the trend's history). */
  finishedBefore(run: Pick<StoredRun, 'id' | 'load' | 'startedAt'>, limit: number): StoredRun[];
}

/** The columns of `load_runs` that the load engine's store reads too. */
export interface LoadRunRow {
  id: string;
  load: string;
  status: string;
  verdict: string | null;
  started_at: number;
  finished_at: number | null;
  result_json?: string | null;
}

/** The named parameters of the `load_runs` columns both run stores write. */
export function loadRunParams(run: { id: string; load: string; status: string; verdict?: string | undefined; startedAt: number; finishedAt?: number | undefined; result?: unknown }) {
  return {
    id: run.id,
    load: run.load,
    status: run.status,
    verdict: run.verdict ?? null,
    startedAt: Math.round(run.startedAt),
    finishedAt: run.finishedAt === undefined ? null : Math.round(run.finishedAt),
    result: run.result === undefined ? null : JSON.stringify(run.result),
  };
}

interface RunRow extends LoadRunRow {
  baseline_id: string | null;
  regression_json: string | null;
  pinned?: number;
}

function fromRow(row: RunRow): StoredRun {
  return {
    id: row.id,
    load: row.load,
    status: row.status as RunStatus,
    verdict: row.verdict ?? undefined,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    result: row.result_json === null || row.result_json === undefined ? undefined : JSON.parse(row.result_json) as unknown,
    baselineId: row.baseline_id ?? undefined,
    regression: row.regression_json === null ? undefined : JSON.parse(row.regression_json) as RegressionReport,
  };
}

/** Creates the store over an already migrated database (`historyMigrations`). */
export function createSqliteRunStore(db: SqliteDatabase): SqliteRunStore {
  const upsert = db.prepare(`
    INSERT INTO load_runs (id, load, status, verdict, started_at, finished_at, result_json, report_html, report_md, baseline_id, regression_json)
    VALUES (@id, @load, @status, @verdict, @startedAt, @finishedAt, @result, @html, @markdown, @baselineId, @regression)
    ON CONFLICT (id) DO UPDATE SET
      load = excluded.load, status = excluded.status, verdict = excluded.verdict, started_at = excluded.started_at,
      finished_at = excluded.finished_at, result_json = excluded.result_json,
      report_html = COALESCE(excluded.report_html, report_html), report_md = COALESCE(excluded.report_md, report_md),
      baseline_id = excluded.baseline_id, regression_json = excluded.regression_json`);
  const selectOne = db.prepare('SELECT * FROM load_runs WHERE id = ?');
  const listColumns = `r.id, r.load, r.status, r.verdict, r.started_at, r.finished_at, r.baseline_id, r.regression_json,
    (b.run_id IS NOT NULL) AS pinned`;
  const listAll = db.prepare(`SELECT ${listColumns} FROM load_runs r LEFT JOIN load_baselines b ON b.run_id = r.id ORDER BY r.started_at DESC LIMIT ?`);
  const listLoad = db.prepare(`SELECT ${listColumns} FROM load_runs r LEFT JOIN load_baselines b ON b.run_id = r.id WHERE r.load = ? ORDER BY r.started_at DESC LIMIT ?`);
  const selectHtml = db.prepare('SELECT report_html AS report FROM load_runs WHERE id = ?');
  const selectMd = db.prepare('SELECT report_md AS report FROM load_runs WHERE id = ?');
  const pin = db.prepare('INSERT INTO load_baselines (load, run_id, pinned_at) VALUES (?, ?, ?) ON CONFLICT (load) DO UPDATE SET run_id = excluded.run_id, pinned_at = excluded.pinned_at');
  const selectPinned = db.prepare('SELECT run_id FROM load_baselines WHERE load = ?');
  const previousPassing = db.prepare(`SELECT * FROM load_runs WHERE load = ? AND id != ? AND started_at < ? AND status = 'finished' AND verdict = 'pass'
    ORDER BY started_at DESC LIMIT 1`);

  const finishedBefore = db.prepare(`SELECT * FROM load_runs WHERE load = ? AND id != ? AND started_at < ? AND status = 'finished'
    ORDER BY started_at DESC LIMIT ?`);

  const get = (id: string): StoredRun | undefined => {
    const row = selectOne.get(id) as RunRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  };

  return {
    save(run, reports = {}) {
      upsert.run({
        ...loadRunParams(run),
        html: reports.html ?? null,
        markdown: reports.markdown ?? null,
        baselineId: run.baselineId ?? null,
        regression: run.regression === undefined ? null : JSON.stringify(run.regression),
      });
    },
    get,
    list(options = {}) {
      const limit = options.limit ?? 50;
      const rows = (options.load === undefined ? listAll.all(limit) : listLoad.all(options.load, limit)) as RunRow[];
      return rows.map((row) => {
        const { result: _result, ...rest } = fromRow(row);
        return { ...rest, pinned: row.pinned === 1 };
      });
    },
    report(id, format) {
      const row = (format === 'html' ? selectHtml : selectMd).get(id) as { report: string | null } | undefined;
      return row?.report ?? undefined;
    },
    pinBaseline(runId, at) {
      const run = get(runId);
      if (run === undefined) throw new PwError('PW_ERR_NOT_FOUND', `no run with id "${runId}"`);
      if (run.status === 'running') throw new PwError('PW_ERR_CONFLICT', `run "${runId}" is still running; pin a finished run`);
      pin.run(run.load, run.id, Math.round(at));
      return run;
    },
    pinnedBaseline(load) {
      return (selectPinned.get(load) as { run_id: string } | undefined)?.run_id;
    },
    baselineFor(run) {
      const pinnedId = (selectPinned.get(run.load) as { run_id: string } | undefined)?.run_id;
      if (pinnedId !== undefined && pinnedId !== run.id) {
        const pinned = get(pinnedId);
        if (pinned !== undefined) return pinned;
      }
      const row = previousPassing.get(run.load, run.id, Math.round(run.startedAt)) as RunRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    finishedBefore(run, limit) {
      return (finishedBefore.all(run.load, run.id, Math.round(run.startedAt), limit) as RunRow[]).map(fromRow).reverse();
    },
  };
}
