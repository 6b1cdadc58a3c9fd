/**
 * Retention of alerting history, so the SQLite file does not grow without bound: flushed alert
 * events, finished outbox rows (sent, dead, silenced) and expired silences older than the
 * retention are deleted in small chunks (each its own short statement, so a month's backlog never
 * holds the write lock or the event loop for long). Pending rows are never touched: "nothing
 * lost" outranks the size of the file.
 */
import type { SqliteDatabase } from '../storage/database.js';

/** Rows deleted by one {@link pruneNotifyHistory} pass, per table. */
export interface PruneResult {
  events: number;
  outbox: number;
  silences: number;
  /** True when the pass stopped at `maxChunks` with rows left: call again soon. */
  more: boolean;
}

/** Tuning of one pass. */
export interface PruneOptions {
  /** Rows per DELETE statement. Default 1000. */
  chunk?: number;
  /** DELETE statements per pass over all tables (bounds the time one pass blocks). Default 10. */
  maxChunks?: number;
}

const STATEMENTS = {
  events: 'DELETE FROM alert_events WHERE id IN (SELECT id FROM alert_events WHERE flushed_at IS NOT NULL AND flushed_at < ? LIMIT ?)',
  outbox: "DELETE FROM notification_outbox WHERE id IN (SELECT id FROM notification_outbox WHERE status <> 'pending' AND created_at < ? LIMIT ?)",
  silences: 'DELETE FROM silences WHERE id IN (SELECT id FROM silences WHERE ends_at < ? LIMIT ?)',
} as const;

/** Deletes history older than `now - retentionMs`. */
export function pruneNotifyHistory(db: SqliteDatabase, now: number, retentionMs: number, options: PruneOptions = {}): PruneResult {
  const chunk = options.chunk ?? 1000;
  let budget = options.maxChunks ?? 10;
  const cutoff = now - retentionMs;
  const result: PruneResult = { events: 0, outbox: 0, silences: 0, more: false };
  for (const table of ['events', 'outbox', 'silences'] as const) {
    const del = db.prepare(STATEMENTS[table]);
    for (;;) {
      if (budget === 0) {
        result.more = true;
        return result;
      }
      budget--;
      const changes = del.run(cutoff, chunk).changes;
      result[table] += changes;
      if (changes < chunk) break;
    }
  }
  return result;
}
