/**
 * A TCP (or TLS) connection with its set-up timed, for the socket kinds (tcp, tls). Node's socket
 * events mark the steps: `lookup` (name resolved; absent for an IP literal), `connect` (TCP
 * established), `secureConnect` (TLS handshake done). What went wrong is classified with the
 * HTTP probe's rules (`classifyFailure`), so a refused port or a DNS failure reads the same
 * whatever the kind.
 */
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../core/clock.js';
import { classifyFailure, failureMessage } from './http-failure.js';
import type { FailureReason, PhaseTimings } from './types.js';

/** Where and how to connect. */
export interface TimedSocketOptions {
  host: string;
  port: number;
  /** Make it a TLS connection with this SNI name (undefined: none, as for an IP literal). */
  tls?: { serverName: string | undefined };
  clock: Clock;
}

/** Phase timestamps of one connection (clock ms). */
export interface SocketTimeline {
  startAt: number;
  lookupAt?: number;
  connectAt?: number;
  secureAt?: number;
}

/** Phases in seconds from a timeline: dns, connect and tls as far as the connection got. */
export function socketPhases(t: SocketTimeline): PhaseTimings {
  const phases: PhaseTimings = {};
  const afterLookup = t.lookupAt ?? t.startAt;
  if (t.lookupAt !== undefined) phases.dns = (t.lookupAt - t.startAt) / 1000;
  if (t.connectAt !== undefined) phases.connect = (t.connectAt - afterLookup) / 1000;
  if (t.secureAt !== undefined && t.connectAt !== undefined) phases.tls = (t.secureAt - t.connectAt) / 1000;
  return phases;
}

/** The stable reason and a message for a socket error, given how far set-up got. */
export function socketFailure(err: unknown, t: SocketTimeline, tls: boolean): { reason: FailureReason; message: string } {
  // The error codes decide (ENOTFOUND, ECONNREFUSED …); a vague error in the handshake is TLS's.
  const setupStep = tls && t.connectAt !== undefined && t.secureAt === undefined ? 'tls' : undefined;
  return { reason: classifyFailure(err, { timedOut: false, setupStep }), message: failureMessage(err) };
}

/** Opens the connection and records its timeline as events arrive; the caller owns the socket. */
export function openTimedSocket(options: TimedSocketOptions): { socket: Socket | TLSSocket; timeline: SocketTimeline } {
  const { clock } = options;
  const timeline: SocketTimeline = { startAt: clock.now() };
  const socket = options.tls === undefined
    ? netConnect({ host: options.host, port: options.port })
    : tlsConnect({
      host: options.host,
      port: options.port,
      // Judged after the handshake (expiry, chain, name), so the certificate is always read.
      rejectUnauthorized: false,
      ...(options.tls.serverName === undefined ? {} : { servername: options.tls.serverName }),
    });
  socket.once('lookup', () => { timeline.lookupAt = clock.now(); });
  socket.once('connect', () => { timeline.connectAt = clock.now(); });
  if (options.tls !== undefined) socket.once('secureConnect', () => { timeline.secureAt = clock.now(); });
  return { socket, timeline };
}

/** The port of a target's base URL: its own, else the scheme's (443 for https/wss, 80 otherwise). */
export function targetPort(baseUrl: string): number {
  const u = new URL(baseUrl);
  return u.port !== '' ? Number(u.port) : u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : 80;
}

/** The host of a target's base URL (brackets of an IPv6 literal removed). */
export function targetHost(baseUrl: string): string {
  return new URL(baseUrl).hostname.replace(/^\[(.*)\]$/, '$1');
}

/** How a socket run ended: success (no reason) or a failure. */
export interface SocketOutcome {
  reason?: FailureReason;
  message?: string;
}

/** What a socket kind does once the connection is up. */
export interface SocketRunHooks<S extends Socket> {
  /** Connected (and, for TLS, handshaken): send, inspect, or `decide` at once. */
  onReady(socket: S, decide: (o: SocketOutcome) => void): void;
  /** The outcome when the peer closes before `decide` was called. */
  onClosedEarly(connected: boolean): SocketOutcome;
}

/** The end of a socket run. */
export interface SocketRunEnd {
  outcome: SocketOutcome;
  timeline: SocketTimeline;
  /** Clock ms when the outcome was decided. */
  decidedAt: number;
}

/**
 * One connection from open to `close`: the first outcome wins (ready hook, error, timeout, abort,
 * early close), the socket is then destroyed, and the promise resolves on its `close` event, so
 * a run never leaks a socket however it ended.
 */
export function runOnSocket<S extends Socket>(
  options: TimedSocketOptions & { timeoutMs: number; signal?: AbortSignal | undefined },
  hooks: SocketRunHooks<S>,
): Promise<SocketRunEnd> {
  const { clock } = options;
  const tls = options.tls !== undefined;
  return new Promise((resolve) => {
    const { socket, timeline } = openTimedSocket(options);
    let outcome: SocketOutcome | undefined;
    let decidedAt = timeline.startAt;
    const ready = () => (tls ? timeline.secureAt : timeline.connectAt) !== undefined;
    const timer = clock.setTimeout(() => {
      decide({ reason: 'timeout', message: `${ready() ? 'no answer' : tls ? 'no TLS handshake' : 'no connection'} within ${options.timeoutMs}ms` });
    }, options.timeoutMs);
    const onAbort = () => decide({ reason: 'error', message: 'aborted' });
    options.signal?.addEventListener('abort', onAbort, { once: true });

    function decide(o: SocketOutcome): void {
      if (outcome !== undefined) return;
      outcome = o;
      decidedAt = clock.now();
      timer.cancel();
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    }

    socket.on('error', (err) => decide(socketFailure(err, timeline, tls)));
    socket.once(tls ? 'secureConnect' : 'connect', () => hooks.onReady(socket as S, decide));
    socket.once('close', () => {
      if (outcome === undefined) decide(hooks.onClosedEarly(ready()));
      resolve({ outcome: outcome ?? {}, timeline, decidedAt });
    });
    if (options.signal?.aborted === true) decide({ reason: 'error', message: 'aborted before start' });
  });
}
