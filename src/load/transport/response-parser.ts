/**
 * The response half of the lean HTTP/1.1 connection: framing only. It reads a response head
 * for the status and the three headers framing depends on (Content-Length, Transfer-Encoding,
 * Connection) straight from the bytes — no string is made of the head, so a response costs no
 * allocation unless its body is wanted — then hands on the body (by length, chunked, or until
 * close) and says where the response ends. At benchmark rates the string-based head parse it
 * replaced (toString, toLowerCase, trim per header) was a tenth of the generator's JS time.
 * A server answering the same request sends the same head again and again (nginx's changes
 * with its Date header, once a second): a head byte-identical to the last one parsed is
 * recognised with one native compare and framed as that one was.
 * Everything about sockets, deadlines and waiting requests stays in `Http1Connection`.
 */
import { TransportError } from './transport-error.js';

/** What the parser tells its connection. */
export interface ResponseSink {
  /**
   * A final response head (1xx heads are skipped). `close`: the server will close after this
   * response. `head[from, to)` are its bytes, status line to blank line (valid during the call
   * only), for a sink that wants the headers. Return false when the request is over for the
   * connection (it failed it).
   */
  onHead(status: number, close: boolean, head: Buffer, from: number, to: number): boolean;
  /** Body bytes: a view into a buffer reused after the call (copy what you keep). */
  onBody(chunk: Buffer): void;
  /** The response ended; `rest`: more bytes followed it in the same read (nobody asked for them). */
  onEnd(rest: boolean): void;
  /** The response cannot be framed. */
  onError(err: TransportError): void;
}

const MAX_HEAD = 64 * 1024;
const CR = 13;
const LF = 10;

const enum Body { Head, Length, ChunkSize, ChunkData, ChunkEnd, Trailers, UntilClose }

/** Lower-case ASCII letters of the names compared, as bytes. */
const CONTENT_LENGTH = bytes('content-length');
const TRANSFER_ENCODING = bytes('transfer-encoding');
const CONNECTION = bytes('connection');
const CHUNKED = bytes('chunked');
const CLOSE = bytes('close');
const KEEP_ALIVE = bytes('keep-alive');

/** One response at a time, as its bytes arrive in any split. */
export class ResponseParser {
  private state = Body.Head;
  private noBody = false;
  private wantBody = true;
  private remaining = 0;
  /** A head (or chunk line) split across reads, kept until its end arrives. */
  private carry: Buffer | undefined;
  /** The last head parsed (its bytes up to the blank line) and how it framed its response. */
  private known: { head: Buffer; status: number; close: boolean; length: number; chunked: boolean } | undefined;
  /** Heads parsed in a row that differed from `known`: a server whose heads always differ is re-learnt rarely. */
  private misses = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** The server frames this response by closing the connection: its close ends it. */
  get readsUntilClose(): boolean {
    return this.state === Body.UntilClose;
  }

  /** A new request: `noBody` for HEAD; `wantBody` false when its body bytes are not wanted. */
  expect(noBody: boolean, wantBody: boolean): void {
    this.state = Body.Head;
    this.noBody = noBody;
    this.wantBody = wantBody;
    this.carry = undefined;
  }

