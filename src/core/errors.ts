/**
 * The one catalogue of perfwarden's error codes. Tests assert `err.code`, never message text.
 * A target's failure is data (a probe result with a `reason`), not one of these: these are for
 * bad configuration, bad input and programmer mistakes.
 */

/** Every stable error code perfwarden throws. */
export const ErrorCodes = {
  PW_ERR_CONFIG_INVALID: 'PW_ERR_CONFIG_INVALID',
  PW_ERR_CONFIG_READ: 'PW_ERR_CONFIG_READ',
  PW_ERR_CONFIG_ENV: 'PW_ERR_CONFIG_ENV',
  PW_ERR_INVALID_ARGUMENT: 'PW_ERR_INVALID_ARGUMENT',
  PW_ERR_DURATION: 'PW_ERR_DURATION',
  PW_ERR_SIZE: 'PW_ERR_SIZE',
  PW_ERR_PERCENT: 'PW_ERR_PERCENT',
  PW_ERR_CRON: 'PW_ERR_CRON',
  PW_ERR_JSON_PATH: 'PW_ERR_JSON_PATH',
  PW_ERR_THRESHOLD: 'PW_ERR_THRESHOLD',
  PW_ERR_NOT_FOUND: 'PW_ERR_NOT_FOUND',
  PW_ERR_CONFLICT: 'PW_ERR_CONFLICT',
  PW_ERR_UNAUTHORIZED: 'PW_ERR_UNAUTHORIZED',
  PW_ERR_STORAGE: 'PW_ERR_STORAGE',
  PW_ERR_STOPPED: 'PW_ERR_STOPPED',
  PW_ERR_INTERNAL: 'PW_ERR_INTERNAL',
  PW_ERR_UNAVAILABLE: 'PW_ERR_UNAVAILABLE',
  PW_ERR_RATE_LIMITED: 'PW_ERR_RATE_LIMITED',
} as const;

/** A stable error code. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error with a stable `code` and optional structured details. */
export class PwError extends Error {
  /** The stable code. */
  readonly code: ErrorCode;
  /** Structured details (for example, every config problem), safe to serialise. */
  readonly details: readonly unknown[] | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly unknown[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PwError';
    this.code = code;
    this.details = options.details;
  }
}

/** Normalises anything thrown into an `Error`; use in every `catch`. */
export function coerceError(thrown: unknown): Error & { code?: string } {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

/** True when `err` carries the given stable code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
