/**
 * The history domain's schema: raw probe results (kept a day), per-minute aggregates with a
 * fixed-bucket latency histogram (kept a month), load runs with their result JSON and reports,
 * and pinned baselines. Ids are global across domains, hence the `history-` prefix.
 */
import type { Migration } from '../storage/database.js';
import { LATENCY_BUCKET_COUNT } from './latency-buckets.js';

const bucketColumns = Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `b${i} INTEGER NOT NULL DEFAULT 0`).join(',\n  ');

/** Migrations for `openDatabase`, in order. */
export const historyMigrations: Migration[] = [
  {
    id: 'history-001',
    up: `
CREATE TABLE probe_results (
  id INTEGER PRIMARY KEY,
  probe TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX probe_results_probe_at ON probe_results (probe, at);
CREATE INDEX probe_results_at ON probe_results (at);
CREATE TABLE probe_minutes (
  probe TEXT NOT NULL,
  minute INTEGER NOT NULL,
  count INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  sum_ms REAL NOT NULL,
  min_ms REAL NOT NULL,
  max_ms REAL NOT NULL,
  ${bucketColumns},
  PRIMARY KEY (probe, minute)
) WITHOUT ROWID;
CREATE INDEX probe_minutes_minute ON probe_minutes (minute);
`,
  },
  {
    id: 'history-002',
    up: `
CREATE TABLE load_runs (
  id TEXT PRIMARY KEY,
  load TEXT NOT NULL,
  status TEXT NOT NULL,
  verdict TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  result_json TEXT,
  report_html TEXT,
  report_md TEXT,
  baseline_id TEXT,
  regression_json TEXT
);
CREATE INDEX load_runs_load_started ON load_runs (load, started_at);
CREATE INDEX load_runs_started ON load_runs (started_at);
CREATE TABLE load_baselines (
  load TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  pinned_at INTEGER NOT NULL
);
`,
  },
  {
    // The last progress of a running load, so a run a crash interrupts keeps what it had measured.
    id: 'history-003',
    up: 'ALTER TABLE load_runs ADD COLUMN progress_json TEXT;',
  },
];
