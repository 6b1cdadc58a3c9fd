/**
 * The embedded demo target: a small fastify service shaped like the backends in the seeds, with
 * knobs that inject latency, errors, slow WebSocket handshakes and a memory leak, so every
 * perfwarden feature can be seen (and tested) without any other server. Started in-process by
 * the daemon when `demo.enabled` is true, or alone with `perfwarden demo`.
 *
 * Faults are applied in one `onRequest` hook for `/api/*` — latency first, then the error coin
 * toss — so handlers stay plain and per-route overrides are keyed by fastify's route pattern.
 */
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError } from 'fastify';
import { systemClock } from '../core/clock.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { DemoConfig } from '../config/sections/core.js';
import { registerAdminRoutes } from './admin-routes.js';
import { RESPONSE_TTL_MS, registerApiRoutes } from './api-routes.js';
import { createDemoMetrics } from './demo-metrics.js';
import { createItemCache } from './item-cache.js';
import { createKnobStore } from './knobs.js';
import type { DemoKnobs } from './knobs.js';
import { DEFAULT_MAX_LEAK_BYTES, createLeak } from './leak.js';
import { seededRandom } from './random.js';
import { createResponseCache } from './response-cache.js';
import { DEMO_WS_PATH, createWsHub } from './ws-hub.js';

/** Options of `startDemoTarget`. */
export interface DemoTargetOptions {
  /** The `demo` config section (host, port — 0 for any free port — and the initial knobs). */
  config: DemoConfig;
  logger: Logger;
  /** Time source for injected latency, the leak and timestamps (default: the system clock). */
  clock?: Clock;
  /** Seed of the error coin toss and generated data (default 1): same knobs, same sequence. */
  seed?: number;
  /** Ceiling on the leak's retained bytes (default 512 MiB). */
  maxLeakBytes?: number;
}

/** A running demo target. */
export interface DemoTarget {
  /** Base URL, `http://host:port` (no trailing slash). */
  readonly url: string;
  /** The WebSocket endpoint, `ws://host:port/ws`. */
  readonly wsUrl: string;
  /** The fault-injection knobs; `set` takes base units or human strings ("700ms", "5%", "1MiB"). */
  readonly knobs: { get(): DemoKnobs; set(partial: unknown): DemoKnobs };
  /** Stops listening, closes every connection and frees the leak. Safe to call twice. */
  stop(reason?: string): Promise<void>;
}

/** Starts the demo target and resolves once it listens. */
export async function startDemoTarget(options: DemoTargetOptions): Promise<DemoTarget> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const knobs = createKnobStore(config);
  const leak = createLeak(clock, options.maxLeakBytes ?? DEFAULT_MAX_LEAK_BYTES);
  const items = createItemCache(config.cacheSize, config.keySpace);
  const hub = createWsHub({ clock, logger, handshakeDelay: () => knobs.get().wsHandshakeDelay });
  const metrics = createDemoMetrics({
    leakRetainedBytes: () => leak.stats().retainedBytes,
    wsConnections: () => hub.stats().connections,
    cacheEntries: () => items.stats().size,
  });
  const errorRandom = seededRandom(options.seed ?? 1);
  const delays = new Set<{ timer: TimerHandle; resolve: () => void }>();
  const delay = (ms: number): Promise<void> => new Promise((resolve) => {
    const entry = { timer: clock.setTimeout(() => { delays.delete(entry); resolve(); }, ms), resolve };
    delays.add(entry);
  });

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head));

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    const route = req.routeOptions.url ?? req.url.split('?')[0] ?? req.url;
    const { latency, errorRate } = knobs.forRoute(route);
    if (latency > 0) await delay(latency);
    if (errorRate > 0 && errorRandom() < errorRate) {
      return reply.code(500).send({ error: 'injected_error', message: `demo target: injected failure (error rate ${errorRate * 100}%)` });
    }
    return undefined;
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.requests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) logger.warn({ err }, 'demo target handler failed');
    return reply.code(status).send({ error: err.validation === undefined ? (err.code ?? 'error') : 'invalid_request', message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  registerApiRoutes(app, {
    clock, items, metrics, keySpace: config.keySpace,
    responses: createResponseCache(clock, RESPONSE_TTL_MS),
    random: seededRandom((options.seed ?? 1) + 1),
    leak: () => leak.stats(),
    ws: () => hub.stats(),
  });
  registerAdminRoutes(app, { knobs, leak });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  leak.setRate(config.leakPerSecond);
  knobs.onChange((k) => leak.setRate(k.leakPerSecond));

  await app.listen({ host: config.host, port: config.port });
  const { port } = app.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.debug({ url, knobs: knobs.get() }, 'demo target listening');

  let stopping: Promise<void> | undefined;
  return {
    url,
    wsUrl: `${url.replace(/^http/, 'ws')}${DEMO_WS_PATH}`,
    knobs: { get: () => knobs.get(), set: (partial) => knobs.set(partial) },
    stop(reason = 'stop') {
      stopping ??= (async () => {
        leak.stop();
        for (const d of delays) {
          d.timer.cancel();
          d.resolve();
        }
        delays.clear();
        await hub.close();
        await app.close();
        logger.info({ reason }, 'demo target stopped');
      })();
      return stopping;
    },
  };
}
