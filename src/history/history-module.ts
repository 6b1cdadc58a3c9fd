/**
 * Plugs history into the daemon: stores every `'probe:result'` (batched), runs retention on the
 * clock, and registers the `'history'` service. Without a `'db'` service (storage disabled or
 * not yet wired) it logs once and registers nothing; the API then answers 503 for history.
 */
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import type { SqliteDatabase } from '../storage/database.js';
import { createHistoryService, HISTORY_SERVICE } from './history-service.js';
import type { HistoryService } from './history-service.js';
import { historyMigrations } from './migrations.js';
import { startRetention, usedBytes } from './retention.js';
import { statSync } from 'node:fs';
import { Gauge } from 'prom-client';
import { createSqliteLoadRunStore } from './sqlite-load-run-store.js';
import type { RetentionJob } from './retention.js';
import { LOAD_RUN_STORE_SERVICE } from '../load/run-store.js';
import { Counter } from 'prom-client';
import { isStorageError } from '../storage/storage-health.js';
import type { StorageHealth } from '../storage/storage-health.js';
import { createProgressWriter, recoverInterruptedRuns } from './run-recovery.js';


/** The database file plus its write-ahead log, in bytes (0 when in memory or not created yet). */
function fileBytes(path: string): number {
  if (path === ':memory:') return 0;
  const size = (p: string) => statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  return size(path) + size(`${path}-wal`);
}

/** Creates the history module (it brings `historyMigrations` for the daemon's database). */
export function createHistoryModule(): DaemonModule {
  let service: HistoryService | undefined;
  let retention: RetentionJob | undefined;
  let unsubscribe: (() => void) | undefined;
  let ctxRef: DaemonContext | undefined;

  return {
    name: 'history',
    migrations: historyMigrations,
    register(ctx) {
      ctxRef = ctx;
      const db = ctx.services.get('db') as SqliteDatabase | undefined;
      if (db === undefined) {
        ctx.logger.warn('history: no "db" service, so probe results and runs are not stored');
        return;
      }
      const log = ctx.logger.child({ module: 'history' });
      service = createHistoryService({
        db,
        config: ctx.config.history,
        clock: ctx.clock,
        registry: ctx.registry,
        onError: (err) => writeFailed(ctx, err, () => log.error({ err }, 'history: cannot write probe results')),
      });
      ctx.services.set(HISTORY_SERVICE, service);
      // The load engine's RunStore over the same table, for a load module that prefers it to JSON files.
      ctx.services.set(LOAD_RUN_STORE_SERVICE, createSqliteLoadRunStore(db));
      const probes = service.probes;
      // Before the load module starts: a run still `running` in the file was cut off by a crash.
      const interrupted = recoverInterruptedRuns(db, ctx.clock.now());
      const interruptedTotal = new Counter({ name: 'perfwarden_load_runs_interrupted_total', help: 'Load runs found running at start-up (the daemon died during them), marked interrupted.', registers: [ctx.registry] });
      interruptedTotal.inc(interrupted.length);
      for (const r of interrupted) {
        log.warn({ runId: r.id, load: r.load, requests: r.progress?.requests, elapsedSeconds: r.progress?.elapsedSeconds }, 'history: a load run was interrupted by the last stop (crash or kill); marked interrupted with what it had measured');
      }
      const progress = createProgressWriter(db, ctx.clock);
      const subscriptions = [
        ctx.events.on('probe:result', (result) => probes.record(result)),
        ctx.events.on('load:progress', (p) => {
          try {
            progress.record(p.runId, p);
          } catch (thrown) {
            log.error({ err: thrown }, 'history: cannot write load progress');
          }
        }),
        ctx.events.on('load:finished', (f) => progress.forget(f.runId)),
      ];
      unsubscribe = () => { for (const u of subscriptions) u(); };
      new Gauge({
        name: 'perfwarden_storage_used_bytes',
        help: 'Bytes of the SQLite database in pages that hold data (history.maxSize bounds it; the file can be larger by its free pages, which SQLite reuses).',
        registers: [ctx.registry],
        collect() {
          this.set(usedBytes(db));
        },
      });
      new Gauge({
        name: 'perfwarden_storage_file_bytes',
        help: 'Size of the SQLite database file on disk, write-ahead log included (0 for an in-memory database).',
        registers: [ctx.registry],
        collect() {
          this.set(fileBytes(ctx.config.storage.path));
        },
      });
    },
    start() {
      const ctx = ctxRef;
      if (ctx === undefined || service === undefined) return;
      const db = ctx.services.get('db') as SqliteDatabase;
      const h = ctx.config.history;
      const log = ctx.logger.child({ module: 'history' });
      const probes = service.probes;
      retention = startRetention(db, { rawRetentionMs: h.rawRetention, minuteRetentionMs: h.minuteRetention, maxRuns: h.maxRuns }, {
        clock: ctx.clock,
        intervalMs: h.pruneInterval,
        ...(h.maxSize === undefined ? {} : { maxBytes: h.maxSize }),
        beforePrune: () => probes.flush(),
        onPruned: (o) => {
          if (o.raw + o.minutes + o.runs > 0) log.info(o, 'history: pruned old rows');
        },
        onError: (err) => writeFailed(ctx, err, () => log.error({ err }, 'history: prune failed')),
      });
    },
    stop() {
      retention?.stop();
      retention = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      service?.probes.close();
    },
  };
}

/** A store that refuses writes is the storage health's to report (once); anything else is logged. */
function writeFailed(ctx: DaemonContext, err: unknown, log: () => void): void {
  const storage = ctx.services.get('storage') as StorageHealth | undefined;
  if (storage !== undefined && isStorageError(err)) storage.failed('history', err);
  else log();
}
