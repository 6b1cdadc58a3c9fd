/**
 * The daemon's HTTP server (fastify): /metrics, /healthz, /readyz; domain modules add their
 * routes before it listens. Request logging is off: Prometheus scrapes every few seconds and
 * would drown the log.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { renderMetrics } from '../metrics/registry.js';

/** Readiness as the server reports it. */
export interface Readiness {
  ready(): boolean;
  /** Why not ready, for /readyz. */
  reason(): string;
}

/** Creates the server with the built-in routes. */
export function createHttpServer(options: { logger: Logger; registry: Registry; readiness: Readiness }): FastifyInstance {
  const app = Fastify({
    // Fastify's own info lines are its request log (off) and "Server listening at …", which the
    // daemon's "perfwarden listening" line already says with the /metrics URL: warn and up only.
    loggerInstance: options.logger.child({ component: 'http' }, { level: options.logger.isLevelEnabled('info') ? 'warn' : options.logger.level }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  app.get('/metrics', async (request, reply) => {
    const { contentType, body } = await renderMetrics(options.registry, request.headers.accept);
    return reply.header('content-type', contentType).send(body);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.readiness.ready()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: options.readiness.reason() });
  });
  return app;
}
