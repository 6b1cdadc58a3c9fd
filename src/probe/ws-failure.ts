/**
 * Maps what the `ws` client and Node's sockets throw to perfwarden's stable failure reasons.
 * `ws` reports handshake problems as plain `Error`s with fixed messages, and socket problems
 * with Node's `code`s, so both are inspected.
 */
import type { FailureReason } from './types.js';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'CERT_UNTRUSTED', 'CERT_REVOKED',
]);

/** The failure reason for an error raised while connecting or talking to a WebSocket server. */
export function classifyWsError(err: Error & { code?: string }): FailureReason {
  const code = err.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_NODATA') return 'dns';
  if (code === 'ECONNREFUSED') return 'connect_refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return 'reset';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'tls';
  const message = err.message;
  if (message.startsWith('Opening handshake has timed out')) return 'timeout';
  if (message === 'socket hang up') return 'reset';
  if (/^(Invalid Upgrade header|Invalid Sec-WebSocket-Accept header|Server sent|Unexpected server response|Maximum redirects)/.test(message)) {
    return 'handshake_rejected';
  }
  return 'error';
}
