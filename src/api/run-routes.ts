/** Loads and runs: list, fetch, reports, trigger, abort, pin a baseline. */
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { sendError, unavailable } from './api-errors.js';
import type { RouteDeps } from './route-deps.js';
import {
  AbortBody, AbortResponse, BaselineResponse, ErrorBody, LoadsResponse, NameParams, RunIdParams, RunResponse, RunsQuery, RunsResponse, TriggerResponse,
} from './schemas.js';

const security = [{ bearerAuth: [] }];

/** URL of a run's HTML report. */
export function reportUrl(runId: string): string {
  return `/api/runs/${encodeURIComponent(runId)}/report.html`;
}

/** Registers the load and run routes. */
export function registerRunRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get('/api/loads', {
    preHandler: deps.read,
    schema: { tags: ['loads'], summary: 'Configured loads', response: { 200: LoadsResponse, 401: ErrorBody, 503: ErrorBody } },
  }, async (_request, reply) => {
    const loads = deps.loads();
    if (loads === undefined) return unavailable(reply, 'the load engine (service "loads")');
    return { loads: loads.list() };
  });

  app.get<{ Querystring: Static<typeof RunsQuery> }>('/api/runs', {
    preHandler: deps.read,
    schema: { tags: ['runs'], summary: 'Recent load runs, newest first', querystring: RunsQuery, response: { 200: RunsResponse, 400: ErrorBody, 401: ErrorBody, 503: ErrorBody } },
  }, async (request, reply) => {
    const history = deps.history();
    if (history === undefined) return unavailable(reply, 'run history (storage)');
    const runs = history.runs.list({ limit: request.query.limit ?? 50, ...(request.query.load === undefined ? {} : { load: request.query.load }) });
    return { runs: runs.map((r) => ({ ...r, reportUrl: reportUrl(r.id) })) };
  });

  app.get<{ Params: Static<typeof RunIdParams> }>('/api/runs/:id', {
    preHandler: deps.read,
    schema: { tags: ['runs'], summary: 'One run with its full result JSON', params: RunIdParams, response: { 200: RunResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody } },
  }, async (request, reply) => {
    const history = deps.history();
    if (history === undefined) return unavailable(reply, 'run history (storage)');
    const run = history.runs.get(request.params.id);
    if (run === undefined) return sendError(reply, 404, 'PW_ERR_NOT_FOUND', `no run with id "${request.params.id}"`);
    return run;
  });

  for (const [suffix, format, type] of [['report.html', 'html', 'text/html; charset=utf-8'], ['report.md', 'markdown', 'text/markdown; charset=utf-8']] as const) {
    app.get<{ Params: Static<typeof RunIdParams> }>(`/api/runs/:id/${suffix}`, {
      preHandler: deps.read,
      schema: {
        tags: ['runs'],
        summary: `The run's ${format === 'html' ? 'self-contained HTML' : 'Markdown'} report`,
        params: RunIdParams,
        produces: [type.split(';')[0] ?? type],
        response: { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 503: ErrorBody },
      },
    }, async (request, reply) => {
      const history = deps.history();
      if (history === undefined) return unavailable(reply, 'run history (storage)');
      const body = history.runs.report(request.params.id, format);
      if (body === undefined) {
        const exists = history.runs.get(request.params.id) !== undefined;
        return sendError(reply, 404, 'PW_ERR_NOT_FOUND', exists ? `run "${request.params.id}" has no ${format} report (yet)` : `no run with id "${request.params.id}"`);
      }
      return reply.type(type).send(body);
    });
  }

  app.post<{ Params: Static<typeof NameParams> }>('/api/loads/:name/run', {
    preHandler: deps.write,
    config: deps.rateLimit,
    schema: {
      tags: ['loads'], summary: 'Start a run of a configured load now', security, params: NameParams,
      response: { 202: TriggerResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const loads = deps.loads();
    if (loads === undefined) return unavailable(reply, 'the load engine (service "loads")');
    const { runId } = await loads.trigger(request.params.name);
    deps.ctx.logger.info({ load: request.params.name, runId, ip: request.ip }, 'api: load run triggered');
    return reply.code(202).send({ runId, runUrl: `/api/runs/${encodeURIComponent(runId)}`, reportUrl: reportUrl(runId) });
  });

  app.post<{ Params: Static<typeof RunIdParams>; Body: Static<typeof AbortBody> }>('/api/runs/:id/abort', {
    preHandler: deps.write,
    config: deps.rateLimit,
    schema: {
      tags: ['runs'], summary: 'Stop a running run (its partial result is kept)', security, params: RunIdParams, body: AbortBody,
      response: { 200: AbortResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const loads = deps.loads();
    if (loads === undefined) return unavailable(reply, 'the load engine (service "loads")');
    const id = request.params.id;
    const aborted = await loads.abort(id, request.body?.reason ?? 'aborted through the API');
    if (!aborted) {
      const known = deps.history()?.runs.get(id);
      return known === undefined
        ? sendError(reply, 404, 'PW_ERR_NOT_FOUND', `no running run with id "${id}"`)
        : sendError(reply, 409, 'PW_ERR_CONFLICT', `run "${id}" is not running (status ${known.status})`);
    }
    return { runId: id, aborted: true };
  });

  app.put<{ Params: Static<typeof RunIdParams> }>('/api/runs/:id/baseline', {
    preHandler: deps.write,
    config: deps.rateLimit,
    schema: {
      tags: ['runs'], summary: "Pin a finished run as its load's baseline for regression detection", security, params: RunIdParams,
      response: { 200: BaselineResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody, 503: ErrorBody },
    },
  }, async (request, reply) => {
    const history = deps.history();
    if (history === undefined) return unavailable(reply, 'run history (storage)');
    // unknown run → PW_ERR_NOT_FOUND (404), running run → PW_ERR_CONFLICT (409), via the error handler
    const run = history.runs.pinBaseline(request.params.id, deps.ctx.clock.now());
    return { load: run.load, runId: run.id };
  });
}
