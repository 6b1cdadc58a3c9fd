/**
 * Whether the SQLite store can still be written. "Nothing lost" holds only while it can: a file
 * made read-only or immutable, a full disk or a lock held elsewhere must show, not degrade into
 * a log line per evaluation. A heartbeat write every few seconds (a one-row table) proves the
 * store writable; domains report their own failed writes too. While it fails, `/readyz` answers
 * 503 with the reason, `perfwarden_storage_up` is 0 and `perfwarden_storage_errors_total` counts
 * each failure; the log says so once when it goes down and once when it comes back.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../core/clock.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Migration, SqliteDatabase } from './database.js';

/** The heartbeat table. */
export const storageMigrations: readonly Migration[] = [
  { id: 'storage-001', up: 'CREATE TABLE storage_heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)' },
];

/** Default time between heartbeat writes. */
export const HEARTBEAT_MS = 5000;

/** The store's health as readiness and the API see it. */
export interface StorageHealth {
  /** False after a failed write until the next successful one. */
  up(): boolean;
  /** Why it is down ("" when up). */
  reason(): string;
  /** Records a failed write of a domain (`operation` is a label: "heartbeat", "alerts", "history" …). */
  failed(operation: string, thrown: unknown): void;
  /** Writes the heartbeat now; true when it worked. */
  check(): boolean;
  /** Starts the periodic heartbeat. */
  start(): void;
  /** Stops it; safe to call twice. */
  stop(): void;
}

/** Options of {@link createStorageHealth}. */
export interface StorageHealthOptions {
  db: SqliteDatabase;
  /** The file, named in every message. */
  path: string;
  clock: Clock;
  registry: Registry;
  logger: Logger;
  everyMs?: number;
}

/** Creates the storage health watcher (does not start it). */
export function createStorageHealth(options: StorageHealthOptions): StorageHealth {
  const { db, path, clock, logger } = options;
  const upGauge = new Gauge({ name: 'perfwarden_storage_up', help: '1 when the SQLite store accepted the last write, 0 when it failed.', registers: [options.registry] });
  const errors = new Counter({ name: 'perfwarden_storage_errors_total', help: 'Failed writes to the SQLite store, by operation.', labelNames: ['operation'], registers: [options.registry] });
  errors.inc({ operation: 'heartbeat' }, 0);
  upGauge.set(1);
  let down = '';
  let timer: TimerHandle | undefined;
  const beat = db.prepare('INSERT INTO storage_heartbeat (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at');

  const health: StorageHealth = {
    up: () => down === '',
    reason: () => down,
    failed(operation, thrown) {
      errors.inc({ operation });
      upGauge.set(0);
      const message = coerceError(thrown).message;
      if (down === '') logger.error({ path, operation, err: message }, `storage: cannot write ${path}; readiness fails until a write succeeds (nothing new is durable meanwhile)`);
      down = `storage: cannot write ${path}: ${message}`;
    },
    check() {
      try {
        beat.run(Math.floor(clock.now()));
      } catch (thrown) {
        health.failed('heartbeat', thrown);
        return false;
      }
      if (down !== '') logger.info({ path }, 'storage: writable again');
      down = '';
      upGauge.set(1);
      return true;
    },
    start() {
      const loop = () => {
        health.check();
        timer = clock.setTimeout(loop, options.everyMs ?? HEARTBEAT_MS);
      };
      loop();
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
  return health;
}

/** True for an error SQLite raised (better-sqlite3 codes start with SQLITE_). */
export function isStorageError(thrown: unknown): boolean {
  return coerceError(thrown).code?.startsWith('SQLITE_') === true;
}
