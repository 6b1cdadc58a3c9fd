import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transportErrorClass } from '../../src/load/transport/transport-error.js';
import type { TransportErrorClass } from '../../src/load/transport/transport-error.js';

test('transportErrorClass: every failure code lands in one class, TLS failures in tls', () => {
  const table: Record<TransportErrorClass, string[]> = {
    timeout: ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ERR_TLS_HANDSHAKE_TIMEOUT'],
    refused: ['ECONNREFUSED'],
    reset: ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'],
    dns: ['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME'],
    tls: [
      'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
      'CERT_NOT_YET_VALID', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER',
      'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL', 'ERR_OSSL_EVP_UNSUPPORTED', 'EPROTO',
    ],
    error: ['UND_ERR_DESTROYED', 'UND_ERR_INVALID_ARG', 'HPE_INVALID_CONSTANT', 'ERR_SOCKET_BAD_PORT', 'EHOSTUNREACH', ''],
  };
  for (const [cls, codes] of Object.entries(table)) {
    for (const code of codes) assert.equal(transportErrorClass({ code }), cls, code);
  }
  assert.equal(transportErrorClass({}), 'error');
  assert.equal(transportErrorClass({ code: 42 }), 'error');
});
