/**
 * What went wrong on the wire, as data. Every failure the transport reports carries a `code`
 * (Node's and OpenSSL's own, or undici's `UND_ERR_*` for what the lean connection detects
 * itself), and `transportErrorClass` maps each code to one class, so a failed TLS handshake is
 * counted as `tls` rather than lumped with resets or thrown at the daemon.
 */

/** Why a request got no response: the transport half of a load run's outcome classes. */
export type TransportErrorClass = 'timeout' | 'reset' | 'refused' | 'dns' | 'tls' | 'error';

/** A failure the transport detected itself, with an undici-compatible `code`. */
export class TransportError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'TransportError';
  }
}

/**
 * Certificate verification failures as Node reports them (OpenSSL's X509_V_ERR names without
 * the prefix). Handshake failures arrive as `ERR_SSL_*`, `ERR_TLS_*`, `ERR_OSSL_*` or `EPROTO`.
 */
const CERT_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE', 'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED',
  'INVALID_CA', 'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * The class of a transport failure, from its `code`. A superset of the load statistics'
 * `errorClass`: what it classifies lands in the same class here (a TLS handshake timeout stays a
 * `timeout`), and certificate and handshake failures are `tls` instead of `error`.
 */
export function transportErrorClass(err: { code?: unknown }): TransportErrorClass {
  const code = typeof err.code === 'string' ? err.code : '';
  if (code.includes('TIMEOUT') || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNREFUSED') return 'refused';
  if (RESET_CODES.has(code)) return 'reset';
  if (DNS_CODES.has(code)) return 'dns';
  if (CERT_CODES.has(code) || code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_OSSL_')) return 'tls';
  return 'error';
}
