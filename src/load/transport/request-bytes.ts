/**
 * The bytes of a prepared request, serialised once and reused for every send: a VU sends the
 * same few requests over and over, so building them per send was measurable CPU at benchmark
 * rates.
 */
import type { Dispatcher } from 'undici';
import { TransportError } from './transport-error.js';

const UNSAFE = /[\r\n\0]/;
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);
const serialized = new WeakMap<Dispatcher.DispatchOptions, Buffer>();

/**
 * The request's bytes: request line, Host (`authority` unless the headers carry one), the given
 * headers, Content-Length and body. Cached per options object. Throws a `TransportError` coded
 * `UND_ERR_INVALID_ARG` for a header or path that would smuggle a CR/LF, or a body type it cannot
 * send.
 */
export function requestBytes(options: Dispatcher.DispatchOptions, authority: string): Buffer {
  let bytes = serialized.get(options);
  if (bytes === undefined) {
    bytes = serializeRequest(options, authority);
    serialized.set(options, bytes);
  }
  return bytes;
}

/** `requestBytes` without the cache, for a request sent once (a probe's, built per run). */
export function serializeRequest(options: Dispatcher.DispatchOptions, authority: string): Buffer {
  const method = options.method;
  if (UNSAFE.test(options.path) || options.path.includes(' ')) throw new TransportError('invalid request path', 'UND_ERR_INVALID_ARG');
  let text = `${method} ${options.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const headers = (options.headers ?? {}) as Record<string, string | string[] | undefined>;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    if (lower === 'host') hasHost = true;
    const v = headers[name];
    for (const value of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
      if (UNSAFE.test(name) || UNSAFE.test(value)) throw new TransportError(`invalid ${name} header`, 'UND_ERR_INVALID_ARG');
      text += `${name}: ${value}\r\n`;
    }
  }
  if (!hasHost) text += `host: ${authority}\r\n`;
  const b = options.body;
  const body = b === undefined || b === null ? undefined : typeof b === 'string' ? Buffer.from(b, 'utf8') : b instanceof Uint8Array ? b : undefined;
  if (b !== undefined && b !== null && body === undefined) throw new TransportError('unsupported body type', 'UND_ERR_INVALID_ARG');
  if (body !== undefined) text += `content-length: ${body.length}\r\n`;
  else if (EXPECTS_BODY.has(method)) text += 'content-length: 0\r\n';
  text += '\r\n';
  const headBytes = Buffer.from(text, 'latin1');
  return body === undefined || body.length === 0 ? headBytes : Buffer.concat([headBytes, body]);
}
