/**
 * The HTTP API as a daemon module: OpenAPI (at /docs), the rate limiter (mutating routes
 * only), and the probe, run, load, alert and target routes in one encapsulated plugin with its own
 * error handler, so other modules' routes keep the server's defaults. Register this module
 * before other modules that add documented routes: @fastify/swagger only sees routes added
 * after it.
 */
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import rateLimit from '@fastify/rate-limit';
import type { DaemonContext, DaemonModule } from '../daemon/module.js';
import { requireReadAccess, requireToken } from '../server/auth.js';
import { apiErrorHandler } from './api-errors.js';
import { registerAlertRoutes } from './alert-routes.js';
import { registerProbeRoutes } from './probe-routes.js';
import { registerRunRoutes } from './run-routes.js';
import { registerTargetRoutes } from './target-routes.js';
import { serviceLookups } from './route-deps.js';
import { createProbeBoard, PROBE_BOARD_SERVICE } from './probe-board.js';
import { coerceError } from '../core/errors.js';
import type { RouteDeps } from './route-deps.js';

/** Options of {@link createApiModule}. */
export interface ApiModuleOptions {
  /** Serve the OpenAPI document and Swagger UI at /docs (default true). */
  docs?: boolean;
}

/** Builds the route dependencies for a context (exported for the status page). */
export function routeDeps(ctx: DaemonContext): RouteDeps {
  return {
    ctx,
    read: requireReadAccess(ctx.config.api),
    write: requireToken(ctx.config.api),
    rateLimit: { rateLimit: { max: ctx.config.api.rateLimitPerMinute, timeWindow: 60_000 } },
    ...serviceLookups(ctx),
  };
}

/** Registers the documentation and rate-limit plugins and the API routes on `app`. */
export async function registerApi(app: FastifyInstance, ctx: DaemonContext, options: ApiModuleOptions = {}): Promise<void> {
  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'perfwarden API',
          version: '1',
          description: 'Probes, load runs, reports, baselines and alerts. Reads are open unless `api.readsOpen: false`; '
            + 'changes need `Authorization: Bearer <api.token>`. Every error is `{ error, code, message }`.',
        },
        components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
        tags: [{ name: 'probes' }, { name: 'loads' }, { name: 'runs' }, { name: 'alerts' }, { name: 'targets' }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  }
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const err = new Error(`rate limit exceeded: at most ${context.max} changes per minute; retry in ${context.after}`) as Error & { statusCode: number };
      err.statusCode = context.statusCode;
      return err;
    },
  });
  const deps = routeDeps(ctx);
  await app.register(async (api) => {
    api.setErrorHandler(apiErrorHandler);
    registerProbeRoutes(api, deps);
    registerRunRoutes(api, deps);
    registerAlertRoutes(api, deps);
    registerTargetRoutes(api, deps);
  });
}

/**
 * The API module: add it to `createDaemon`'s module list before modules that add routes. It
 * keeps the probe board (the probes' last hour in memory) from the probe results, and fills in
 * the hour before start from history in the background.
 */
export function createApiModule(options: ApiModuleOptions = {}): DaemonModule {
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  let startedAt = 0;
  let ctxRef: DaemonContext | undefined;
  return {
    name: 'api',
    async register(ctx) {
      ctxRef = ctx;
      startedAt = ctx.clock.now();
      const board = createProbeBoard();
      ctx.services.set(PROBE_BOARD_SERVICE, board);
      unsubscribe = ctx.events.on('probe:result', (r) => board.record(r));
      await registerApi(ctx.app, ctx, options);
    },
    start() {
      const ctx = ctxRef;
      if (ctx === undefined) return;
      const deps = serviceLookups(ctx);
      const history = deps.history();
      const board = deps.board();
      if (history === undefined || board === undefined) return;
      // A daemon stopped before the seed ran has closed the database: nothing to say then.
      void board.seed(history.probes, startedAt).catch((thrown: unknown) => {
        if (!stopped) ctx.logger.warn({ err: coerceError(thrown) }, 'api: cannot read the last hour from history');
      });
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      unsubscribe = undefined;
    },
  };
}
