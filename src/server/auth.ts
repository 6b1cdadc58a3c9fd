/**
 * Bearer-token checks for the HTTP API. Compared in constant time; a missing or wrong token is
 * a 401 with a JSON error, and a daemon without a configured token refuses every mutation.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiConfig } from '../config/sections/api.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** True when `header` is `Bearer <token>` for the configured token (constant time). */
export function tokenMatches(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined || header === undefined) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (m === null) return false;
  return timingSafeEqual(digest(m[1] ?? ''), digest(token));
}

/** A fastify `preHandler` that requires the token. */
export function requireToken(api: ApiConfig) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (tokenMatches(request.headers.authorization, api.token)) return;
    const message = api.token === undefined
      ? 'this daemon has no api.token configured, so changes through the API are disabled'
      : 'missing or wrong bearer token (Authorization: Bearer <token>)';
    await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', code: 'PW_ERR_UNAUTHORIZED', message });
  };
}

/** A `preHandler` for reads: open unless `api.readsOpen` is false. */
export function requireReadAccess(api: ApiConfig) {
  const check = requireToken(api);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!api.readsOpen) await check(request, reply);
  };
}
