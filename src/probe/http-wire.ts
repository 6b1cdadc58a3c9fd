/**
 * One HTTP/1.1 request of a probe on a timed connection of its own, written and read without
 * `node:http`: the request's bytes go out in one write (queued until the socket connects, or its
 * TLS handshake ends), and the response is framed by the load engine's parser
 * (`../load/transport/response-parser.ts`: status, Content-Length, chunked, until close, 1xx
 * skipped, HEAD without a body). Only the probe needs the headers, so it reads them here from the
 * head's bytes. At the daemon's pace (one run every 10 ms, `bench/probe-run-cpu.ts --pace 10`)
 * a run costs 1,369-1,460 µs of CPU against 1,534-1,614 µs with `node:http` and no agent, and
 * its p50 reads 0.1-0.2 ms lower (README, "Where a probe run's CPU goes").
 * Failures carry a `code` for `classifyFailure`: the socket's own (refused, reset, TLS), or
 * `UND_ERR_SOCKET` when the server closes before the response ends, `HPE_*` for a response that
 * cannot be parsed, `UND_ERR_INVALID_ARG` for a header or path that would smuggle a line break.
 */
import type { Socket } from 'node:net';
import { ResponseParser } from '../load/transport/response-parser.js';
import type { ResponseSink } from '../load/transport/response-parser.js';
import { serializeRequest } from '../load/transport/request-bytes.js';
import { TransportError } from '../load/transport/transport-error.js';
import { markSent, openTimedConnection, serverNameOf } from './http-connector.js';
import type { ConnectTimeline, ConnectionTiming } from './http-connector.js';
import type { RequestTarget } from './http-request.js';

/** Response headers: lower-cased names; repeats joined with ", " (`set-cookie`: one entry each). */
export type ResponseHeaders = Record<string, string | string[]>;

/** What to send. `headers` have lower-cased names; a `host` among them wins over the URL's. */
export interface WireRequest {
  target: RequestTarget;
  method: string;
  headers: Readonly<Record<string, string>>;
  body?: string;
}

/** How the response's body is read. */
export interface BodyLimits {
  /** Bytes at most: one more and the connection is closed and the body reported too large. */
  maxBodySize: number;
  /** Keep the body's text (for assertions); else only count its bytes. */
  keep: boolean;
}

/** The body as read: its size, whether it went over `maxBodySize` (then `bytes` is the cap), its text when kept. */
export interface WireBody {
  bytes: number;
  tooLarge: boolean;
  text: string;
}

/** A response whose head is in; its body is read (or not) by the caller. */
export interface WireResponse {
  status: number;
  headers: ResponseHeaders;
  /** When the head was parsed (ms, `performance.now()`). */
  headersAt: number;
  /** The body, once it ended (rejects when the connection fails first). */
  body(): Promise<WireBody>;
  /** Closes the connection without reading (more of) the body. */
  close(): void;
}

/**
 * The request's bytes, by the load engine's serialiser (request line, the headers, Host unless
 * one is among them, Content-Length and body), with `connection: close`: one request per
 * connection, as a new visitor's, and the server may close after it.
 */
export function wireRequestBytes(req: WireRequest): Buffer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (name.toLowerCase() !== 'connection') headers[name] = value;
  headers.connection = 'close';
  return serializeRequest({ method: req.method, path: req.target.path, headers, ...(req.body === undefined ? {} : { body: req.body }) }, req.target.host);
}

/** The headers of a response head (`head[from, to)`: status line to blank line). */
export function parseHeaders(head: Buffer, from: number, to: number): ResponseHeaders {
  const out: ResponseHeaders = {};
  const text = head.toString('latin1', from, to);
  // Line by line after the status line; the blank line at the end has no colon.
  for (let at = text.indexOf('\n') + 1; at > 0 && at < text.length;) {
    const eol = text.indexOf('\n', at);
    const end = eol < 0 ? text.length : eol;
    const colon = text.indexOf(':', at);
    const lineStart = at;
    at = end + 1;
    if (colon <= lineStart || colon >= end) continue;
    const name = text.slice(lineStart, colon).trim().toLowerCase();
    const value = text.slice(colon + 1, end).trim();
    const prev = out[name];
    if (name === 'set-cookie') out[name] = prev === undefined ? [value] : [...(prev as string[]), value];
    else out[name] = prev === undefined ? value : `${prev as string}, ${value}`;
  }
  return out;
}

