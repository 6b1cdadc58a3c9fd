/**
 * The socket factory behind the HTTP probe, timed. undici's own connector hides when DNS ended and
 * when TCP connected under TLS, so the probe brings a small one that records each step on a
 * per-run timeline: a wrapped `dns.lookup`, the socket's `connect`, and `secureConnect`. It also
 * remembers every socket it made so the run can destroy them all, whatever undici did with them.
 * TLS sessions are never resumed: each run pays, and so measures, a full handshake.
 * When undici writes a request on one of these sockets (its `undici:client:sendHeaders`
 * diagnostics channel) the time is recorded, and so is the first `readable` after it, through a
 * listener put ahead of undici's parser: time to first byte is then wire time, and client-side
 * work (undici compiles its HTTP parser on first use: tens of ms) is not billed to the server.
 */
import { subscribe } from 'node:diagnostics_channel';
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { buildConnector } from 'undici';

/** Timestamps (ms, `performance.now()`) of one connection's set-up. */
export interface ConnectionTiming {
  startAt: number;
  lookupStartAt?: number;
  lookupEndAt?: number;
  connectAt?: number;
  secureAt?: number;
  tls: boolean;
  /** The lookup itself failed (its error is the connection's error). */
  dnsFailed?: boolean;
  /** When the first request's headers were handed to this socket. */
  firstSentAt?: number;
  /** When the latest request's headers were handed to this socket. */
  lastSentAt?: number;
  /** When the first bytes of the response to the latest request arrived. */
  firstByteAt?: number;
  awaitingByte?: boolean;
}

/** Sockets made by timed connectors, to their timing (weak: a finished run leaves nothing behind). */
const bySocket = new WeakMap<object, { timing: ConnectionTiming; now: () => number }>();
let watchingSends = false;

/** Subscribes once, process-wide, to undici's "request headers sent" channel. */
function watchRequestSends(): void {
  if (watchingSends) return;
  watchingSends = true;
  subscribe('undici:client:sendHeaders', (message) => {
    const socket = (message as { socket?: unknown }).socket;
    if (typeof socket !== 'object' || socket === null) return;
    const entry = bySocket.get(socket);
    if (entry === undefined) return;
    const { timing, now } = entry;
    const at = now();
    timing.firstSentAt ??= at;
    if (timing.lastSentAt === undefined) {
      // Ahead of undici's own listener, which parses (and so delays) before we would see it.
      (socket as Socket).prependListener('readable', () => {
        if (timing.awaitingByte !== true) return;
        timing.firstByteAt = now();
        timing.awaitingByte = false;
      });
    }
    timing.lastSentAt = at;
    timing.awaitingByte = true;
  });
}

/** One run's record of connection set-up. */
export interface ConnectTimeline {
  readonly connections: ConnectionTiming[];
  readonly sockets: Set<Socket>;
}

/** Options of `createTimedConnector`. */
export interface TimedConnectorOptions {
  /** Verify the server certificate (tlsVerify). */
  rejectUnauthorized: boolean;
  /** A monotonic millisecond clock. */
  now: () => number;
}

/** A fresh, empty timeline. */
export function newConnectTimeline(): ConnectTimeline {
  return { connections: [], sockets: new Set() };
}

/** An undici `connect` function that records set-up timings on `timeline`. */
export function createTimedConnector(options: TimedConnectorOptions, timeline: ConnectTimeline): buildConnector.connector {
  const { now } = options;
  watchRequestSends();
  return (opts, callback) => {
    const tls = opts.protocol === 'https:';
    const timing: ConnectionTiming = { startAt: now(), tls };
    timeline.connections.push(timing);

    const lookup = (hostname: string, lookupOptions: LookupOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
      timing.lookupStartAt = now();
      dnsLookup(hostname, lookupOptions, (err, address, family) => {
        timing.lookupEndAt = now();
        if (err !== null) timing.dnsFailed = true;
        cb(err, address, family);
      });
    };

    const port = Number(opts.port) || (tls ? 443 : 80);
    const host = opts.hostname;
    let socket: Socket;
    if (tls) {
      const servername = opts.servername || (isIP(host) === 0 ? host : undefined);
      socket = tlsConnect({
        host,
        port,
        lookup,
        ...(servername === undefined ? {} : { servername }),
        rejectUnauthorized: options.rejectUnauthorized,
        ALPNProtocols: ['http/1.1'],
      });
    } else {
      socket = netConnect({ host, port, lookup });
    }
    timeline.sockets.add(socket);
    bySocket.set(socket, { timing, now });
    socket.setNoDelay(true);

    let pending: buildConnector.Callback | null = callback;
    const settle = (err: Error | null): void => {
      if (pending === null) return;
      const cb = pending;
      pending = null;
      if (err === null) cb(null, socket);
      else cb(err, null);
    };
    socket.once('connect', () => {
      timing.connectAt = now();
      if (!tls) settle(null);
    });
    if (tls) {
      socket.once('secureConnect', () => {
        timing.secureAt = now();
        settle(null);
      });
    }
    // Stays attached: an error after hand-over is undici's to report, never an uncaught one.
    socket.on('error', (err) => settle(err));
    socket.once('close', () => {
      timeline.sockets.delete(socket);
      settle(new Error('socket closed before it was ready'));
    });
  };
}

