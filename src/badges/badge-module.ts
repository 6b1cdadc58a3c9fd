/**
 * `GET /badge/:probe.svg`: a probe's status badge (up/down, p95 of the last hour, maintenance)
 * for a README or a wiki, like Uptime Kuma's. Reads follow `api.readsOpen`; the answer may be
 * cached for 60 s (an image proxy fetches it on every page view).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { DaemonModule } from '../daemon/module.js';
import { routeDeps } from '../api/api-module.js';
import type { MaintenanceService } from '../maintenance/maintenance-module.js';
import { badgeValue, renderBadge } from './badge-svg.js';
import type { BadgeFacts } from './badge-svg.js';

const Params = Type.Object({ probe: Type.String({ minLength: 1, maxLength: 200 }) });

/** The badge module; `maintenance` tells whether a window covers a probe. */
export function createBadgeModule(deps: { maintenance: () => MaintenanceService | undefined }): DaemonModule {
  return {
    name: 'badges',
    register(ctx) {
      const route = routeDeps(ctx);
      ctx.app.get<{ Params: Static<typeof Params> }>('/badge/:probe.svg', { onRequest: route.read, schema: { hide: true, params: Params } }, async (request, reply) => {
        const name = request.params.probe;
        const probe = ctx.config.probes.find((p) => p.name === name);
        reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'max-age=60');
        if (probe === undefined) return reply.code(404).send(renderBadge(name, 'unknown probe', '#9f9f9f'));
        const history = route.history();
        const last = route.probes()?.last().get(name) ?? history?.probes.lastResults().get(name);
        // The exact last-hour p95, from the probe board the API keeps (no database read per badge).
        const p95Ms = route.board()?.entries([{ name, kind: probe.type, target: probe.target ?? '' }], Date.now())[0]?.lastHour.p95Ms ?? undefined;
        const facts: BadgeFacts = {
          state: last === undefined ? 'unknown' : last.ok ? 'up' : 'down',
          ...(last?.ok === false && last.reason !== undefined ? { reason: last.reason } : {}),
          ...(p95Ms === undefined ? {} : { p95Ms }),
          maintenance: deps.maintenance()?.activeFor(name, probe.target ?? last?.target ?? '') !== undefined,
        };
        const { text, color } = badgeValue(facts);
        return reply.send(renderBadge(name, text, color));
      });
    },
  };
}
