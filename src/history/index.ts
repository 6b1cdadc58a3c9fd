/** Run history: probe results with downsampling and retention, load runs, baselines. */
export { historyMigrations } from './migrations.js';
export { createHistoryModule, LOAD_RUN_STORE_SERVICE } from './history-module.js';
export { createSqliteLoadRunStore } from './sqlite-load-run-store.js';
export { createHistoryService, HISTORY_SERVICE } from './history-service.js';
export type { HistoryService } from './history-service.js';
export { createProbeHistory } from './probe-history.js';
export type { MinutePoint, ProbeHistory, ProbeSummary } from './probe-history.js';
export { createSqliteRunStore } from './sqlite-run-store.js';
export type { RunReports, RunStatus, RunSummary, SqliteRunStore, StoredRun } from './sqlite-run-store.js';
export { pruneHistory, startRetention } from './retention.js';
export type { PruneOutcome, RetentionPolicy } from './retention.js';
