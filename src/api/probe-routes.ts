/** `GET /api/probes` and `GET /api/probes/:name/results`. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { isDuration, parseDuration } from '../core/units.js';
import type { ProbeResult } from '../probe/types.js';
import { probeKind } from '../probe/probe-kinds.js';
import type { ProbeSummary } from '../history/probe-history.js';
import { sendError, unavailable } from './api-errors.js';
import type { RouteDeps } from './route-deps.js';
import { ErrorBody, NameParams, ProbesResponse, ResultsQuery, ResultsResponse } from './schemas.js';

const HOUR = 3_600_000;

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

/** The `GET /api/probes` body, also the status page's first paint. */
export function probesSnapshot(deps: RouteDeps): Static<typeof ProbesResponse> {
  const history = deps.history();
  const now = deps.ctx.clock.now();
  const inMemory = deps.probes()?.last();
  const stored = history?.probes.lastResults();
  const summaries: Map<string, ProbeSummary> = history?.probes.summaries(HOUR) ?? new Map<string, ProbeSummary>();
  const probes = listProbes(deps).map((p) => {
    const last: ProbeResult | undefined = inMemory?.get(p.name) ?? stored?.get(p.name);
    const s = summaries.get(p.name);
    const spark = history?.probes.points(p.name, now - HOUR, 2000) ?? [];
    return {
      ...p,
      lastResult: last ?? null,
      lastHour: { count: s?.count ?? 0, successRatio: s?.successRatio ?? null, p95Ms: s?.p95Ms ?? null },
      sparkline: spark,
    };
  });
  return { probes, historyAvailable: history !== undefined };
}

/** Registers the probe routes. */
export function registerProbeRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/probes', {
    preHandler: deps.read,
    schema: {
      tags: ['probes'],
      summary: 'Every probe with its last result, last-hour p95 and success ratio, and a sparkline',
      response: { 200: ProbesResponse, 401: ErrorBody },
    },
  }, async () => probesSnapshot(deps));

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
    return { probe: name, since, results: history.probes.resultsSince(name, since, request.query.limit ?? 1000) };
  });
}
