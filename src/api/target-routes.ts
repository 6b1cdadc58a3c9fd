/** `GET /api/targets`: each configured target's memory, leak verdict (slope, interval, GC cycles), CPU and cache hit ratio. */
import type { FastifyInstance } from 'fastify';
import { targetHealthView, unwatchedView } from '../health/target-health-view.js';
import type { TargetHealthView } from '../health/target-health-view.js';
import type { RouteDeps } from './route-deps.js';
import { ErrorBody, TargetsResponse } from './schemas.js';

/** Every configured target, in config order; those without `resources` are listed as not watched. */
export function targetsSnapshot(deps: RouteDeps): TargetHealthView[] {
  const watched = new Map((deps.health()?.snapshot() ?? []).map((h) => [h.target, targetHealthView(h)]));
  return deps.ctx.config.targets.map((t) => watched.get(t.name) ?? unwatchedView(t.name));
}

/** Registers the target routes. */
export function registerTargetRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/targets', {
    preHandler: deps.read,
    schema: {
      tags: ['targets'],
      summary: 'Every target\'s health: memory, leak verdict with slope, interval and GC cycles, CPU, cache hit ratio',
      response: { 200: TargetsResponse, 401: ErrorBody },
    },
  }, async () => ({ targets: targetsSnapshot(deps) }));
}
