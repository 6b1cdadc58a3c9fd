/** Config → a ready {@link AlertEngine} (rules compiled, channels built, routes defaulted). */
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Registry } from 'prom-client';
import type { SqliteDatabase } from '../storage/database.js';
import { createNotifiers } from '../notify/create-notifiers.js';
import { defaultRoutes } from '../notify/router.js';
import type { Notifier } from '../notify/types.js';
import { AlertEngine } from './alert-engine.js';
import type { AlertEngineOptions } from './alert-engine.js';
import { compileRules } from './evaluator.js';
import { alertRules } from './builtin-alerts.js';

/** What besides config the engine needs. */
export interface BuildEngineDeps {
  db: SqliteDatabase;
  clock: Clock;
  registry?: Registry;
  logger?: Logger;
  /** Replaces the configured channels (tests, plugins). */
  notifiers?: readonly Notifier[];
  onTransition?: AlertEngineOptions['onTransition'];
  onDelivery?: AlertEngineOptions['onDelivery'];
  onStorageError?: AlertEngineOptions['onStorageError'];
}

/** Builds the engine for `config.alerts` (plus the built-in alerts of `config.probes`) and `config.notifications`. */
export function buildAlertEngine(config: Pick<Config, 'alerts' | 'notifications'> & Partial<Pick<Config, 'probes'>>, deps: BuildEngineDeps): AlertEngine {
  const n = config.notifications;
  const notifiers = deps.notifiers ?? createNotifiers(n.channels);
  return new AlertEngine({
    db: deps.db,
    clock: deps.clock,
    rules: compileRules(alertRules({ alerts: config.alerts, probes: config.probes ?? [] })),
    notifiers,
    routes: n.routes ?? defaultRoutes(notifiers.map((x) => x.name)),
    retry: n.retry,
    evaluationIntervalMs: n.evaluationInterval,
    retentionMs: n.retention,
    ...(n.dashboardUrl === undefined ? {} : { dashboardUrl: n.dashboardUrl }),
    ...(deps.registry === undefined ? {} : { registry: deps.registry }),
    ...(deps.logger === undefined ? {} : { logger: deps.logger }),
    ...(deps.onTransition === undefined ? {} : { onTransition: deps.onTransition }),
    ...(deps.onDelivery === undefined ? {} : { onDelivery: deps.onDelivery }),
    ...(deps.onStorageError === undefined ? {} : { onStorageError: deps.onStorageError }),
  });
}