  /**
   * Parses `data[from, to)` (which may be reused after the call). Stops at the end of the
   * response (`onEnd` says whether bytes followed it) or at a framing error (`onError`).
   */
  feed(data: Buffer, from: number, to: number): void {
    let buf = data;
    let off = from;
    let end = to;
    if (this.carry !== undefined) {
      buf = Buffer.concat([this.carry, data.subarray(from, to)]);
      off = 0;
      end = buf.length;
      this.carry = undefined;
    }
    while (off < end) {
      switch (this.state) {
        case Body.Head: {
          const next = this.head(buf, off, end);
          if (next < 0) return;
          off = next;
          break;
        }
        case Body.Length: {
          const n = Math.min(this.remaining, end - off);
          if (this.wantBody) this.sink.onBody(buf.subarray(off, off + n));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = Body.Head;
            this.sink.onEnd(off < end);
            return;
          }
          break;
        }
        case Body.UntilClose:
          if (this.wantBody) this.sink.onBody(buf.subarray(off, end));
          return;
        case Body.ChunkData: {
          const n = Math.min(this.remaining, end - off);
          if (n > 0 && this.wantBody) this.sink.onBody(buf.subarray(off, off + n));
          off += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = Body.ChunkEnd;
          break;
        }
        default: {
          // ChunkSize, ChunkEnd and Trailers are line-oriented; a line may span reads.
          const eol = buf.indexOf(LF, off);
          if (eol < 0 || eol >= end) {
            if (end - off > MAX_HEAD) this.fail(new TransportError('chunk framing too large', 'UND_ERR_SOCKET'));
            else this.carry = Buffer.from(buf.subarray(off, end));
            return;
          }
          const lineEnd = eol > off && buf[eol - 1] === CR ? eol - 1 : eol;
          const lineStart = off;
          off = eol + 1;
          if (this.state === Body.ChunkEnd) {
            this.state = Body.ChunkSize;
          } else if (this.state === Body.Trailers) {
            if (lineEnd === lineStart) {
              this.state = Body.Head;
              this.sink.onEnd(off < end);
              return;
            }
          } else {
            const size = chunkSize(buf, lineStart, lineEnd);
            if (size < 0) {
              this.fail(new TransportError('invalid chunk size', 'HPE_INVALID_CHUNK_SIZE'));
              return;
            }
            this.state = size === 0 ? Body.Trailers : Body.ChunkData;
            this.remaining = size;
          }
        }
      }
    }
  }

  private fail(err: TransportError): void {
    this.state = Body.Head;
    this.carry = undefined;
    this.sink.onError(err);
  }

  /**
   * Reads the head starting at `off`: the offset after it, or -1 when the parser must stop
   * (the head is incomplete and kept, or the response ended or failed).
   */
  private head(buf: Buffer, off: number, end: number): number {
    const known = this.known;
    if (known !== undefined && end - off >= known.head.length && buf.compare(known.head, 0, known.head.length, off, off + known.head.length) === 0) {
      this.misses = 0;
      return this.framed(known.status, known.close, known.length, known.chunked, buf, off, off + known.head.length, end);
    }
    // Status line: "HTTP/1.x NNN ...".
    if (end - off < 12) return this.incomplete(buf, off, end);
    if (buf[off] !== 0x48 || buf[off + 1] !== 0x54 || buf[off + 2] !== 0x54 || buf[off + 3] !== 0x50 || buf[off + 4] !== 0x2f || buf[off + 5] !== 0x31 || buf[off + 6] !== 0x2e) {
      this.fail(new TransportError('invalid response status line', 'HPE_INVALID_CONSTANT'));
      return -1;
    }
    const d0 = buf[off + 9]! - 48;
    const d1 = buf[off + 10]! - 48;
    const d2 = buf[off + 11]! - 48;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      this.fail(new TransportError('invalid response status line', 'HPE_INVALID_CONSTANT'));
      return -1;
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let close = buf[off + 7] === 48; // HTTP/1.0 closes unless told otherwise
    let length = -1;
    let chunked = false;
    // One pass over the header lines; a line's first byte says whether it can matter at all.
    let line = nextLine(buf, off, end);
    for (;;) {
      if (line < 0) return this.incomplete(buf, off, end);
      const eol = nextLine(buf, line, end);
      if (eol < 0) return this.incomplete(buf, off, end);
      const lineEnd = eol - 1 > line && buf[eol - 2] === CR ? eol - 2 : eol - 1;
      if (lineEnd === line) {
        line = eol;
        break;
      }
      const first = buf[line]! | 0x20;
      if (first === 0x63 /* c */) {
        if (isName(buf, line, lineEnd, CONTENT_LENGTH)) length = contentLength(buf, line + CONTENT_LENGTH.length + 1, lineEnd);
        else if (isName(buf, line, lineEnd, CONNECTION)) {
          const [a, b] = trimmed(buf, line + CONNECTION.length + 1, lineEnd);
          if (equalsLower(buf, a, b, CLOSE)) close = true;
          else if (equalsLower(buf, a, b, KEEP_ALIVE)) close = false;
        }
      } else if (first === 0x74 /* t */ && isName(buf, line, lineEnd, TRANSFER_ENCODING)) {
        // The last coding decides the framing ("gzip, chunked").
        const [a, b] = trimmed(buf, line + TRANSFER_ENCODING.length + 1, lineEnd);
        chunked = b - CHUNKED.length >= a && equalsLower(buf, b - CHUNKED.length, b, CHUNKED);
      }
      line = eol;
      if (line - off > MAX_HEAD) break;
    }
    if (line - off > MAX_HEAD) {
      this.fail(new TransportError('response head too large', 'UND_ERR_HEADERS_OVERFLOW'));
      return -1;
    }
    if (status < 200) return line; // informational (100 Continue …): the real response follows
    if (++this.misses === 1 || this.misses % 64 === 0) this.known = { head: Buffer.from(buf.subarray(off, line)), status, close, length, chunked };
    return this.framed(status, close, length, chunked, buf, off, line, end);
  }

  /** A final head `buf[start, line)` has been read: tell the sink and frame the body. */
  private framed(status: number, close: boolean, length: number, chunked: boolean, buf: Buffer, start: number, line: number, end: number): number {
    if (!this.sink.onHead(status, close, buf, start, line)) return -1;
    if (this.noBody || status === 204 || status === 304 || length === 0) {
      this.sink.onEnd(line < end);
      return -1;
    }
    if (chunked) this.state = Body.ChunkSize;
    else if (length > 0) {
      this.remaining = length;
      this.state = Body.Length;
    } else this.state = Body.UntilClose;
    return line;
  }

  /** The head has not fully arrived: keep it for the next read (bounded). */
  private incomplete(buf: Buffer, off: number, end: number): number {
    if (end - off > MAX_HEAD) this.fail(new TransportError('response head too large', 'UND_ERR_HEADERS_OVERFLOW'));
    else this.carry = Buffer.from(buf.subarray(off, end));
    return -1;
  }
}

function bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** The offset after the next LF at or after `from`, or -1. A JS loop: heads are short, and a native call per line cost more. */
function nextLine(buf: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === LF) return i + 1;
  return -1;
}

/** The line starts with `name` and a colon, ASCII case-insensitively (`name` is lower case). */
function isName(buf: Buffer, line: number, lineEnd: number, name: Uint8Array): boolean {
  const n = name.length;
  if (lineEnd - line <= n || buf[line + n] !== 0x3a) return false;
  for (let i = 0; i < n; i++) if ((buf[line + i]! | 0x20) !== name[i]) return false;
  return true;
}

/** [start, end) of the value between `from` and `to` without surrounding spaces and tabs. */
function trimmed(buf: Buffer, from: number, to: number): [number, number] {
  let a = from;
  let b = to;
  while (a < b && (buf[a] === 0x20 || buf[a] === 0x09)) a++;
  while (b > a && (buf[b - 1] === 0x20 || buf[b - 1] === 0x09)) b--;
  return [a, b];
}

/** `buf[a, b)` equals `word` (lower case), ASCII case-insensitively. */
function equalsLower(buf: Buffer, a: number, b: number, word: Uint8Array): boolean {
  if (b - a !== word.length) return false;
  for (let i = 0; i < word.length; i++) if ((buf[a + i]! | 0x20) !== word[i]) return false;
  return true;
}

/** A Content-Length value: its decimal number, or -1 when it is not one (then the body runs until close). */
function contentLength(buf: Buffer, from: number, to: number): number {
  const [a, b] = trimmed(buf, from, to);
  if (a === b || b - a > 15) return -1;
  let n = 0;
  for (let i = a; i < b; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A chunk-size line's size (hex, extensions after `;` ignored), or -1 when malformed. */
function chunkSize(buf: Buffer, from: number, to: number): number {
  let n = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    const d = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 87 : -1;
    if (d < 0) {
      if (digits > 0 && (c === 0x3b || c === 0x20 || c === 0x09)) break;
      return -1;
    }
    if (++digits > 13) return -1;
    n = n * 16 + d;
  }
  return digits === 0 ? -1 : n;
}
