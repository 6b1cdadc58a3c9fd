/**
 * Every API error is `{ error, code, message }` with a stable `PW_ERR_*` code: PwErrors map to
 * their HTTP status, schema failures to 400, the rate limiter to 429, a missing service to 503.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { coerceError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  PW_ERR_INVALID_ARGUMENT: 400,
  PW_ERR_UNAUTHORIZED: 401,
  PW_ERR_NOT_FOUND: 404,
  PW_ERR_CONFLICT: 409,
  PW_ERR_RATE_LIMITED: 429,
  PW_ERR_UNAVAILABLE: 503,
  PW_ERR_STOPPED: 503,
};

const KIND: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 404: 'not_found', 409: 'conflict', 429: 'too_many_requests', 500: 'internal', 503: 'unavailable',
};

/** Sends an error answer. */
export function sendError(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ error: KIND[status] ?? 'error', code, message });
}

/** 503 for a service that is not registered in this daemon. */
export function unavailable(reply: FastifyReply, what: string): FastifyReply {
  return sendError(reply, 503, 'PW_ERR_UNAVAILABLE', `${what} is not available in this daemon`);
}

/** Fastify error handler of the API's routes. */
export function apiErrorHandler(thrown: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const err = coerceError(thrown) as Error & { code?: string; statusCode?: number; validation?: unknown; validationContext?: string };
  if (err.validation !== undefined) {
    return sendError(reply, 400, 'PW_ERR_INVALID_ARGUMENT', `invalid ${err.validationContext ?? 'request'}: ${err.message.replace(/^(params|querystring|body|headers)\/?/, '').trim() || err.message}`);
  }
  const mapped = err.code === undefined ? undefined : STATUS[err.code as ErrorCode];
  if (mapped !== undefined) return sendError(reply, mapped, err.code as ErrorCode, err.message);
  if (err.statusCode === 429) return sendError(reply, 429, 'PW_ERR_RATE_LIMITED', err.message);
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return sendError(reply, err.statusCode, 'PW_ERR_INVALID_ARGUMENT', err.message);
  }
  request.log.error({ err }, 'api: unexpected error');
  return sendError(reply, 500, 'PW_ERR_INTERNAL', 'internal error (see the daemon log)');
}
