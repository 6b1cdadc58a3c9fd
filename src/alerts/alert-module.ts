/**
 * The alerts daemon module: feeds probe results and health samples into the alert engine,
 * evaluates on `notifications.evaluationInterval`, delivers through the outbox, exposes the
 * "alerts" service and the silence routes. State lives in the daemon's SQLite store (service
 * "db"), so a restart continues where the last process stopped.
 */
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import { openDatabase } from '../storage/database.js';
import type { SqliteDatabase } from '../storage/database.js';
import { registerSilenceRoutes } from '../notify/silence-routes.js';
import type { Notifier } from '../notify/types.js';
import { matchesAll } from '../notify/silences.js';
import type { AlertEngine } from './alert-engine.js';
import type { AlertService, AlertView } from './alert-service.js';
import { buildAlertEngine } from './build-engine.js';
import { formatMeasureValue } from './measures.js';
import { describeChange } from './change-text.js';
import { registerAcknowledgeRoute } from './acknowledge-route.js';
import { PwError } from '../core/errors.js';
import { alertMigrations } from './migrations.js';
import { readLoadHistogram } from './load-histogram.js';

/** Options (tests may replace the channels). */
export interface AlertModuleOptions {
  notifiers?: readonly Notifier[];
}

/** Creates the alerts module. */
export function createAlertModule(options: AlertModuleOptions = {}): DaemonModule & { engine(): AlertEngine | undefined } {
  let engine: AlertEngine | undefined;
  let ownDb: SqliteDatabase | undefined;
  const unsubscribe: (() => void)[] = [];
  let stopped: Promise<void> | undefined;

  return {
    name: 'alerts',
    migrations: alertMigrations,
    engine: () => engine,
    register(ctx: DaemonContext) {
      let db = ctx.services.get('db') as SqliteDatabase | undefined;
      if (db === undefined) {
        ownDb = openDatabase(ctx.config.storage.path, alertMigrations);
        db = ownDb;
      }
      const log = ctx.logger.child({ component: 'alerts' });
      const e = buildAlertEngine(ctx.config, {
        db, clock: ctx.clock, registry: ctx.registry, logger: log,
        ...(options.notifiers === undefined ? {} : { notifiers: options.notifiers }),
        onTransition: (t) => ctx.events.emit('alert:transition', t),
        onDelivery: (o) => ctx.events.emit('notification:delivery', o),
      });
      engine = e;
      unsubscribe.push(ctx.events.on('probe:result', (r) => {
        e.store.addProbeResult(r);
        e.changes.addProbeResult(r);
      }));
      unsubscribe.push(ctx.events.on('health:sample', (s) => e.store.addHealthSample(s)));
      unsubscribe.push(ctx.events.on('load:progress', (p) => {
        const at = ctx.clock.now();
        e.store.addLoadProgress(p, at);
        // Latency quantiles of loads come from the same histogram Prometheus scrapes.
        void readLoadHistogram(ctx.registry, p.name)
          .then((buckets) => {
            if (buckets !== undefined) e.store.addLoadHistogram(p.name, { at, buckets });
          })
          .catch((thrown: unknown) => log.warn({ err: thrown }, 'alerts: cannot read the load latency histogram'));
      }));
      // The history module compares a finished run with its baseline before 'load:finished' is emitted.
      unsubscribe.push(ctx.events.on('load:finished', (f) => {
        const history = ctx.services.get('history') as { runs?: { get(id: string): { regression?: { verdict?: string } } | undefined } } | undefined;
        const verdict = history?.runs?.get(f.runId)?.regression?.verdict;
        e.store.setLoadRegression(f.load, verdict === 'regression' ? true : verdict === 'ok' ? false : undefined);
      }));
      const service = createAlertService(e, () => ctx.clock.now());
      ctx.services.set('alerts', service);
      registerSilenceRoutes(ctx.app, service, ctx.config.api, () => ctx.clock.now());
      registerAcknowledgeRoute(ctx.app, service, ctx.config.api);
    },
    start() {
      engine?.start();
    },
    stop() {
      stopped ??= (async () => {
        for (const u of unsubscribe.splice(0)) u();
        await engine?.stop();
        ownDb?.close();
      })();
      return stopped;
    },
  };
}

/** The service view over an engine. */
export function createAlertService(engine: AlertEngine, now: () => number): AlertService {
  return {
    list(): AlertView[] {
      const t = now();
      const active = engine.silences.list(t).filter((s) => s.startsAt <= t);
      return engine.states().map((s) => {
        const rule = engine.evaluator.rule(s.alert);
        const severities: AlertView['severities'] = {};
        if (rule?.warning !== undefined) severities.warning = s.severities.warning.state;
        if (rule?.critical !== undefined) severities.critical = s.severities.critical.state;
        const labels = { ...(rule?.labels ?? {}), alert: s.alert, severity: s.level === 'none' ? 'warning' : s.level, [s.subjectKind.slice(0, -1)]: s.subject };
        return {
          alert: s.alert, subject: s.subject, subjectKind: s.subjectKind, level: s.level, severities,
          measure: rule?.measure.text ?? '',
          silenced: active.some((x) => matchesAll(x.matchers, labels)),
          ...(rule?.warning === undefined ? {} : { warning: rule.warning.text }),
          ...(rule?.critical === undefined ? {} : { critical: rule.critical.text }),
          ...(s.lastValue === undefined ? {} : { value: s.lastValue }),
          ...(s.lastValue === undefined || rule === undefined ? {} : { valueText: formatMeasureValue(rule.measure.kind, s.lastValue) }),
          ...(s.firingSince === undefined || s.level === 'none' ? {} : { firingSince: s.firingSince }),
          ...(s.resolvedAt === undefined ? {} : { resolvedAt: s.resolvedAt }),
          ...(s.lastEvaluatedAt === undefined ? {} : { lastEvaluatedAt: s.lastEvaluatedAt }),
          ...(s.change === undefined || s.level === 'none' ? {} : { change: s.change, detail: describeChange(s.subject, s.change, t) }),
        };
      });
    },
    silences: (includeExpired = false) => engine.silences.list(now(), includeExpired),
    createSilence: (input) => engine.silences.create(input, now()),
    expireSilence: (id) => engine.silences.expire(id, now()),
    notifications: (limit = 100) => engine.outbox.list(limit),
    acknowledge(alert, subject) {
      if (!engine.changes.acknowledge(alert, subject)) throw new PwError('PW_ERR_NOT_FOUND', `alert "${alert}" has no active change for "${subject}" (only change alerts are acknowledged, once)`);
    },
  };
}
