/** A daemon context around a bare fastify app, for API and status-page tests. */
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Clock } from '../../src/core/clock.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { createEvents } from '../../src/daemon/events.js';
import type { DaemonContext, DaemonModule } from '../../src/daemon/module.js';
import { openDatabase } from '../../src/storage/database.js';
import { historyMigrations } from '../../src/history/migrations.js';
import { createHistoryModule } from '../../src/history/history-module.js';

/** The token tests use. */
export const TOKEN = 'test-token-0123456789';

/** Probes shared by the tests' configs. */
export const PROBES_YAML = `
probes:
  - name: status
    every: 15s
    http: { url: "http://127.0.0.1:9/api/status" }
  - name: trade
    every: 15s
    http: { url: "http://127.0.0.1:9/api/trade" }
`;

/** A context plus its modules, registered but not listening. */
export interface Harness {
  ctx: DaemonContext;
  app: FastifyInstance;
  modules: DaemonModule[];
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a context from YAML; `db: true` registers an in-memory database and the history module. */
export async function harness(options: { yaml?: string; db?: boolean; clock?: Clock; modules?: DaemonModule[]; services?: Record<string, unknown> }): Promise<Harness> {
  const config = loadConfigText(options.yaml ?? `api: { token: "${TOKEN}" }\n${PROBES_YAML}`, 'test.yaml', {});
  const logger = silentLogger();
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, forceCloseConnections: true });
  const services = new Map<string, unknown>(Object.entries(options.services ?? {}));
  const db = options.db === true ? openDatabase(':memory:', historyMigrations) : undefined;
  if (db !== undefined) services.set('db', db);
  const ctx: DaemonContext = { config, clock: options.clock ?? systemClock, logger, registry: new Registry(), events: createEvents(), app, services };
  const modules = [...(db === undefined ? [] : [createHistoryModule()]), ...(options.modules ?? [])];
  for (const m of modules) await m.register?.(ctx);
  await app.ready();
  return {
    ctx,
    app,
    modules,
    async start() {
      for (const m of modules) await m.start?.(ctx);
    },
    async close() {
      for (const m of [...modules].reverse()) await m.stop?.('test');
      await app.close();
      db?.close();
    },
  };
}
