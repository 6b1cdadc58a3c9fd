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
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { renderMetricParts } from '../telemetry/exposition.js';
import type { TextFamilies } from '../telemetry/exposition.js';

/** Consecutive parts joined into buffers of about `size` bytes, one at a time as the stream asks. */
function* slices(parts: readonly Buffer[], size: number): Generator<Buffer> {
  let batch: Buffer[] = [];
  let bytes = 0;
  for (const part of parts) {
    batch.push(part);
    bytes += part.length;
    if (bytes >= size) {
      yield Buffer.concat(batch, bytes);
      batch = [];
      bytes = 0;
    }
  }
  if (bytes > 0) yield Buffer.concat(batch, bytes);
}

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
    // A response schema with a union (a nullable field) has an ajv validator, which
    // fast-json-stringify compiles on the first answer that reaches it: 50 ms on the event loop
    // that times the probes, mid-run, the first time a client read a run. Compiled at start instead.
    serializerOpts: { compileValidators: true },
  });
  const redact = options.redact;
  if (redact !== undefined) {
    app.addHook('onSend', async (_request, _reply, payload) => (typeof payload === 'string' ? redact(payload) : payload));
  }
  // An unknown route (or method) answers in the API's error shape, like every other error.
  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: 'not_found', code: 'PW_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}` }));
  // The parts are streamed in 256 KiB slices, never joined in one go; Prometheus asks for gzip,
  // which zlib does on the libuv thread pool, so 4 MB of text for a thousand probes leaves the
  // event loop as 0.2 MB. (Thousands of small writes would each cost a round trip into zlib.)
  app.get('/metrics', async (request, reply) => {
    const { contentType, parts } = await renderMetricParts(options.registry, request.headers.accept, options.families);
    reply.header('content-type', contentType);
    const body = Readable.from(slices(parts, 262_144), { objectMode: false });
    if (!/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.send(body);
    const gzip = createGzip({ level: 1 });
    pipeline(body, gzip, (err) => {
      if (err !== undefined && err !== null) request.log.warn({ err }, '/metrics: compression failed');
    });
    return reply.header('content-encoding', 'gzip').send(gzip);
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (options.readiness.ready()) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', reason: options.readiness.reason() });
  });
  return app;
}
