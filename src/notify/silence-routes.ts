/**
 * `POST/GET/DELETE /api/silences`, held to the HTTP API's contract: every error is the API's
 * `{ error, code: 'PW_ERR_*', message }` (its error handler), mutations are rate-limited per route
 * at `api.rateLimitPerMinute` and need the bearer token, and reads follow `api.readsOpen`.
 * The token is checked before the body is even parsed, so an unauthenticated caller learns
 * nothing from validation messages (401, never 400); the rate limit runs before that, so
 * guessing tokens costs requests too.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { ApiConfig } from '../config/sections/api.js';
import { PwError, coerceError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { requireReadAccess } from '../server/auth.js';
import { ErrorBody } from '../api/schemas.js';
import { prepareWriteScope, writeGuard, writeLimit } from '../api/write-scope.js';
import type { AlertService } from '../alerts/alert-service.js';

const MatcherBody = Type.Object({
  name: Type.String({ minLength: 1 }),
  value: Type.String(),
  isRegex: Type.Optional(Type.Boolean()),
  isEqual: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const SilenceBody = Type.Object({
  matchers: Type.Array(MatcherBody, { minItems: 1 }),
  /** Either an end time (ISO 8601) or a duration from now ("2h"). */
  endsAt: Type.Optional(Type.String({ format: 'date-time' })),
  duration: Type.Optional(Type.String()),
  createdBy: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
}, { additionalProperties: false });

const SilenceResponse = Type.Object({
  id: Type.String(),
  matchers: Type.Array(MatcherBody),
  startsAt: Type.Integer({ description: 'epoch ms' }),
  endsAt: Type.Integer({ description: 'epoch ms' }),
  createdBy: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
  createdAt: Type.Integer({ description: 'epoch ms' }),
});

const ListQuery = Type.Object({
  all: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: expired silences too' })),
}, { additionalProperties: false });

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

const security = [{ bearerAuth: [] }];


/** The end of a new silence from its body; errors name the field. */
function endOf(body: Static<typeof SilenceBody>, now: number): number {
  if (body.endsAt !== undefined) return Date.parse(body.endsAt);
  if (body.duration === undefined) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: expected "endsAt" (ISO 8601) or "duration" (like "2h")');
  try {
    return now + parseDuration(body.duration);
  } catch (thrown) {
    throw new PwError('PW_ERR_INVALID_ARGUMENT', `invalid body: duration: ${coerceError(thrown).message}`);
  }
}

/**
 * Registers the silence routes on `app`, in their own encapsulated scope with the API's error
 * handler. Uses the @fastify/rate-limit the API module registered, or registers one for this scope.
 */
export function registerSilenceRoutes(app: FastifyInstance, alerts: AlertService, api: ApiConfig, now: () => number): void {
  const read = requireReadAccess(api);
  const write = writeGuard(api);
  const limit = writeLimit(api);
  void app.register(async (scope) => {
    await prepareWriteScope(scope);

    scope.get<{ Querystring: Static<typeof ListQuery> }>('/api/silences', {
      onRequest: read,
      schema: {
        tags: ['alerts'], summary: 'Active silences (all with ?all=true)', querystring: ListQuery,
        response: { 200: Type.Object({ silences: Type.Array(SilenceResponse) }), 400: ErrorBody, 401: ErrorBody },
      },
    }, async (request) => ({ silences: alerts.silences(request.query.all === 'true') }));

    scope.post<{ Body: Static<typeof SilenceBody> }>('/api/silences', {
      preParsing: write,
      config: limit,
      schema: {
        tags: ['alerts'], summary: 'Create a silence', security, body: SilenceBody,
        response: { 201: SilenceResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    }, async (request, reply) => {
      const body = request.body;
      const silence = alerts.createSilence({
        matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, ...(m.isRegex === undefined ? {} : { isRegex: m.isRegex }), ...(m.isEqual === undefined ? {} : { isEqual: m.isEqual }) })),
        endsAt: endOf(body, now()),
        ...(body.createdBy === undefined ? {} : { createdBy: body.createdBy }),
        ...(body.comment === undefined ? {} : { comment: body.comment }),
      });
      return reply.code(201).send(silence);
    });

    scope.delete<{ Params: Static<typeof IdParams> }>('/api/silences/:id', {
      preParsing: write,
      config: limit,
      schema: {
        tags: ['alerts'], summary: 'Expire a silence now', security, params: IdParams,
        response: { 204: Type.Null({ description: 'expired' }), 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    }, async (request, reply) => {
      alerts.expireSilence(request.params.id);
      return reply.code(204).send();
    });
  });
}
