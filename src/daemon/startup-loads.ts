/**
 * Loads with `runAfterStart` run once that long after the daemon has started, then on their
 * `cron`. Why: the default config's smoke load is hourly, so the load-run dashboards and the
 * status page's last run would stay empty for up to an hour after `npm start`; one run shortly
 * after start-up fills them within a minute. Runs go through the load service's `trigger`, the
 * same path as the API's, so one-run-at-a-time and history apply unchanged.
 */
import type { LoadConfig } from '../config/sections/loads.js';
import { coerceError, hasCode } from '../core/errors.js';
import type { TimerHandle } from '../core/clock.js';
import type { DaemonModule } from './module.js';

/** What the module needs: a way to start a configured load by name. */
export interface StartupLoadsDeps {
  trigger(name: string): Promise<{ runId: string }> | { runId: string };
}

/** The module; its timers start in `start` and are cancelled by `stop`. */
export function createStartupLoadsModule(deps: StartupLoadsDeps): DaemonModule {
  const timers: TimerHandle[] = [];
  return {
    name: 'startup-loads',
    start(ctx) {
      const log = ctx.logger.child({ component: 'loads' });
      const due = ctx.config.loads.filter((l): l is LoadConfig & { runAfterStart: number } => l.runAfterStart !== undefined);
      for (const load of due) {
        timers.push(ctx.clock.setTimeout(() => {
          void (async () => {
            try {
              const { runId } = await deps.trigger(load.name);
              log.info({ load: load.name, runId }, 'start-up load run triggered (runAfterStart)');
            } catch (thrown) {
              // Another run (a cron one, or one from the API) is in progress: this one is not needed.
              if (hasCode(thrown, 'PW_ERR_CONFLICT')) log.info({ load: load.name }, 'start-up load run skipped: another run is in progress');
              else log.error({ load: load.name, err: coerceError(thrown) }, 'start-up load run could not start');
            }
          })();
        }, load.runAfterStart));
      }
    },
    stop() {
      for (const t of timers.splice(0)) t.cancel();
    },
  };
}