/** Summed set-up phases in seconds; a phase that never completed on any connection is absent. */
export function setupPhases(timeline: ConnectTimeline): { dns?: number; connect?: number; tls?: number } {
  let dns: number | undefined;
  let connect: number | undefined;
  let tls: number | undefined;
  for (const c of timeline.connections) {
    if (c.lookupStartAt !== undefined && c.lookupEndAt !== undefined && c.dnsFailed !== true) {
      dns = (dns ?? 0) + (c.lookupEndAt - c.lookupStartAt);
    }
    if (c.connectAt !== undefined) connect = (connect ?? 0) + (c.connectAt - (c.lookupEndAt ?? c.startAt));
    if (c.secureAt !== undefined && c.connectAt !== undefined) tls = (tls ?? 0) + (c.secureAt - c.connectAt);
  }
  const out: { dns?: number; connect?: number; tls?: number } = {};
  if (dns !== undefined) out.dns = dns / 1000;
  if (connect !== undefined) out.connect = connect / 1000;
  if (tls !== undefined) out.tls = tls / 1000;
  return out;
}

/** When the final response's first bytes arrived; `headersAt` stands in when that was not seen. */
export function firstByteAt(timeline: ConnectTimeline, headersAt: number): number {
  let final: ConnectionTiming | undefined;
  for (const c of timeline.connections) {
    if (c.lastSentAt !== undefined && (final?.lastSentAt === undefined || c.lastSentAt > final.lastSentAt)) final = c;
  }
  return final?.firstByteAt !== undefined && final.firstByteAt <= headersAt ? final.firstByteAt : headersAt;
}

/**
 * Time to first byte in seconds: from the first request being written to the first bytes of the
 * final response (so redirect hops count), less the set-up of connections opened meanwhile (a
 * redirect to another origin).
 */
export function ttfbSeconds(timeline: ConnectTimeline, t0: number, headersAt: number): number {
  let sentAt: number | undefined;
  for (const c of timeline.connections) {
    if (c.firstSentAt !== undefined && (sentAt === undefined || c.firstSentAt < sentAt)) sentAt = c.firstSentAt;
  }
  const from = sentAt ?? t0;
  const later = newConnectTimeline();
  later.connections.push(...timeline.connections.filter((c) => c.startAt >= from));
  const setup = setupPhases(later);
  const setupMs = ((setup.dns ?? 0) + (setup.connect ?? 0) + (setup.tls ?? 0)) * 1000;
  return Math.max(0, firstByteAt(timeline, headersAt) - from - setupMs) / 1000;
}

/** Where the latest connection attempt stopped, for classifying a failure. */
export function failedSetupStep(timeline: ConnectTimeline): 'dns' | 'connect' | 'tls' | undefined {
  const last = timeline.connections.at(-1);
  if (last === undefined) return undefined;
  if (last.dnsFailed === true || (last.lookupStartAt !== undefined && last.lookupEndAt === undefined)) return 'dns';
  if (last.connectAt === undefined) return 'connect';
  if (last.tls && last.secureAt === undefined) return 'tls';
  return undefined;
}

/** Destroys every socket the run opened (a body over the cap, a timeout): nothing is left hanging. */
export function destroySockets(timeline: ConnectTimeline): void {
  for (const socket of timeline.sockets) socket.destroy();
  timeline.sockets.clear();
}
