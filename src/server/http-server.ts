/**
 * The daemon's HTTP server (fastify): /metrics, /healthz, /readyz; domain modules add their
 * routes before it listens. Request logging is off: Prometheus scrapes every few seconds and
 * would drown the log.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import type { Redact } from '../core/redact.js';
import { renderMetrics } from '../metrics/registry.js';

/** Readiness as the server reports it. */
export interface Readiness {
  ready(): boolean;
  /** Why not ready, for /readyz. */
  reason(): string;
}

/**
 * Creates the server with the built-in routes. With `redact`, every text answer (API JSON,
 * /metrics, the status page) has the config's secrets replaced by `<secret>` on its way out.
 */
export function createHttpServer(options: { logger: Logger; registry: Registry; readiness: Readiness; redact?: Redact }): FastifyInstance {
  const app = Fastify({
    // Fastify's own info lines are its request log (off) and "Server listening at …", which the
    // daemon's "perfwarden listening" line already says with the /metrics URL: warn and up only.
    loggerInstance: options.logger.child({ component: 'http' }, { level: options.logger.isLevelEnabled('info') ? 'warn' : options.logger.level }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  const redact = options.redact;
  if (redact !== undefined) {
    app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' ? redact(payload) : payload));
  }
  // An unknown route (or method) answers in the API's error shape, like every other error.
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: 'not_found', code: 'PW_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}` }));
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
