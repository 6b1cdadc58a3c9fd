/**
 * The maintenance module: while a window is active, its alerts are silenced — as real silences
 * (created by "maintenance:<window id>", visible in /api/silences, ending with the window), so
 * the notification router needs no second mechanism — and the status page and badges say so.
 * A timer wakes at the next window start (or once a day), never polling faster.
 */
import type { DaemonModule } from '../daemon/module.js';
import type { TimerHandle } from '../core/clock.js';
import { PwError, coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AlertService } from '../alerts/alert-service.js';
import type { MaintenanceWindowConfig } from '../config/sections/maintenance.js';
import type { SqliteDatabase } from '../storage/database.js';
import { MaintenanceStore, maintenanceMigrations } from './maintenance-store.js';
import type { MaintenanceInput } from './maintenance-store.js';
import { registerMaintenanceRoutes } from './maintenance-routes.js';
import { activeOccurrence, coversProbe, expandTargets, nextOccurrence, windowMatchers } from './windows.js';
import type { MaintenanceWindow, Occurrence } from './windows.js';

/** The silence operations the module needs from the alerts module. */
export type SilenceControl = Pick<AlertService, 'silences' | 'createSilence' | 'expireSilence'>;

/** A window with what is true of it now. */
export interface MaintenanceView extends MaintenanceWindow {
  active: Occurrence | null;
  next: Occurrence | null;
}

/** What other modules (status page, badges, API) ask. */
export interface MaintenanceService {
  list(): MaintenanceView[];
  /** Throws PW_ERR_INVALID_ARGUMENT for a window that never happens. */
  create(input: MaintenanceInput): MaintenanceView;
  /** Ends (and forgets) an API window; config windows cannot be removed. Throws PW_ERR_NOT_FOUND. */
  remove(id: string): void;
  /** The active window covering a probe, if any. */
  activeFor(probe: string, target: string): MaintenanceView | undefined;
}

/** Longest sleep between checks: a changed wall clock or a long-off window is seen within a day. */
const MAX_SLEEP_MS = 86_400_000;

/** Converts config windows. */
export function configWindows(windows: readonly MaintenanceWindowConfig[]): MaintenanceWindow[] {
  return windows.map((w) => ({
    id: w.name,
    name: w.name,
    source: 'config',
    schedule: w.cron !== undefined
      ? { kind: 'recurring', cron: w.cron, durationMs: w.duration ?? 0 }
      : { kind: 'once', startsAt: w.start ?? 0, endsAt: w.end ?? (w.start ?? 0) + (w.duration ?? 0) },
    select: w.select ?? {},
    ...(w.comment === undefined ? {} : { comment: w.comment }),
  }));
}

/** Creates the module; `silences` reaches the alerts module (undefined: nothing to silence). */
export function createMaintenanceModule(deps: { silences: () => SilenceControl | undefined }): DaemonModule & { service(): MaintenanceService | undefined } {
  let service: MaintenanceService | undefined;
  let timer: TimerHandle | undefined;
  let wake: (() => void) | undefined;

  return {
    name: 'maintenance',
    migrations: maintenanceMigrations,
    service: () => service,
    register(ctx) {
      const log: Logger = ctx.logger.child({ component: 'maintenance' });
      const store = new MaintenanceStore(ctx.services.get('db') as SqliteDatabase);
      const fromConfig = configWindows(ctx.config.maintenance);
      const probeTargets = new Map(ctx.config.probes.flatMap((p) => (p.target === undefined ? [] : [[p.name, p.target] as const])));
      const loadTargets = new Map(ctx.config.loads.flatMap((l) => (l.target === undefined ? [] : [[l.name, l.target] as const])));
      const all = (): MaintenanceWindow[] => [...fromConfig, ...store.list()];
      const view = (w: MaintenanceWindow, now: number): MaintenanceView => ({ ...w, active: activeOccurrence(w, now) ?? null, next: nextOccurrence(w, now) ?? null });

      /** Makes sure every active window has its silences; returns when to look again. */
      const reconcile = (now: number): number => {
        const control = deps.silences();
        const existing = control?.silences() ?? [];
        let nextAt = now + MAX_SLEEP_MS;
        for (const w of all()) {
          const occ = activeOccurrence(w, now);
          if (occ !== undefined && control !== undefined) {
            const createdBy = `maintenance:${w.id}`;
            for (const matchers of windowMatchers(expandTargets(w.select, probeTargets, loadTargets))) {
              const has = existing.some((s) => s.createdBy === createdBy && s.startsAt === occ.startsAt && JSON.stringify(s.matchers) === JSON.stringify(matchers));
              if (has) continue;
              control.createSilence({ matchers, startsAt: occ.startsAt, endsAt: occ.endsAt, createdBy, comment: `maintenance window "${w.name}"${w.comment === undefined ? '' : `: ${w.comment}`}` });
              log.info({ window: w.name, until: new Date(occ.endsAt).toISOString() }, 'maintenance window active: its alerts are silenced');
            }
          }
          const next = nextOccurrence(w, now);
          if (next !== undefined) nextAt = Math.min(nextAt, next.startsAt);
        }
        return nextAt;
      };
      const schedule = () => {
        timer?.cancel();
        let nextAt: number;
        try {
          nextAt = reconcile(ctx.clock.now());
        } catch (thrown) {
          log.error({ err: coerceError(thrown) }, 'maintenance: cannot apply the windows; retrying in a minute');
          nextAt = ctx.clock.now() + 60_000;
        }
        timer = ctx.clock.setTimeout(schedule, Math.max(0, nextAt - ctx.clock.now()));
      };
      wake = schedule;

      const s: MaintenanceService = {
        list: () => all().map((w) => view(w, ctx.clock.now())),
        create(input) {
          const now = ctx.clock.now();
          const probe: MaintenanceWindow = { id: '', name: input.name, source: 'api', schedule: input.schedule, select: input.select };
          if (activeOccurrence(probe, now) === undefined && nextOccurrence(probe, now) === undefined) {
            throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: the window has already ended (or its cron never fires)');
          }
          const w = store.create(input, now);
          if (wake !== undefined && timer !== undefined) schedule();
          return view(w, now);
        },
        remove(id) {
          if (fromConfig.some((w) => w.id === id)) throw new PwError('PW_ERR_CONFLICT', `maintenance window "${id}" is in the config; remove it there`);
          store.remove(id);
          const control = deps.silences();
          for (const silence of control?.silences() ?? []) if (silence.createdBy === `maintenance:${id}`) control?.expireSilence(silence.id);
        },
        activeFor(probe, target) {
          const now = ctx.clock.now();
          const w = all().find((x) => coversProbe(x.select, probe, target) && activeOccurrence(x, now) !== undefined);
          return w === undefined ? undefined : view(w, now);
        },
      };
      service = s;
      registerMaintenanceRoutes(ctx.app, s, ctx.config.api, () => ctx.clock.now());
    },
    start() {
      wake?.();
    },
    stop() {
      timer?.cancel();
      timer = undefined;
    },
  };
}
