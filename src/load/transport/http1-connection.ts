/**
 * The lean HTTP/1.1 connection, on plain http and on https. undici's general machinery cost more
 * CPU per request than the socket write itself at benchmark rates (README "Benchmarks"), so this
 * speaks just enough HTTP/1.1 — and undici's legacy handler protocol, so a VU cannot tell it
 * from a `Client`. Response framing is `ResponseParser`'s; this file is the connection's life:
 * connecting (plain or TLS), one request at a time with the others queued, deadlines, failures.
 * A failure to connect is data (a `code` that `transportErrorClass` maps) and starts a back-off
 * (`retryAt`) the owner honours: nothing it meets on the wire may throw.
 */
import { connect as netConnect, isIP } from 'node:net';
import type { OnReadOpts, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { coerceError } from '../../core/errors.js';
import { connectBackoffMs } from './connect-backoff.js';
import { requestBytes } from './request-bytes.js';
import { ResponseParser } from './response-parser.js';
import type { ResponseSink } from './response-parser.js';
import { TransportError } from './transport-error.js';

/** TLS settings of an https origin. */
export interface Http1TlsOptions {
  /** SNI name; defaults to the hostname. Never sent for an IP address (RFC 6066, and Node warns). */
  servername?: string;
  /** Verify the server's certificate chain and name. */
  rejectUnauthorized: boolean;
}

/** Where and how an `Http1Connection` connects. */
export interface Http1ConnectionOptions {
  /** Host to connect to (an IPv6 address without brackets). */
  hostname: string;
  port: number;
  /** The origin's host[:port], sent as the Host header. */
  authority: string;
  /** Present for https: the connection speaks TLS (ALPN `http/1.1`). */
  tls?: Http1TlsOptions;
  /** Bound on connecting, and on a whole request from its start to the last byte of its body. */
  timeoutMs: number;
  /** Monotonic milliseconds: deadlines and `retryAt` are on this clock. */
  now: () => number;
  /** Jitter source of the connect back-off, [0, 1); `Math.random` when absent. */
  random?: () => number;
}

/**
 * The part of the legacy undici handler interface the connection calls. Unlike undici's, a body
 * chunk is a view into a buffer reused after `onData` returns: a handler copies what it keeps.
 */
interface H1Handler {
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onError?(err: Error): void;
  /** True when this request's body is not wanted: its bytes are skipped, never sliced. */
  readonly ignoresBody?: boolean;
}

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const ALPN = ['http/1.1'];

/**
 * One keep-alive HTTP/1.1 connection (TLS when `tls` is given), one request at a time, speaking
 * the undici legacy handler protocol so a VU cannot tell it from a `Client`. It exists because
 * undici's general machinery (request validation and header arrays per request, the wasm parser
 * calling back into JS for every header) cost more CPU per request than the socket itself (see
 * README "Benchmarks"): here the request bytes are serialised once per prepared request and a
 * response head is read, from its bytes, for the three headers framing depends on. Reads, plain
 * or TLS, land in one shared buffer (`onread`), parsed in place: no allocation per read.
 * Timeouts — connecting included, for `open()` too — are deadlines checked by the owner's sweep
 * (`checkDeadline`), not a timer per request.
 *
 * A connect failure (refused, DNS, TLS handshake or verification, connect timeout) fails the
 * request in flight and every request waiting for this connection with the same error, and sets
 * `retryAt`; a successful connect clears it. Dispatching before `retryAt` still connects: the
 * owner decides whether to wait.
 */
export class Http1Connection {
  private socket: Socket | undefined;
  /** The socket is connected (TLS: handshake done); false while connecting. */
  private up = false;
  private connectBy = 0;
  private failures = 0;
  private retryAtMs = 0;
  private readonly openers: ((connected: boolean) => void)[] = [];
  private session: Buffer | undefined;
  private handler: H1Handler | undefined;
  /** How the parser reaches this connection. */
  private readonly sink: ResponseSink = {
    onHead: (status, close) => {
      const h = this.handler;
      if (h === undefined) return false;
      this.closeAfter = close;
      // The deadline stays the request's: a body trickling in (slowloris) cannot hold it open.
      this.deadlineCode = 'UND_ERR_BODY_TIMEOUT';
      h.onHeaders?.(status, NO_HEADERS, noop, '');
      return this.handler === h;
    },
    onBody: (chunk) => {
      this.handler?.onData?.(chunk);
    },
    onEnd: (rest) => this.finish(rest),
    onError: (err) => this.fail(err),
  };
  private readonly parser = new ResponseParser(this.sink);
  private closeAfter = false;
  private deadline = 0;
  private deadlineCode = '';
  private destroyed = false;
  private readonly queue: { bytes: Buffer; head: boolean; handler: H1Handler }[] = [];
  private readonly hostname: string;
  private readonly port: number;
  private readonly authority: string;
  private readonly tls: Http1TlsOptions | undefined;
  private readonly servername: string | undefined;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(options: Http1ConnectionOptions) {
    this.hostname = options.hostname;
    this.port = options.port;
    this.authority = options.authority;
    this.tls = options.tls;
    const name = options.tls?.servername ?? options.hostname;
    this.servername = options.tls === undefined || isIP(name) !== 0 ? undefined : name;
    this.timeoutMs = options.timeoutMs;
    this.now = options.now;
    this.random = options.random ?? Math.random;
  }

  /** A socket is connected (TLS: its handshake is done) and ready to send on. */
  get connected(): boolean {
    return this.up;
  }

  /**
   * When the connect back-off ends, on the `now` clock; 0 when the last connect succeeded (or
   * none failed). A VU waits until then before sending on this connection again.
   */
  get retryAt(): number {
    return this.retryAtMs;
  }

  /** Consecutive failed connects (0 once one succeeds). */
  get connectFailures(): number {
    return this.failures;
  }

  /**
   * Connects ahead of the first request (the open model opens its connections before the first
   * intended send). True once connected — at once when already connected — and false when the
   * connect failed (recorded for the back-off like any other) or the connection was destroyed;
   * never rejects. The connect timeout is enforced by the owner's `checkDeadline` sweep.
   */
  open(): Promise<boolean> {
    if (this.destroyed) return Promise.resolve(false);
    if (this.up) return Promise.resolve(true);
    const opened = new Promise<boolean>((resolve) => this.openers.push(resolve));
    if (this.socket === undefined) this.connect();
    return opened;
  }

  /**
   * Sends one request; the handler hears about it like undici's. While a request is in flight,
   * others wait in order (more VUs than connections), and that wait counts as their latency.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as H1Handler;
    let bytes: Buffer;
    try {
      bytes = requestBytes(options, this.authority);
    } catch (err) {
      // Reported on the next turn: a handler that retries at once must not recurse forever.
      setImmediate(() => h.onError?.(coerceError(err)));
      return false;
    }
    if (this.destroyed) {
      setImmediate(() => h.onError?.(new TransportError('connection destroyed', 'UND_ERR_DESTROYED')));
      return false;
    }
    if (this.handler !== undefined || this.queue.length > 0) this.queue.push({ bytes, head: options.method === 'HEAD', handler: h });
    else this.start(bytes, options.method === 'HEAD', h);
    return true;
  }

  private start(bytes: Buffer, head: boolean, h: H1Handler): void {
    this.handler = h;
    this.parser.expect(head, h.ignoresBody !== true);
    this.closeAfter = false;
    this.deadlineCode = 'UND_ERR_HEADERS_TIMEOUT';
    this.deadline = this.now() + this.timeoutMs;
    // Written at once even while connecting: the socket holds it until connected.
    (this.socket ?? this.connect())?.write(bytes);
  }

  /** Starts the next waiting request, if the connection is free. */
  private next(): void {
    if (this.handler !== undefined || this.destroyed) return;
    const q = this.queue.shift();
    if (q !== undefined) this.start(q.bytes, q.head, q.handler);
  }

  /**
   * Fails a connect or a request whose deadline has passed (called by the owner's sweep). A
   * request's own deadline runs from its start, so while connecting the connect deadline,
   * which is never later, is the one that matters.
   */
  checkDeadline(now: number): void {
    if (this.socket !== undefined && !this.up) {
      if (now > this.connectBy) this.connectFailed(this.socket, new TransportError('connect timeout', 'UND_ERR_CONNECT_TIMEOUT'));
    } else if (this.handler !== undefined && now > this.deadline) {
      this.fail(new TransportError(this.deadlineCode === 'UND_ERR_BODY_TIMEOUT' ? 'body timeout' : 'headers timeout', this.deadlineCode));
    }
  }

  /** Closes the connection; a request in flight or waiting fails, a pending `open()` gives false. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const waiting = this.queue.splice(0);
    this.fail(new TransportError('connection destroyed', 'UND_ERR_DESTROYED'));
    for (const q of waiting) q.handler.onError?.(new TransportError('connection destroyed', 'UND_ERR_DESTROYED'));
    for (const resolve of this.openers.splice(0)) resolve(false);
    return Promise.resolve();
  }

  /**
   * Starts connecting; undefined when Node refused the options outright (reported next turn).
   * Reads land in one shared buffer (`onread`, on TLS sockets too: no allocation per read);
   * whatever outlives the callback is copied (a split response head; body chunks a handler keeps).
   */
  private connect(): Socket | undefined {
    let s: Socket | undefined;
    const onread = { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array): boolean => {
      if (this.socket !== s) return true;
      // Bytes nobody asked for (pipelining is 1): the connection's framing is lost.
      if (this.handler === undefined) this.fail(new TransportError('unexpected data', 'UND_ERR_SOCKET'));
      else this.parser.feed(buf as Buffer, 0, n);
      return true;
    } };
    try {
      s = this.tls === undefined ? netConnect({ host: this.hostname, port: this.port, noDelay: true, onread }) : this.connectTls(this.tls, onread);
    } catch (thrown) {
      // Node throws synchronously for some options (a port out of range …): failed like any
      // connect, on the next turn so a handler that retries at once does not recurse.
      const err = coerceError(thrown);
      setImmediate(() => this.connectFailed(undefined, err));
      return undefined;
    }
    const socket = s;
    this.socket = socket;
    this.up = false;
    this.connectBy = this.now() + this.timeoutMs;
    socket.on(this.tls === undefined ? 'connect' : 'secureConnect', () => {
      if (this.socket === socket) this.established();
    });
    // The listeners stay after the socket is let go: a late 'error' (a TLS alert, a write that
    // raced a reset) is swallowed rather than thrown at the process.
    socket.on('end', () => {
      if (this.socket === socket) this.gone(undefined);
    });
    socket.on('error', (err: Error) => {
      if (this.socket === socket) this.gone(err);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.gone(undefined);
    });
    return socket;
  }

  private connectTls(tls: Http1TlsOptions, onread: OnReadOpts): Socket {
    // `onread` is a documented `tls.connect` option that @types/node does not declare.
    const options: ConnectionOptions & { onread: OnReadOpts } = { host: this.hostname, port: this.port, ALPNProtocols: ALPN, rejectUnauthorized: tls.rejectUnauthorized, onread };
    if (this.servername !== undefined) options.servername = this.servername;
    // Resuming the last session saves a full handshake when the server closes connections.
    if (this.session !== undefined) options.session = this.session;
    const s = tlsConnect(options);
    s.setNoDelay(true);
    s.on('session', (session: Buffer) => {
      this.session = session;
    });
    return s;
  }

  private established(): void {
    this.up = true;
    this.failures = 0;
    this.retryAtMs = 0;
    for (const resolve of this.openers.splice(0)) resolve(true);
  }

  /**
   * The connect failed: the back-off grows, and whatever waited for this connection fails with
   * the same error. `s` is the socket that failed (undefined when none was created): a stale
   * report about a socket already let go changes nothing.
   */
  private connectFailed(s: Socket | undefined, err: Error): void {
    if (this.socket !== s) return;
    this.drop();
    this.failures++;
    this.retryAtMs = this.now() + connectBackoffMs(this.failures, this.random);
    for (const resolve of this.openers.splice(0)) resolve(false);
    const waiting = this.queue.splice(0);
    this.fail(err);
    for (const q of waiting) q.handler.onError?.(err);
  }

  /** The socket ended, failed or closed: a response read until close completes; any other fails. */
  private gone(err: Error | undefined): void {
    if (!this.up) {
      this.connectFailed(this.socket, err ?? new TransportError('closed before the connection was established', 'UND_ERR_SOCKET'));
      return;
    }
    this.drop();
    if (this.handler === undefined) return;
    if (err === undefined && this.parser.readsUntilClose) {
      this.finish(false);
      return;
    }
    this.fail(err ?? new TransportError('other side closed', 'UND_ERR_SOCKET'));
  }

  /** Lets the socket go; the next request connects anew. */
  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.up = false;
    s?.destroy();
  }

  private fail(err: Error): void {
    const h = this.handler;
    this.handler = undefined;
    this.drop();
    h?.onError?.(err);
    this.next();
  }

  /**
   * The response is complete: the connection is free before the handler hears (it may send at
   * once). Bytes after it (`rest`) were never asked for, so the connection is dropped.
   */
  private finish(rest: boolean): void {
    const h = this.handler;
    this.handler = undefined;
    if (this.closeAfter || rest) this.drop();
    h?.onComplete?.(null);
    this.next();
  }
}

function noop(): void {}
const NO_HEADERS: Buffer[] = [];
