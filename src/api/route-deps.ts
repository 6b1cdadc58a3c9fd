/** What every API route file is given: the daemon context, access checks and the rate limit. */
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { DaemonContext } from '../daemon/module.js';
import type { HistoryService } from '../history/history-service.js';
import { HISTORY_SERVICE } from '../history/history-service.js';
import { serviceWith } from './service-contracts.js';
import type { AlertsServiceLike, HealthServiceLike, LoadsServiceLike, ProbesServiceLike } from './service-contracts.js';
import type { ProbeBoard } from './probe-board.js';
import { PROBE_BOARD_SERVICE } from './probe-board.js';

/** Shared by the route files. Services are looked up per request: modules may register late. */
export interface RouteDeps {
  ctx: DaemonContext;
  /** preHandler for reads (open unless `api.readsOpen: false`). */
  read: preHandlerAsyncHookHandler;
  /** preHandler for mutations (bearer token). */
  write: preHandlerAsyncHookHandler;
  /** Route `config` enabling @fastify/rate-limit on a mutating route. */
  rateLimit: { rateLimit: { max: number; timeWindow: number } };
  history(): HistoryService | undefined;
  probes(): ProbesServiceLike | undefined;
  loads(): LoadsServiceLike | undefined;
  alerts(): AlertsServiceLike | undefined;
  /** The probes' last hour in memory (the API module's), behind `GET /api/probes` and the status page. */
  board(): ProbeBoard | undefined;
  health(): HealthServiceLike | undefined;
}

/** Builds the service lookups over `ctx.services`. */
export function serviceLookups(ctx: DaemonContext): Pick<RouteDeps, 'history' | 'probes' | 'loads' | 'alerts' | 'board' | 'health'> {
  return {
    history: () => serviceWith<HistoryService>(ctx.services, HISTORY_SERVICE, []),
    probes: () => serviceWith<ProbesServiceLike>(ctx.services, 'probes', ['list', 'last']),
    loads: () => serviceWith<LoadsServiceLike>(ctx.services, 'loads', ['list', 'trigger', 'abort']),
    alerts: () => serviceWith<AlertsServiceLike>(ctx.services, 'alerts', ['list']),
    board: () => serviceWith<ProbeBoard>(ctx.services, PROBE_BOARD_SERVICE, ['record', 'page']),
    health: () => serviceWith<HealthServiceLike>(ctx.services, 'health', ['snapshot']),
  };
}
