/**
 * The embedded SQLite store (better-sqlite3). One file holds run history, alert state, the
 * notification outbox, silences and baselines. Each domain brings its own migrations (ids are
 * global and applied once, in the order given), so domains never edit a shared schema file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { PwError, coerceError } from '../core/errors.js';

export type { Database as SqliteDatabase } from 'better-sqlite3';

/** One schema change, applied once. `id` is unique across all domains, e.g. "alerts-001". */
export interface Migration {
  id: string;
  up: string;
}

/**
 * Opens (creating if needed) the database at `path` (":memory:" for none) and migrates it.
 * Throws PW_ERR_STORAGE with one line naming the file and what to do: a corrupt file fails on
 * its first read (the pragmas), not on `new Database`.
 */
export function openDatabase(path: string, migrations: readonly Migration[]): SqliteDatabase {
  let db: SqliteDatabase | undefined;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (thrown) {
    try {
      db?.close();
    } catch {
      // Closing a handle that failed to open properly: nothing more to release.
    }
    const err = coerceError(thrown);
    throw new PwError('PW_ERR_STORAGE', `cannot open database ${path}: ${err.message.split('\n')[0] ?? err.message} (${hint(err.code)})`, { cause: thrown });
  }
}

function hint(code: string | undefined): string {
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return 'the file is damaged or not a perfwarden database: move it aside to start with a new one, or restore a backup';
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return 'check that the file and its folder exist and are writable by this user, and that the file is not immutable (lsattr)';
  }
  return 'check storage.path';
}

/** Applies the migrations that have not been applied yet, each in its own transaction. */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): string[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM schema_migrations').all() as { id: string }[]).map((r) => r.id));
  const ran: string[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const m of migrations) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.up);
      record.run(m.id, Date.now());
    })();
    ran.push(m.id);
  }
  return ran;
}
