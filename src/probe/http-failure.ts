/**
 * Maps what went wrong in an HTTP probe run to a stable failure reason. The error's code decides
 * first (walking `cause`, since HTTP clients and fetch wrap socket errors); where the code is vague, the
 * set-up step the run stopped in decides (an error during the TLS handshake is a TLS failure).
 */
import type { FailureReason } from './types.js';

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'EAI_ADDRFAMILY']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE']);
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_REVOKED', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH',
  'EPROTO',
]);

/** What is known about a failed run besides the error. */
export interface FailureContext {
  /** Our own whole-request timer fired. */
  timedOut: boolean;
  /** The set-up step the latest connection stopped in, if it stopped before being ready. */
  setupStep: 'dns' | 'connect' | 'tls' | undefined;
}

/** Every `code` along the error's `cause` chain (a few levels at most). */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code.includes('CERT');
}

/** The stable reason for an error thrown while requesting or reading the body. */
export function classifyFailure(err: unknown, ctx: FailureContext): FailureReason {
  if (ctx.timedOut) return 'timeout';
  const codes = errorCodes(err);
  if (codes.some((c) => DNS_CODES.has(c)) || ctx.setupStep === 'dns') return 'dns';
  if (codes.includes('ECONNREFUSED')) return 'connect_refused';
  if (codes.some((c) => TIMEOUT_CODES.has(c))) return 'timeout';
  if (codes.some(isTlsCode) || ctx.setupStep === 'tls') return 'tls';
  if (codes.some((c) => RESET_CODES.has(c))) return 'reset';
  return 'error';
}

/** A one-line message: the innermost useful message with its code. */
export function failureMessage(err: unknown): string {
  const codes = errorCodes(err);
  const messages: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current.message !== '' && !messages.includes(current.message)) messages.push(current.message);
    current = current.cause;
  }
  const text = messages.join(': ') || String(err);
  const code = codes[0];
  return code !== undefined && !text.includes(code) ? `${code}: ${text}` : text;
}
