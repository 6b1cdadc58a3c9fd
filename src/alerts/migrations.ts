/** SQLite schema of alert state, notification grouping, the outbox and silences. */
import type { Migration } from '../storage/database.js';

/** Apply with `openDatabase(path, [...others, ...alertMigrations])` or `migrate(db, alertMigrations)`. */
export const alertMigrations: Migration[] = [
  {
    id: 'alerts-001',
    up: `
      CREATE TABLE alert_instances (key TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE alert_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, group_key TEXT NOT NULL, route INTEGER NOT NULL,
        instance_key TEXT NOT NULL, transition TEXT NOT NULL, created_at INTEGER NOT NULL, flushed_at INTEGER);
      CREATE INDEX alert_events_unflushed ON alert_events (group_key) WHERE flushed_at IS NULL;
      CREATE TABLE notify_groups (group_key TEXT PRIMARY KEY, route INTEGER NOT NULL, next_flush_at INTEGER, last_flush_at INTEGER);
      CREATE TABLE notify_repeats (instance_key TEXT NOT NULL, route INTEGER NOT NULL, last_sent_at INTEGER NOT NULL, PRIMARY KEY (instance_key, route));
      CREATE TABLE notification_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, group_key TEXT NOT NULL, payload TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
        last_error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER);
      CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE status = 'pending';
      CREATE TABLE silences (
        id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
        created_by TEXT, comment TEXT, created_at INTEGER NOT NULL);
    `,
  },
  {
    // Retention: the pruning deletes find old rows by time without scanning the tables.
    id: 'alerts-002',
    up: `
      CREATE INDEX alert_events_flushed ON alert_events (flushed_at) WHERE flushed_at IS NOT NULL;
      CREATE INDEX notification_outbox_done ON notification_outbox (created_at) WHERE status <> 'pending';
      CREATE INDEX silences_ends_at ON silences (ends_at);
    `,
  },
];
