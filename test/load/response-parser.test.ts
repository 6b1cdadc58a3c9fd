/**
 * The response parser on its own: every framing, fed whole and split at every byte, so a head,
 * a chunk-size line or a body that spans reads parses exactly as one that does not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseParser } from '../../src/load/transport/response-parser.js';

interface Heard {
  status?: number;
  close?: boolean;
  body: string;
  end?: boolean;
  rest?: boolean;
  error?: string;
}

/** Feeds `text` in pieces of `step` bytes (0: whole) through a reused buffer, as the connection does. */
function parse(text: string, step = 0, opts: { noBody?: boolean; wantBody?: boolean } = {}): Heard {
  const heard: Heard = { body: '' };
  const p = new ResponseParser({
    onHead: (status, close) => { heard.status = status; heard.close = close; return true; },
    onBody: (chunk) => { heard.body += chunk.toString('latin1'); },
    onEnd: (rest) => { heard.end = true; heard.rest = rest; },
    onError: (err) => { heard.error = err.code; },
  });
  p.expect(opts.noBody ?? false, opts.wantBody ?? true);
  const all = Buffer.from(text, 'latin1');
  const reused = Buffer.alloc(all.length);
  const n = step === 0 ? all.length : step;
  for (let at = 0; at < all.length && heard.end === undefined && heard.error === undefined; at += n) {
    const len = all.copy(reused, 0, at, Math.min(all.length, at + n));
    p.feed(reused, 0, len);
    reused.fill(0x7e); // the buffer is reused: nothing may point into it after the call
  }
  return heard;
}

const CASES: { name: string; text: string; want: Heard; opts?: { noBody?: boolean; wantBody?: boolean }; wholeOnly?: boolean }[] = [
  { name: 'content-length', text: 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello', want: { status: 200, close: false, body: 'hello', end: true, rest: false } },
  { name: 'names and values in any case, spaces around values', text: 'HTTP/1.1 201 Created\r\ncOnTeNt-LeNgTh:\t 3 \r\nCONNECTION:  Close\r\n\r\nabc', want: { status: 201, close: true, body: 'abc', end: true, rest: false } },
  { name: 'chunked with extensions and trailers', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nabc\r\nA;x=y\r\n0123456789\r\n0\r\nx-t: 1\r\n\r\n', want: { status: 200, close: false, body: 'abc0123456789', end: true, rest: false } },
  { name: '100 Continue, then the response', text: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n', want: { status: 204, close: false, body: '', end: true, rest: false } },
  { name: 'HTTP/1.0 closes unless kept alive', text: 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok', want: { status: 200, close: true, body: 'ok', end: true, rest: false } },
  { name: 'HTTP/1.0 keep-alive', text: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\ncontent-length: 2\r\n\r\nok', want: { status: 200, close: false, body: 'ok', end: true, rest: false } },
  { name: 'bare LF line ends', text: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', want: { status: 200, close: false, body: 'ok', end: true, rest: false } },
  { name: 'bytes after the response', text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP', want: { status: 200, close: false, body: 'ok', end: true, rest: true }, wholeOnly: true },
  { name: 'HEAD: a length but no body', text: 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n', want: { status: 200, close: false, body: '', end: true, rest: false }, opts: { noBody: true } },
  { name: 'no length: the body runs until close', text: 'HTTP/1.1 200 OK\r\nContent-Length: x1\r\n\r\nuntil close', want: { status: 200, close: false, body: 'until close' } },
  { name: 'a body nobody wants is skipped', text: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', want: { status: 200, close: false, body: '', end: true, rest: false }, opts: { wantBody: false } },
  { name: 'not HTTP', text: 'SSH-2.0-OpenSSH_9.6\r\n\r\n', want: { body: '', error: 'HPE_INVALID_CONSTANT' } },
  { name: 'a status that is not three digits', text: 'HTTP/1.1 2x0 OK\r\n\r\n', want: { body: '', error: 'HPE_INVALID_CONSTANT' } },
  { name: 'a bad chunk size', text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', want: { status: 200, close: false, body: '', error: 'HPE_INVALID_CHUNK_SIZE' } },
];

test('every framing parses the same whole and split at every byte', () => {
  for (const c of CASES) {
    // Bytes after a response are seen as such only in the same read (split, they arrive unasked).
    for (const step of c.wholeOnly === true ? [0] : [0, 1, 2, 3, 7]) {
      assert.deepEqual(parse(c.text, step, c.opts), c.want, `${c.name}, pieces of ${step || 'all'}`);
    }
  }
});

test('a head larger than 64 KiB is refused, whole or split', () => {
  const big = `HTTP/1.1 200 OK\r\n${'x-pad: '.padEnd(1000, 'a')}\r\n`.repeat(70);
  assert.equal(parse(big).error, 'UND_ERR_HEADERS_OVERFLOW');
  assert.equal(parse(big, 4096).error, 'UND_ERR_HEADERS_OVERFLOW');
});

test('a head identical to the last one is framed as that one was; a changed one is read again', () => {
  const bodies: string[] = [];
  let body = '';
  const p = new ResponseParser({
    onHead: () => true,
    onBody: (chunk) => { body += chunk.toString('latin1'); },
    onEnd: () => { bodies.push(body); body = ''; },
    onError: (err) => { throw err; },
  });
  const responses = ['Content-Length: 2\r\n\r\nok', 'Content-Length: 2\r\n\r\nhi', 'Content-Length: 3\r\n\r\nabc', 'Content-Length: 3\r\n\r\nxyz', 'Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n'];
  for (const r of responses) {
    p.expect(false, true);
    const b = Buffer.from(`HTTP/1.1 200 OK\r\n${r}`, 'latin1');
    p.feed(b, 0, b.length);
  }
  // A HEAD request gets the same head without a body.
  p.expect(true, true);
  const head = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', 'latin1');
  p.feed(head, 0, head.length);
  assert.deepEqual(bodies, ['ok', 'hi', 'abc', 'xyz', 'z', '']);
});
