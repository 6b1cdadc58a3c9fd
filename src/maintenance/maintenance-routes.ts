/**
 * `GET/POST /api/maintenance` and `DELETE /api/maintenance/:id`, held to the HTTP API's contract
 * like the silence routes: `{ error, code, message }` errors, the bearer token checked before
 * the body is parsed, mutations rate-limited at `api.rateLimitPerMinute`, reads per `api.readsOpen`.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { ApiConfig } from '../config/sections/api.js';
import { PwError, coerceError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { compileCron } from '../scheduler/cron-schedule.js';
import { requireReadAccess } from '../server/auth.js';
import { ErrorBody } from '../api/schemas.js';
import { prepareWriteScope, writeGuard, writeLimit } from '../api/write-scope.js';
import type { MaintenanceService } from './maintenance-module.js';
import type { MaintenanceSchedule } from './windows.js';

const Names = Type.Array(Type.String({ minLength: 1 }), { minItems: 1 });
const Select = Type.Object({ probes: Type.Optional(Names), targets: Type.Optional(Names), loads: Type.Optional(Names) }, { additionalProperties: false });

const WindowBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** One-off: start (default now) and end or duration. */
  startsAt: Type.Optional(Type.String({ format: 'date-time' })),
  endsAt: Type.Optional(Type.String({ format: 'date-time' })),
  /** Recurring: cron, with duration. */
  cron: Type.Optional(Type.String({ minLength: 1 })),
  duration: Type.Optional(Type.String({ description: 'like "30m"' })),
  select: Type.Optional(Select),
  comment: Type.Optional(Type.String({ maxLength: 500 })),
}, { additionalProperties: false });

const OccurrenceBody = Type.Object({ startsAt: Type.Number(), endsAt: Type.Number() });
const WindowResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
  schedule: Type.Union([
    Type.Object({ kind: Type.Literal('once'), startsAt: Type.Number(), endsAt: Type.Number() }),
    Type.Object({ kind: Type.Literal('recurring'), cron: Type.String(), durationMs: Type.Integer() }),
  ]),
  select: Select,
  comment: Type.Optional(Type.String()),
  active: Type.Union([OccurrenceBody, Type.Null()], { description: 'the occurrence in progress (epoch ms)' }),
  next: Type.Union([OccurrenceBody, Type.Null()], { description: 'the next occurrence (epoch ms)' }),
});

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const security = [{ bearerAuth: [] }];

function durationOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
  } catch (thrown) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid body: duration: ${coerceError(thrown).message}`);
  }
  throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: duration must be above 0');
}

/** The schedule a body describes; errors name the field. */
export function scheduleOf(body: Static<typeof WindowBody>, now: number): MaintenanceSchedule {
  const durationMs = durationOf(body.duration);
  if (body.cron !== undefined) {
    if (body.startsAt !== undefined || body.endsAt !== undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: a recurring window (cron) takes "duration", not startsAt/endsAt');
    if (durationMs === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: a recurring window (cron) needs "duration"');
    try {
      compileCron(body.cron);
    } catch (thrown) {
      throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid body: cron: ${coerceError(thrown).message}`);
    }
    return { kind: 'recurring', cron: body.cron, durationMs };
  }
  const startsAt = body.startsAt === undefined ? Math.floor(now) : Date.parse(body.startsAt);
  if ((body.endsAt === undefined) === (durationMs === undefined)) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: a one-off window needs exactly one of "endsAt" or "duration"');
  const endsAt = body.endsAt === undefined ? startsAt + (durationMs ?? 0) : Date.parse(body.endsAt);
  if (endsAt <= startsAt) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: endsAt must be after startsAt');
  return { kind: 'once', startsAt, endsAt };
}

/** Registers the maintenance routes in their own scope with the API's error handler. */
export function registerMaintenanceRoutes(app: FastifyInstance, maintenance: MaintenanceService, api: ApiConfig, now: () => number): void {
  const read = requireReadAccess(api);
  const write = writeGuard(api);
  const limit = writeLimit(api);
  void app.register(async (scope) => {
    await prepareWriteScope(scope);

    scope.get('/api/maintenance', {
      onRequest: read,
      schema: { tags: ['alerts'], summary: 'Maintenance windows (config and API), with the active and next occurrence', response: { 200: Type.Object({ windows: Type.Array(WindowResponse) }), 401: ErrorBody } },
    }, async () => ({ windows: maintenance.list() }));

    scope.post<{ Body: Static<typeof WindowBody> }>('/api/maintenance', {
      preParsing: write,
      config: limit,
      schema: { tags: ['alerts'], summary: 'Create a maintenance window (one-off or recurring)', security, body: WindowBody, response: { 201: WindowResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } },
    }, async (request, reply) => {
      const body = request.body;
      const created = maintenance.create({
        name: body.name,
        schedule: scheduleOf(body, now()),
        select: body.select ?? {},
        ...(body.comment === undefined ? {} : { comment: body.comment }),
      });
      return reply.code(201).send(created);
    });

    scope.delete<{ Params: Static<typeof IdParams> }>('/api/maintenance/:id', {
      preParsing: write,
      config: limit,
      schema: { tags: ['alerts'], summary: 'End and remove a maintenance window created through the API', security, params: IdParams, response: { 204: Type.Null({ description: 'removed' }), 401: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody } },
    }, async (request, reply) => {
      maintenance.remove(request.params.id);
      return reply.code(204).send();
    });
  });
}
