/** Helpers for history tests: synthetic probe results and a migrated in-memory database. */
import { openDatabase } from '../../src/storage/database.js';
import type { SqliteDatabase } from '../../src/storage/database.js';
import { historyMigrations } from '../../src/history/migrations.js';
import type { ProbeResult } from '../../src/probe/types.js';

/** A migrated database at `path` (default in memory). */
export function historyDb(path = ':memory:'): SqliteDatabase {
  return openDatabase(path, historyMigrations);
}

/** A probe result with the fields history reads. */
export function result(probe: string, startedAt: number, ms: number, ok = true): ProbeResult {
  return {
    probe,
    target: 'demo',
    kind: 'http',
    url: `http://127.0.0.1/${probe}`,
    ok,
    ...(ok ? {} : { reason: 'status' as const, message: 'status 500' }),
    startedAt,
    durationSeconds: ms / 1000,
    phases: { ttfb: ms / 1000 },
    status: ok ? 200 : 500,
  };
}
