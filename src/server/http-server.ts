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
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { renderMetrics } from '../telemetry/exposition.js';
import type { TextFamilies } from '../telemetry/exposition.js';

const gzipAsync = promisify(gzip);

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
export function createHttpServer(options: { logger: Logger; registry: Registry; readiness: Readiness; redact?: Redact; families?: readonly TextFamilies[] }): FastifyInstance {
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
  // The body is gzipped in one job on the libuv thread pool, at level 1 (Prometheus asks for gzip;
  // 5 MB of text for a thousand probes leaves as 0.26 MB; level 6 costs ~9x the CPU for ~25 %
  // fewer bytes). One job, not a stream of 256 KiB slices: one thread-pool round trip instead of
  // one per slice, each waiting for an event-loop turn behind the probes. The join before it
  // yields to the event loop (see renderMetrics).
  app.get('/metrics', async (request, reply) => {
    const { contentType, body } = await renderMetrics(options.registry, request.headers.accept, options.families);
    reply.header('content-type', contentType);
    if (!/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.send(body);
    return reply.header('content-encoding', 'gzip').send(await gzipAsync(body, { level: 1 }));
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.readiness.ready()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: options.readiness.reason() });
  });
  return app;
}
