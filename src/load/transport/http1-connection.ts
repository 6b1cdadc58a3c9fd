/**
 * The lean HTTP/1.1 connection the closed model uses on plain http. undici's general machinery
 * cost more CPU per request than the socket write itself at benchmark rates (README
 * "Benchmarks"), so this speaks just enough HTTP/1.1 — and undici's legacy handler protocol, so
 * a VU cannot tell it from a `Client`. https targets and the open model still use undici.
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';

/** What a VU sends on: an undici dispatcher, or the lean connection below. */
export interface VuDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  destroy(): Promise<void>;
}

/** The part of the legacy undici handler interface the connection calls. */
interface H1Handler {
  onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onError?(err: Error): void;
}

/** A transport failure with an undici-compatible `code` (so `errorClass` reads it alike). */
class H1Error extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

const CRLF2 = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const MAX_HEAD = 64 * 1024;
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const UNSAFE = /[\r\n\0]/;
const EXPECTS_BODY = new Set(['POST', 'PUT', 'PATCH']);
const serialized = new WeakMap<Dispatcher.DispatchOptions, Buffer>();

const enum Body { None, Length, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose }

/**
 * One keep-alive HTTP/1.1 connection, one request at a time, speaking the undici legacy handler
 * protocol so a VU cannot tell it from a `Client`. It exists because undici's general machinery
 * (request validation and header arrays per request, the wasm parser calling back into JS for
 * every header) cost more CPU per request than the socket itself (see README "Benchmarks"): here
 * the request bytes are serialised once per prepared request and a response head is scanned for
 * the three headers framing depends on; reads land in one shared buffer (`net`'s `onread`), so
 * there is no allocation per read. Timeouts are deadlines checked by the owner's sweep
 * (`checkDeadline`), not a timer per request. Transport errors carry undici's codes.
 */
export class Http1Connection implements VuDispatcher {
  private socket: Socket | undefined;
  private handler: H1Handler | undefined;
  private head: Buffer | undefined;
  private noBody = false;
  private body = Body.None;
  private remaining = 0;
  private sizeLine = '';
  private closeAfter = false;
  private deadline = 0;
  private deadlineCode = '';
  private destroyed = false;
  private readonly queue: { bytes: Buffer; head: boolean; handler: H1Handler }[] = [];

  /** `authority` is the origin's host[:port], sent as the Host header. */
  constructor(
    private readonly hostname: string,
    private readonly port: number,
    private readonly authority: string,
    private readonly timeoutMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Sends one request; the handler hears about it like undici's. While a request is in flight,
   * others wait in order (more VUs than connections), and that wait counts as their latency.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as H1Handler;
    let bytes = serialized.get(options);
    if (bytes === undefined) {
      try {
        bytes = serializeRequest(options, this.authority);
      } catch (err) {
        // Reported on the next turn: a handler that retries at once must not recurse forever.
        setImmediate(() => h.onError?.(err as Error));
        return false;
      }
      serialized.set(options, bytes);
    }
    if (this.destroyed) {
      setImmediate(() => h.onError?.(new H1Error('connection destroyed', 'UND_ERR_DESTROYED')));
      return false;
    }
    if (this.handler !== undefined || this.queue.length > 0) this.queue.push({ bytes, head: options.method === 'HEAD', handler: h });
    else this.start(bytes, options.method === 'HEAD', h);
    return true;
  }

  private start(bytes: Buffer, head: boolean, h: H1Handler): void {
    this.handler = h;
    this.noBody = head;
    this.body = Body.None;
    this.head = undefined;
    this.closeAfter = false;
    let s = this.socket;
    if (s === undefined) {
      s = this.connect();
      this.deadlineCode = 'UND_ERR_CONNECT_TIMEOUT';
    } else {
      this.deadlineCode = 'UND_ERR_HEADERS_TIMEOUT';
    }
    this.deadline = this.now() + this.timeoutMs;
    s.write(bytes);
  }

  /** Starts the next waiting request, if the connection is free. */
  private next(): void {
    if (this.handler !== undefined || this.destroyed) return;
    const q = this.queue.shift();
    if (q !== undefined) this.start(q.bytes, q.head, q.handler);
  }

  /** Fails the request in flight when its deadline has passed (called by the owner's sweep). */
  checkDeadline(now: number): void {
    if (this.handler !== undefined && now > this.deadline) this.fail(new H1Error(`${this.deadlineCode === 'UND_ERR_BODY_TIMEOUT' ? 'body' : this.deadlineCode === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect' : 'headers'} timeout`, this.deadlineCode));
  }

