/** `POST/GET/DELETE /api/silences`: mutations need the bearer token, reads follow `api.readsOpen`. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { ApiConfig } from '../config/sections/api.js';
import { PwError, coerceError, hasCode } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { requireReadAccess, requireToken } from '../server/auth.js';
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

function fail(reply: FastifyReply, thrown: unknown): FastifyReply {
  const err = coerceError(thrown);
  const status = hasCode(err, 'PW_ERR_NOT_FOUND') ? 404 : hasCode(err, 'PW_ERR_INVALID_ARGUMENT') || hasCode(err, 'PW_ERR_DURATION') ? 400 : 500;
  const code = status === 500 ? 'PW_ERR_INTERNAL' : (err.code ?? 'PW_ERR_INTERNAL');
  return reply.code(status).send({ error: status === 404 ? 'not_found' : status === 400 ? 'bad_request' : 'internal', code, message: err.message });
}

/** Registers the silence routes on `app`. */
export function registerSilenceRoutes(app: FastifyInstance, alerts: AlertService, api: ApiConfig, now: () => number): void {
  app.get('/api/silences', { preHandler: requireReadAccess(api), schema: { tags: ['alerts'], summary: 'Active silences (all with ?all=true)' } }, async (request) => {
    const all = (request.query as { all?: string }).all === 'true';
    return { silences: alerts.silences(all) };
  });
  app.post('/api/silences', { preHandler: requireToken(api), schema: { tags: ['alerts'], summary: 'Create a silence', body: SilenceBody } }, async (request, reply) => {
    const body = request.body as Static<typeof SilenceBody>;
    try {
      let endsAt: number;
      if (body.endsAt !== undefined) endsAt = Date.parse(body.endsAt);
      else if (body.duration !== undefined) endsAt = now() + parseDuration(body.duration);
      else throw new PwError('PW_ERR_INVALID_ARGUMENT', 'expected "endsAt" or "duration"');
      const silence = alerts.createSilence({
        matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, ...(m.isRegex === undefined ? {} : { isRegex: m.isRegex }), ...(m.isEqual === undefined ? {} : { isEqual: m.isEqual }) })),
        endsAt,
        ...(body.createdBy === undefined ? {} : { createdBy: body.createdBy }),
        ...(body.comment === undefined ? {} : { comment: body.comment }),
      });
      return await reply.code(201).send(silence);
    } catch (thrown) {
      return fail(reply, thrown);
    }
  });
  app.delete('/api/silences/:id', { preHandler: requireToken(api), schema: { tags: ['alerts'], summary: 'Expire a silence now' } }, async (request, reply) => {
    try {
      alerts.expireSilence((request.params as { id: string }).id);
      return await reply.code(204).send();
    } catch (thrown) {
      return fail(reply, thrown);
    }
  });
}
