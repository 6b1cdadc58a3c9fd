/**
 * `POST /api/notifications/test`: sends a test message through every channel (or `channel`) and
 * answers with each outcome. It sends real messages, so it needs the token and is rate-limited
 * like every change.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PwError } from '../core/errors.js';
import type { ApiConfig } from '../config/sections/api.js';
import { ErrorBody } from '../api/schemas.js';
import { prepareWriteScope, writeGuard, writeLimit } from '../api/write-scope.js';
import type { TestOutcome } from './test-notification.js';

/** The optional body: `{ "channel": "mail" }` for one channel. */
const TestBody = Type.Object({
  channel: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'only this channel (default: every channel)' })),
}, { additionalProperties: false });

const TestResponse = Type.Object({
  results: Type.Array(Type.Object({
    channel: Type.String(),
    type: Type.String(),
    ok: Type.Boolean(),
    ms: Type.Integer({ description: 'how long the send took' }),
    error: Type.Optional(Type.String()),
  })),
});

/** Registers the route; `send` is the alert engine's test sender. */
export function registerNotifyTestRoute(app: FastifyInstance, send: (channel?: string) => Promise<TestOutcome[]>, api: ApiConfig): void {
  const write = writeGuard(api);
  void app.register(async (scope) => {
    await prepareWriteScope(scope);
    scope.post<{ Body: unknown }>('/api/notifications/test', {
      preParsing: write,
      config: writeLimit(api),
      schema: {
        tags: ['alerts'], summary: 'Send a test notification through every channel (or one)', security: [{ bearerAuth: [] }],
        response: { 200: TestResponse, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    }, async (request) => {
      // Checked here rather than by a body schema: fastify rejects a missing body against one, and "no body" means every channel.
      const body = request.body ?? {};
      if (!Value.Check(TestBody, body)) throw new PwError('PW_ERR_INVALID_ARGUMENT', 'invalid body: expected nothing, or { "channel": "<name>" }');
      return { results: await send(body.channel) };
    });
  });
}