  /** Closes the connection; a request in flight fails. */
  destroy(): Promise<void> {
    this.destroyed = true;
    const waiting = this.queue.splice(0);
    this.fail(new H1Error('connection destroyed', 'UND_ERR_DESTROYED'));
    for (const q of waiting) q.handler.onError?.(new H1Error('connection destroyed', 'UND_ERR_DESTROYED'));
    return Promise.resolve();
  }

  private connect(): Socket {
    // Reads land in one shared buffer (no allocation per read); whatever outlives the callback
    // is copied (a split response head, body chunks handed to the handler).
    const s: Socket = netConnect({
      host: this.hostname, port: this.port, noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => {
        if (this.socket === s) this.onChunk((buf as Buffer).subarray(0, n));
        return true;
      } },
    });
    this.socket = s;
    s.on('connect', () => {
      if (this.socket === s && this.handler !== undefined) this.deadlineCode = 'UND_ERR_HEADERS_TIMEOUT';
    });
    s.on('end', () => {
      if (this.socket === s) this.gone(undefined);
    });
    s.on('error', (err: Error) => {
      if (this.socket === s) this.gone(err);
    });
    s.on('close', () => {
      if (this.socket === s) this.gone(undefined);
    });
    return s;
  }

  /** The socket ended, failed or closed: a response read until close completes; any other fails. */
  private gone(err: Error | undefined): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    if (this.handler === undefined) return;
    if (err === undefined && this.body === Body.UntilClose) {
      this.finish();
      return;
    }
    this.fail(err ?? new H1Error('other side closed', 'UND_ERR_SOCKET'));
  }

  private fail(err: Error): void {
    const h = this.handler;
    this.handler = undefined;
    this.head = undefined;
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    h?.onError?.(err);
    this.next();
  }

  /**
   * The response is complete: the connection is free before the handler hears (it may send at
   * once). Bytes after it (`rest`) were never asked for, so the connection is dropped.
   */
  private finish(rest = false): void {
    const h = this.handler;
    this.handler = undefined;
    this.body = Body.None;
    if (this.closeAfter || rest) {
      const s = this.socket;
      this.socket = undefined;
      s?.destroy();
    }
    h?.onComplete?.(null);
    this.next();
  }

  private onChunk(chunk: Buffer): void {
    let data = chunk;
    let off = 0;
    while (off < data.length) {
      const h = this.handler;
      if (h === undefined) {
        // Bytes nobody asked for (pipelining is 1): the connection's framing is lost.
        this.fail(new H1Error('unexpected data', 'UND_ERR_SOCKET'));
        return;
      }
      switch (this.body) {
        case Body.None: {
          if (this.head !== undefined) {
            data = Buffer.concat([this.head, data.subarray(off)]);
            off = 0;
            this.head = undefined;
          }
          const end = data.indexOf(CRLF2, off);
          if (end < 0) {
            if (data.length - off > MAX_HEAD) this.fail(new H1Error('response head too large', 'UND_ERR_HEADERS_OVERFLOW'));
            else this.head = Buffer.from(data.subarray(off));
            return;
          }
          const head = data.toString('latin1', off, end);
          off = end + 4;
          if (!this.parseHead(head, off < data.length)) return;
          break;
        }
        case Body.Length: {
          const n = Math.min(this.remaining, data.length - off);
          h.onData?.(Buffer.from(data.subarray(off, off + n)));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.finish(off < data.length);
            return;
          }
          this.deadline = this.now() + this.timeoutMs;
          break;
        }
        case Body.UntilClose:
          h.onData?.(Buffer.from(data.subarray(off)));
          this.deadline = this.now() + this.timeoutMs;
          return;
        case Body.ChunkData: {
          const n = Math.min(this.remaining, data.length - off);
          if (n > 0) h.onData?.(Buffer.from(data.subarray(off, off + n)));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.body = Body.ChunkEnd;
            this.sizeLine = '';
          }
          this.deadline = this.now() + this.timeoutMs;
          break;
        }
        default: {
          // ChunkSize, ChunkEnd and Trailers are line-oriented; a line may span reads.
          const eol = data.indexOf(CRLF, off);
          const piece = data.toString('latin1', off, eol < 0 ? data.length : eol);
          if (eol < 0) {
            this.sizeLine += piece;
            if (this.sizeLine.length > MAX_HEAD) this.fail(new H1Error('chunk framing too large', 'UND_ERR_SOCKET'));
            return;
          }
          off = eol + 2;
          const line = this.sizeLine + piece;
          this.sizeLine = '';
          if (this.body === Body.ChunkEnd) {
            this.body = Body.ChunkSize;
          } else if (this.body === Body.Trailers) {
            if (line === '') {
              this.finish(off < data.length);
              return;
            }
          } else {
            const size = parseInt(line, 16);
            if (!Number.isFinite(size) || size < 0) {
              this.fail(new H1Error('invalid chunk size', 'HPE_INVALID_CHUNK_SIZE'));
              return;
            }
            this.body = size === 0 ? Body.Trailers : Body.ChunkData;
            this.remaining = size;
          }
        }
      }
    }
  }

  /** Reads a response head (`rest`: bytes follow it in the read); false when nothing more is to be read. */
  private parseHead(head: string, rest: boolean): boolean {
    const h = this.handler;
    const status = head.startsWith('HTTP/1.') ? Number(head.slice(9, 12)) : Number.NaN;
    if (h === undefined || !Number.isInteger(status) || status < 100) {
      this.fail(new H1Error('invalid response status line', 'HPE_INVALID_CONSTANT'));
      return false;
    }
    if (status < 200) return true; // informational (100 Continue …): the real response follows
    let length = -1;
    let chunked = false;
    let close = head.charCodeAt(7) === 48; // HTTP/1.0 closes unless told otherwise
    for (let at = head.indexOf('\r\n'); at >= 0;) {
      const next = head.indexOf('\r\n', at + 2);
      const lineEnd = next < 0 ? head.length : next;
      const colon = head.indexOf(':', at + 2);
      if (colon > 0 && colon < lineEnd) {
        const nameLength = colon - at - 2;
        // Only the headers framing depends on; compared by length first, so most lines cost one check.
        if (nameLength === 14 || nameLength === 17 || nameLength === 10) {
          const name = head.slice(at + 2, colon).toLowerCase();
          const value = head.slice(colon + 1, lineEnd).trim().toLowerCase();
          if (name === 'content-length') length = Number(value);
          else if (name === 'transfer-encoding') chunked = value.endsWith('chunked');
          else if (name === 'connection') close = value === 'close' || (close && value !== 'keep-alive');
        }
      }
      at = next;
    }
    this.closeAfter = close;
    this.deadlineCode = 'UND_ERR_BODY_TIMEOUT';
    this.deadline = this.now() + this.timeoutMs;
    h.onHeaders?.(status, NO_HEADERS, noop, '');
    if (this.handler !== h) return false;
    if (this.noBody || status === 204 || status === 304 || length === 0) {
      this.finish(rest);
      return false;
    }
    if (chunked) this.body = Body.ChunkSize;
    else if (length > 0 && Number.isSafeInteger(length)) {
      this.remaining = length;
      this.body = Body.Length;
    } else {
      this.body = Body.UntilClose;
      this.closeAfter = true;
    }
    return true;
  }
}

