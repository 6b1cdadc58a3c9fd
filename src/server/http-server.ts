/**
 * The daemon's HTTP server (fastify): /metrics, /healthz, /readyz; domain modules add their
 * routes before it listens. Request logging is off: Prometheus scrapes every few seconds and
 * would drown the log.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
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

/** Creates the server with the built-in routes. */
export function createHttpServer(options: { logger: Logger; registry: Registry; readiness: Readiness; families?: readonly TextFamilies[] }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    return503OnClosing: true,
  });
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
