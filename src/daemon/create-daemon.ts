/**
 * The one place that wires perfwarden together: config in, a running daemon handle out.
 * Order: storage → demo target → modules register (routes, metrics, services) → server
 * listens → modules start (scheduling begins) → ready. Stop runs in reverse and is safe twice.
 */
import { ownerOf } from '../core/rendezvous.js';
import { segmentLabel } from '../load/plan/segment.js';
import type { Segment } from '../load/plan/segment.js';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { PwError, coerceError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { startDemoTarget } from '../demo/demo-target.js';
import type { DemoTarget } from '../demo/demo-target.js';
import { createRegistry } from '../metrics/registry.js';
import { createProbeMetrics } from '../metrics/probe-metrics.js';
import { buildProbeRunners, resolveTargets } from '../probe/build-probes.js';
import { createProbeModule } from '../probe/probe-module.js';
import { createLoadModule } from '../load/load-module.js';
import type { ProbeRunner } from '../probe/types.js';
import { createHttpServer } from '../server/http-server.js';
import { createTelemetryModule } from '../telemetry/telemetry-module.js';
import { createHistoryModule } from '../history/history-module.js';
import { createApiModule } from '../api/api-module.js';
import { createStatusPageModule } from '../status-page/status-page-module.js';
import { createHealthModule } from '../health/health-module.js';
import { createAlertModule, createAlertService } from '../alerts/alert-module.js';
import { createMaintenanceModule } from '../maintenance/maintenance-module.js';
import { createBadgeModule } from '../badges/badge-module.js';
import { configSecrets } from '../config/load-config.js';
import type { Env } from '../config/load-config.js';
import { createRedactor } from '../core/redact.js';
import { openDatabase } from '../storage/database.js';
import { createStorageHealth, storageMigrations } from '../storage/storage-health.js';
import type { StorageHealth } from '../storage/storage-health.js';
import type { Migration, SqliteDatabase } from '../storage/database.js';
import { createEvents } from './events.js';
import { createStartupLoadsModule } from './startup-loads.js';
import type { DaemonContext, DaemonModule } from './module.js';

/** What `createDaemon` may be given instead of the real thing. */
export interface DaemonDeps {
  clock?: Clock;
  logger?: Logger;
  /** Overrides `server.port` (the CLI's --port). */
  port?: number;
  /** Extra modules (tests, plugins), registered after the built-in ones. */
  modules?: DaemonModule[];
  /** Deterministic probe spread in tests. */
  random?: () => number;
  /** Environment for the standard `OTEL_*` defaults (the CLI passes the process's). */
  env?: Env;
  /**
   * This replica's shard (`--shard i/N`): it runs the probes rendezvous hashing gives it and
   * segment i/N of every scheduled load. Default: everything.
   */
  shard?: Segment;
}

/** A running daemon. */
export interface Daemon {
  /** The base URL the HTTP server listens on, e.g. http://127.0.0.1:9464. */
  readonly url: string;
  /** The embedded demo target, when `demo.enabled`. */
  readonly demo: DemoTarget | undefined;
  readonly context: DaemonContext;
  /** Stops everything; safe to call twice; resolves when stopped. */
  stop(reason: string): Promise<void>;
  /** Resolves when the daemon has stopped. */
  readonly done: Promise<void>;
}

/** Schema changes of every domain, applied in this order. */
function collectMigrations(modules: readonly DaemonModule[]): Migration[] {
  return modules.flatMap((m) => m.migrations ?? []);
}

/** Starts a daemon for `config`. Throws (after cleaning up) if any part fails to start. */
export async function createDaemon(config: Config, deps: DaemonDeps = {}): Promise<Daemon> {
  const clock = deps.clock ?? systemClock;
  const redact = createRedactor(configSecrets(config));
  const logger = deps.logger ?? createLogger({ level: config.log.level, format: config.log.format, redact });
  const registry = createRegistry();
  const events = createEvents((event, err) => logger.error({ event, err }, 'event listener threw'));
  const services = new Map<string, unknown>();
  let ready = false;
  let notReady = 'starting';
  let storage: StorageHealth | undefined;
  const readiness = {
    ready: () => ready && (storage?.up() ?? true),
    reason: () => (notReady !== '' ? notReady : storage?.reason() ?? ''),
  };
  // Telemetry first: it wraps the probe runners, gives the probe metrics their exemplars, and stops (flushing spans) last.
  const telemetry = createTelemetryModule(config.telemetry, { clock, logger, ...(deps.env === undefined ? {} : { env: deps.env }) });
  // Exemplars only for recorded traces (tracing off: none).
  const probeMetrics = createProbeMetrics(registry, telemetry.tracing.enabled ? { exemplarLabels: (id) => telemetry.tracing.exemplarLabels(id) } : {});
  const app = createHttpServer({ logger, registry, redact, readiness, families: [probeMetrics] });
  const context: DaemonContext = { config, clock, logger, registry, events, app, services };

  let demo: DemoTarget | undefined;
  let db: SqliteDatabase | undefined;
  // Telemetry is a module from the start, so a failed start still shuts its exporter down.
  let modules: DaemonModule[] = [telemetry];
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => { resolveDone = resolve; });
  let stopping: Promise<void> | undefined;

  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      ready = false;
      notReady = `stopping: ${reason}`;
      logger.info({ reason }, 'stopping');
      storage?.stop();
      for (const m of [...modules].reverse()) {
        try {
          await m.stop?.(reason);
        } catch (thrown) {
          logger.error({ module: m.name, err: coerceError(thrown) }, 'module failed to stop cleanly');
        }
      }
      await app.close().catch((thrown: unknown) => logger.error({ err: coerceError(thrown) }, 'server close failed'));
      await demo?.stop(reason).catch((thrown: unknown) => logger.error({ err: coerceError(thrown) }, 'demo target stop failed'));
      try {
        db?.close();
      } catch (thrown) {
        logger.error({ err: coerceError(thrown) }, 'database close failed');
      }
      logger.info('stopped');
      resolveDone();
    })();
    return stopping;
  };

  try {
    if (config.demo.enabled) {
      demo = await startDemoTarget({ config: config.demo, logger: logger.child({ component: 'demo' }), clock });
      logger.info({ url: demo.url }, 'demo target listening');
    }
    const targets = resolveTargets(config, demo?.url);
    const shard = deps.shard;
    const runners: ProbeRunner[] = buildProbeRunners(config, targets).filter((r) => shard === undefined || ownerOf(r.name, shard.stride) === shard.offset);
    if (shard !== undefined) logger.info({ shard: segmentLabel(shard), probes: runners.length, of: config.probes.length }, 'sharded: this replica runs its share');
    services.set('targets', targets);
    if (demo !== undefined) services.set('demo', demo);

    // Modules that others are wired to by a typed dependency.
    const loads = createLoadModule(shard === undefined ? {} : { segment: shard });
    const alerts = createAlertModule();
    const maintenance = createMaintenanceModule({
      silences: () => {
        const engine = alerts.engine();
        return engine === undefined ? undefined : createAlertService(engine, () => clock.now());
      },
    });
    modules = [
      telemetry,
      createProbeModule({ runners, metrics: probeMetrics, wrap: telemetry.wrapProbe, ...(deps.random === undefined ? {} : { random: deps.random }) }),
      createHistoryModule(),
      // The API before every other module that adds routes: OpenAPI (/docs) sees only later routes.
      createApiModule(),
      loads,
      createStartupLoadsModule({
        trigger: (name) => {
          const service = loads.service();
          if (service === undefined) throw new PwError('PW_ERR_UNAVAILABLE', 'the load module has not registered');
          return service.trigger(name);
        },
      }),
      createHealthModule(),
      alerts,
      // After the alerts: it silences alerts during maintenance windows.
      maintenance,
      createBadgeModule({ maintenance: () => maintenance.service() }),
      ...(deps.modules ?? []),
      // The status page last: it snapshots the services the others registered.
      createStatusPageModule({ maintenance: () => maintenance.service() }),
    ];

    db = openDatabase(config.storage.path, [...storageMigrations, ...collectMigrations(modules)]);
    services.set('db', db);
    storage = createStorageHealth({ db, path: config.storage.path, clock, registry, logger: logger.child({ component: 'storage' }) });
    services.set('storage', storage);

    for (const m of modules) await m.register?.(context);
    await app.listen({ host: config.server.host, port: deps.port ?? config.server.port });
    for (const m of modules) await m.start?.(context);
    storage.start();
    ready = true;
    notReady = '';
  } catch (thrown) {
    await stop('failed to start');
    throw coerceError(thrown);
  }

  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, metrics: `${url}/metrics` }, 'perfwarden listening');
  return { url, demo, context, stop, done };
}