function noop(): void {}
const NO_HEADERS: Buffer[] = [];

/** The request's bytes: request line, Host, the given headers, Content-Length and body. */
function serializeRequest(options: Dispatcher.DispatchOptions, authority: string): Buffer {
  const method = options.method;
  if (UNSAFE.test(options.path) || options.path.includes(' ')) throw new H1Error('invalid request path', 'UND_ERR_INVALID_ARG');
  let text = `${method} ${options.path} HTTP/1.1\r\n`;
  let hasHost = false;
  const headers = (options.headers ?? {}) as Record<string, string | string[] | undefined>;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') continue;
    if (lower === 'host') hasHost = true;
    const v = headers[name];
    for (const value of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
      if (UNSAFE.test(name) || UNSAFE.test(value)) throw new H1Error(`invalid ${name} header`, 'UND_ERR_INVALID_ARG');
      text += `${name}: ${value}\r\n`;
    }
  }
  if (!hasHost) text += `host: ${authority}\r\n`;
  const b = options.body;
  const body = b === undefined || b === null ? undefined : typeof b === 'string' ? Buffer.from(b, 'utf8') : b instanceof Uint8Array ? b : undefined;
  if (b !== undefined && b !== null && body === undefined) throw new H1Error('unsupported body type', 'UND_ERR_INVALID_ARG');
  if (body !== undefined) text += `content-length: ${body.length}\r\n`;
  else if (EXPECTS_BODY.has(method)) text += 'content-length: 0\r\n';
  text += '\r\n';
  const headBytes = Buffer.from(text, 'latin1');
  return body === undefined || body.length === 0 ? headBytes : Buffer.concat([headBytes, body]);
}