/**
 * Connects (recording the set-up on `timeline`), sends the request, and resolves once the
 * response's head is in; rejects with the connection's error before that. The caller ends the
 * connection (destroying the timeline's sockets) when it is done with the response.
 */
export function sendRequest(req: WireRequest, tlsVerify: boolean, limits: BodyLimits, timeline: ConnectTimeline): Promise<WireResponse> {
  return new Promise((resolveHead, rejectHead) => {
    const bytes = wireRequestBytes(req);
    const { target } = req;
    const host = req.headers.host ?? target.host;
    const { socket, timing } = openTimedConnection({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      servername: serverNameOf(host),
      rejectUnauthorized: tlsVerify,
    }, timeline);
    new WireReader(socket, timing, req.method === 'HEAD', limits, resolveHead, rejectHead).send(bytes);
  });
}

/** One response read off one socket. */
class WireReader implements ResponseSink {
  private readonly parser: ResponseParser;
  private response: WireResponse | undefined;
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private outcome: { body: WireBody } | { error: Error } | undefined;
  private waiter: { resolve: (b: WireBody) => void; reject: (e: Error) => void } | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly timing: ConnectionTiming,
    noBody: boolean,
    private readonly limits: BodyLimits,
    private readonly resolveHead: (r: WireResponse) => void,
    private readonly rejectHead: (e: Error) => void,
  ) {
    this.parser = new ResponseParser(this);
    this.parser.expect(noBody, true);
    socket.on('data', (chunk: Buffer) => {
      if (this.outcome === undefined) this.parser.feed(chunk, 0, chunk.length);
    });
    // Every run ends in 'end' or 'close' after its response: an error (and its stack trace, ~5 % of
    // the daemon's CPU when made every time) only when the response is not over.
    socket.once('end', () => {
      if (this.outcome !== undefined) return;
      if (this.response !== undefined && this.parser.readsUntilClose) this.onEnd();
      else this.fail(new TransportError('the server closed the connection before the response ended', 'UND_ERR_SOCKET'));
    });
    socket.on('error', (err) => this.fail(err));
    socket.once('close', () => {
      if (this.outcome === undefined) this.fail(new TransportError('the connection closed before the response ended', 'UND_ERR_SOCKET'));
    });
  }

  send(bytes: Buffer): void {
    // The callback runs once the bytes are handed to the kernel: after connect (and the handshake).
    this.socket.write(bytes, (err) => { if (err === undefined || err === null) markSent(this.timing); });
  }

  onHead(status: number, _close: boolean, head: Buffer, from: number, to: number): boolean {
    const response: WireResponse = { status, headers: parseHeaders(head, from, to), headersAt: performance.now(), body: () => this.body(), close: () => this.socket.destroy() };
    this.response = response;
    this.resolveHead(response);
    return true;
  }

  onBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBodySize) {
      this.settle({ body: { bytes: this.limits.maxBodySize, tooLarge: true, text: '' } });
      // Not a byte more: the server sees the connection close.
      this.socket.destroy();
    } else if (this.limits.keep) this.chunks.push(Buffer.from(chunk));
  }

  onEnd(): void {
    this.settle({ body: { bytes: this.bytes, tooLarge: false, text: this.limits.keep ? Buffer.concat(this.chunks).toString('utf8') : '' } });
  }

  onError(err: TransportError): void {
    this.fail(err);
  }

  private fail(err: Error): void {
    if (this.outcome !== undefined) return;
    if (this.response === undefined) {
      this.outcome = { error: err };
      this.rejectHead(err);
    } else this.settle({ error: err });
  }

  private settle(outcome: { body: WireBody } | { error: Error }): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (this.waiter === undefined) return;
    if ('body' in outcome) this.waiter.resolve(outcome.body);
    else this.waiter.reject(outcome.error);
  }

  private body(): Promise<WireBody> {
    const outcome = this.outcome;
    if (outcome !== undefined) return 'body' in outcome ? Promise.resolve(outcome.body) : Promise.reject(outcome.error);
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }
}
