/**
 * `POST /api/alerts/:alert/:subject/acknowledge`: a change alert says "p50 of trade rose x2.1";
 * once someone has looked, the new level is simply the baseline and the alert should resolve.
 * Same contract as the silence routes: bearer token checked before anything else, rate-limited,
 * errors in the API's `{ error, code, message }` shape.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { ApiConfig } from '../config/sections/api.js';
import { ErrorBody } from '../api/schemas.js';
import { prepareWriteScope, writeGuard, writeLimit } from '../api/write-scope.js';
import type { AlertService } from './alert-service.js';

const Params = Type.Object({ alert: Type.String({ minLength: 1, maxLength: 100 }), subject: Type.String({ minLength: 1, maxLength: 100 }) });

/** Registers the route in its own scope with the API's error handler. */
export function registerAcknowledgeRoute(app: FastifyInstance, alerts: AlertService, api: ApiConfig): void {
  const write = writeGuard(api);
  void app.register(async (scope) => {
    await prepareWriteScope(scope);
    scope.post<{ Params: Static<typeof Params> }>('/api/alerts/:alert/:subject/acknowledge', {
      preParsing: write,
      config: writeLimit(api),
      schema: {
        tags: ['alerts'], summary: 'Acknowledge the change a change alert fires about: the alert resolves at the next evaluation', security: [{ bearerAuth: [] }], params: Params,
        response: { 204: Type.Null({ description: 'acknowledged' }), 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    }, async (request, reply) => {
      alerts.acknowledge(request.params.alert, request.params.subject);
      return reply.code(204).send();
    });
  });
}
