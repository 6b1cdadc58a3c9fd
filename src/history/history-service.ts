/**
 * The history service other modules find as `ctx.services.get('history')`: the probe-result
 * store, the run store and regression detection for finished runs, over the daemon's one
 * SQLite database (`'db'` service).
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { HistoryConfig } from '../config/sections/history.js';
import { compareRuns } from '../regression/compare-runs.js';
import { detectRunTrends, withTrends } from '../regression/run-trend.js';
import { renderComparisonHtml, renderComparisonMarkdown } from '../regression/render-comparison.js';
import { createRegressionGauge } from '../regression/regression-gauge.js';
import type { LoadResultLike, RegressionReport } from '../regression/types.js';
import { ruleFromConfig } from '../regression/types.js';
import { createProbeHistory } from './probe-history.js';
import type { ProbeHistory } from './probe-history.js';
import { createSqliteRunStore } from './sqlite-run-store.js';
import type { RunReports, SqliteRunStore, StoredRun } from './sqlite-run-store.js';

/** The name of the service in `ctx.services`. */
export const HISTORY_SERVICE = 'history';

/** What the history module exposes. */
export interface HistoryService {
  readonly probes: ProbeHistory;
  readonly runs: SqliteRunStore;
  /**
   * Stores a finished run after comparing it with its baseline; the comparison is inserted into
   * the reports (before `</body>` for HTML, appended for Markdown) and exported as a gauge.
   */
  recordFinishedRun(run: Omit<StoredRun, 'baselineId' | 'regression'>, reports?: RunReports): StoredRun;
}

/** Options of {@link createHistoryService}. */
export interface HistoryServiceOptions {
  db: SqliteDatabase;
  config: HistoryConfig;
  clock: Clock;
  registry?: Registry;
  onError?: (err: Error) => void;
}

/** Inserts an HTML fragment before `</body>`, or appends it. */
function insertHtml(html: string, fragment: string): string {
  const i = html.lastIndexOf('</body>');
  return i < 0 ? html + fragment : html.slice(0, i) + fragment + html.slice(i);
}

/** Creates the service. */
export function createHistoryService(options: HistoryServiceOptions): HistoryService {
  const { db, config, clock } = options;
  const probes = createProbeHistory(db, {
    clock,
    flushIntervalMs: config.flushInterval,
    flushRows: config.flushRows,
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  const runs = createSqliteRunStore(db);
  const gauge = options.registry === undefined ? undefined : createRegressionGauge(options.registry);
  const rule = ruleFromConfig(config.regression);

  return {
    probes,
    runs,
    recordFinishedRun(run, reports = {}) {
      const baseline = runs.baselineFor(run);
      let regression: RegressionReport | undefined;
      if (run.result !== undefined && run.status === 'finished') {
        regression = compareRuns(
          run.id,
          run.result as LoadResultLike,
          baseline === undefined || baseline.result === undefined ? undefined : { id: baseline.id, result: baseline.result as LoadResultLike },
          rule,
        );
        if (rule.trend.runs > 0) {
          const history = runs.finishedBefore(run, rule.trend.runs - 1).filter((r) => r.result !== undefined);
          const series = [...history, run].map((r) => ({ id: r.id, startedAt: r.startedAt, result: r.result as LoadResultLike }));
          regression = withTrends(regression, detectRunTrends(series, rule));
        }
        gauge?.observe(run.load, regression);
      }
      const withComparison: RunReports = {};
      if (reports.html !== undefined) withComparison.html = regression === undefined ? reports.html : insertHtml(reports.html, renderComparisonHtml(regression));
      if (reports.markdown !== undefined) withComparison.markdown = regression === undefined ? reports.markdown : `${reports.markdown}\n${renderComparisonMarkdown(regression)}`;
      const stored: StoredRun = { ...run, baselineId: regression?.baselineId, regression };
      runs.save(stored, withComparison);
      return stored;
    },
  };
}
