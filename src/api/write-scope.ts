/**
 * What every route that changes something shares, wherever its domain registers it (silences,
 * maintenance windows, acknowledgements, test notifications): the bearer token checked before
 * the body is parsed, a per-route rate limit, and an encapsulated scope with the API's error
 * shape. One place, so every write route answers alike.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { ApiConfig } from '../config/sections/api.js';
import { requireToken } from '../server/auth.js';
import { apiErrorHandler } from './api-errors.js';

/** The 429 of a write route, in the API's words. */
export function rateLimitError(_request: FastifyRequest, context: { max: number; after: string; statusCode: number }): Error {
  const err = new Error(`rate limit exceeded: at most ${context.max} changes per minute; retry in ${context.after}`) as Error & { statusCode: number };
  err.statusCode = context.statusCode;
  return err;
}

/**
 * A `preParsing` hook that requires the API token: after the rate limiter (onRequest), before the
 * body is parsed and validated, so an unauthorised caller learns nothing about the body's shape.
 */
export function writeGuard(api: ApiConfig): (request: FastifyRequest, reply: FastifyReply, payload: NodeJS.ReadableStream) => Promise<NodeJS.ReadableStream> {
  const token = requireToken(api);
  return async (request, reply, payload) => {
    await token(request, reply);
    return payload;
  };
}

/** The route config of a rate-limited write route. */
export function writeLimit(api: ApiConfig): { rateLimit: { max: number; timeWindow: number } } {
  return { rateLimit: { max: api.rateLimitPerMinute, timeWindow: 60_000 } };
}

/** Prepares an encapsulated scope for write routes: the rate limiter (unless the API registered one) and the API's error handler. */
export async function prepareWriteScope(scope: FastifyInstance): Promise<void> {
  if (!scope.hasDecorator('rateLimit')) await scope.register(rateLimit, { global: false, errorResponseBuilder: rateLimitError });
  scope.setErrorHandler(apiErrorHandler);
}
