/** `GET /api/probes` and `GET /api/probes/:name/results`. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { isDuration, parseDuration } from '../core/units.js';
import { probeKind } from '../probe/probe-kinds.js';
import { createProbeBoard } from './probe-board.js';
import type { BoardQuery } from './probe-board.js';
import { sendError, unavailable } from './api-errors.js';
import type { RouteDeps } from './route-deps.js';
import { ErrorBody, NameParams, ProbesQuery, ProbesResponse, ResultsQuery, ResultsResponse } from './schemas.js';

const HOUR = 3_600_000;
/** Probes per page unless `limit` says otherwise. */
const DEFAULT_PAGE = 100;

/** A probe as the API lists it, before its results are attached. */
export interface ProbeInfo {
  name: string;
  kind: string;
  target: string;
}

/** Configured probes: from the probe service when present, else from config. */
export function listProbes(deps: RouteDeps): ProbeInfo[] {
  const svc = deps.probes();
  if (svc !== undefined) return svc.list();
  return deps.ctx.config.probes.map((p) => ({
    name: p.name,
    kind: p.type,
    target: p.target ?? safeOrigin(probeKind(p.type).address(p)),
  }));
}

/** `scheme://host:port` of an address, as runners name a probe's target when it has no named one. */
function safeOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return url;
  }
}

/** Parses `since`: epoch ms, ISO 8601, or a duration ago. Undefined when unparseable. */
export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined || text === '') return now - HOUR;
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (isDuration(text)) return now - parseDuration(text);
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** A page of `GET /api/probes`, also the status page's first paint: from the board, never a query per probe. */
export function probesPage(deps: RouteDeps, query: Partial<BoardQuery> = {}): Static<typeof ProbesResponse> {
  const full: BoardQuery = { offset: query.offset ?? 0, limit: query.limit ?? DEFAULT_PAGE, q: query.q, status: query.status, target: query.target };
  // Without the API module (a status page on its own) the probes are listed without figures.
  const board = deps.board() ?? createProbeBoard();
  const { total, entries } = board.page(listProbes(deps), full, deps.ctx.clock.now());
  return { probes: entries, total, offset: full.offset, limit: full.limit, historyAvailable: deps.history() !== undefined };
}

/** Registers the probe routes. */
export function registerProbeRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get<{ Querystring: Static<typeof ProbesQuery> }>('/api/probes', {
    preHandler: deps.read,
    schema: {
      tags: ['probes'],
      summary: 'A page of probes, failing first: last result, exact last-hour p95, success ratio, sparkline and heartbeat',
      querystring: ProbesQuery,
      response: { 200: ProbesResponse, 400: ErrorBody, 401: ErrorBody },
    },
  }, async (request) => probesPage(deps, request.query));

  app.get<{ Params: Static<typeof NameParams>; Querystring: Static<typeof ResultsQuery> }>('/api/probes/:name/results', {
    preHandler: deps.read,
    schema: {
      tags: ['probes'],
      summary: 'Stored results of one probe since a time',
      params: NameParams,
      querystring: ResultsQuery,
      response: { 200: ResultsResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const { name } = request.params;
    if (!listProbes(deps).some((p) => p.name === name)) return sendError(reply, 404, 'PW_ERR_NOT_FOUND', `no probe named "${name}"`);
    const history = deps.history();
    if (history === undefined) return unavailable(reply, 'probe history (storage)');
    const since = parseSince(request.query.since, deps.ctx.clock.now());
    if (since === undefined) {
      return sendError(reply, 400, 'PW_ERR_INVALID_ARGUMENT', `invalid querystring: since "${request.query.since ?? ''}" is not epoch milliseconds, an ISO 8601 time or a duration like "15m"`);
    }
    return { probe: name, since, results: history.probes.resultsSince(name, since, request.query.limit ?? 500) };
  });
}
