/** Maintenance windows created through the API, in SQLite (config windows live in the config). */
import { randomUUID } from 'node:crypto';
import type { Migration, SqliteDatabase } from '../storage/database.js';
import { PwError } from '../core/errors.js';
import type { MaintenanceSchedule, MaintenanceSelect, MaintenanceWindow } from './windows.js';

/** The table of API-created windows. */
export const maintenanceMigrations: Migration[] = [{
  id: 'maintenance-001',
  up: `CREATE TABLE maintenance_windows (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, schedule TEXT NOT NULL, selection TEXT NOT NULL,
    comment TEXT, created_at INTEGER NOT NULL);`,
}];

interface Row { id: string; name: string; schedule: string; selection: string; comment: string | null; created_at: number }

/** What a caller gives to create a window. */
export interface MaintenanceInput {
  name: string;
  schedule: MaintenanceSchedule;
  select: MaintenanceSelect;
  comment?: string;
}

/** API windows in SQLite. */
export class MaintenanceStore {
  constructor(private readonly db: SqliteDatabase) {}

  /** Stores a new window. */
  create(input: MaintenanceInput, now: number): MaintenanceWindow {
    const w: MaintenanceWindow = { id: randomUUID(), name: input.name, source: 'api', schedule: input.schedule, select: input.select, ...(input.comment === undefined ? {} : { comment: input.comment }) };
    this.db.prepare('INSERT INTO maintenance_windows (id, name, schedule, selection, comment, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(w.id, w.name, JSON.stringify(w.schedule), JSON.stringify(w.select), w.comment ?? null, Math.floor(now));
    return w;
  }

  /** Every stored window, oldest first. */
  list(): MaintenanceWindow[] {
    return (this.db.prepare('SELECT * FROM maintenance_windows ORDER BY created_at, id').all() as Row[]).map((r) => ({
      id: r.id, name: r.name, source: 'api' as const,
      schedule: JSON.parse(r.schedule) as MaintenanceSchedule,
      select: JSON.parse(r.selection) as MaintenanceSelect,
      ...(r.comment === null ? {} : { comment: r.comment }),
    }));
  }

  /** Deletes a window. Throws PW_ERR_NOT_FOUND. */
  remove(id: string): void {
    if (this.db.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(id).changes === 0) {
      throw new PwError('PW_ERR_NOT_FOUND', `no maintenance window ${id} created through the API`);
    }
  }
}
