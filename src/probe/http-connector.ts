/**
 * The connections behind the HTTP probe, timed. Each request of a run gets a socket of its own
 * (handed to `node:http` as its `createConnection`), and every step of its set-up is recorded on
 * the run's timeline: a wrapped `dns.lookup` (start and end), the socket's `connect`, and
 * `secureConnect`. TLS sessions are never resumed (no session is ever passed in): each run pays,
 * and so measures, a full handshake. The first bytes of a response are timed by a `data`
 * listener put ahead of the HTTP parser's, so time to first byte is wire time and the client's
 * parsing is not billed to the server. The timeline remembers every socket so the run can
 * destroy them all, however it ended.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

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
  /** When the first request was written to this socket. */
  firstSentAt?: number;
  /** When the latest request was written to this socket. */
  lastSentAt?: number;
  /** When the first bytes of the response to the latest request arrived. */
  firstByteAt?: number;
}

/** One run's record of connection set-up. */
export interface ConnectTimeline {
  readonly connections: ConnectionTiming[];
  readonly sockets: Set<Socket>;
}

/** Where to connect and how. */
export interface TimedConnectionOptions {
  /** `http:` or `https:`. */
  protocol: string;
  /** The URL's hostname (brackets of an IPv6 literal removed). */
  hostname: string;
  port: number;
  /** The TLS SNI name (`serverNameOf` the request's host), none for an IP literal. */
  servername: string | undefined;
  /** Verify the server certificate (tlsVerify). */
  rejectUnauthorized: boolean;
}

/**
 * The SNI name for a `host` header value (`name`, `name:port`, `[v6]:port`): the name, or
 * undefined for an IP literal (SNI carries names only). The header, not the URL, so a probe of
 * `https://10.0.0.5/` with `host: api.example.com` asks for that virtual host's certificate.
 */
export function serverNameOf(host: string): string | undefined {
  const name = host.startsWith('[') ? host.slice(1, Math.max(1, host.indexOf(']'))) : host.replace(/:\d*$/, '');
  return name === '' || isIP(name) !== 0 ? undefined : name;
}

/** A fresh, empty timeline. */
export function newConnectTimeline(): ConnectTimeline {
  return { connections: [], sockets: new Set() };
}

/**
 * Opens a connection recording its set-up on `timeline` (as the connection's `timing`, also
 * returned, on which `markSent` records the request). The caller hands the socket to its HTTP
 * client; errors are that client's to report.
 */
export function openTimedConnection(options: TimedConnectionOptions, timeline: ConnectTimeline): { socket: Socket; timing: ConnectionTiming } {
  const tls = options.protocol === 'https:';
  const timing: ConnectionTiming = { startAt: performance.now(), tls };
  timeline.connections.push(timing);

  const lookup = (hostname: string, lookupOptions: LookupOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    timing.lookupStartAt = performance.now();
    dnsLookup(hostname, lookupOptions, (err, address, family) => {
      timing.lookupEndAt = performance.now();
      if (err !== null) timing.dnsFailed = true;
      cb(err, address, family);
    });
  };

  const { hostname: host, port } = options;
  let socket: Socket;
  if (tls) {
    const { servername } = options;
    socket = tlsConnect({
      host,
      port,
      lookup,
      ...(servername === undefined ? {} : { servername }),
      rejectUnauthorized: options.rejectUnauthorized,
      ALPNProtocols: ['http/1.1'],
    });
    socket.once('secureConnect', () => { timing.secureAt = performance.now(); });
  } else {
    socket = netConnect({ host, port, lookup });
  }
  socket.once('connect', () => { timing.connectAt = performance.now(); });
  socket.setNoDelay(true);
  // The HTTP client reports errors while it owns the socket; this keeps a late one (an RST after
  // the response) from being an uncaught exception.
  socket.on('error', ignore);
  timeline.sockets.add(socket);
  socket.once('close', () => timeline.sockets.delete(socket));
  // Ahead of the HTTP parser's listener, which would parse (and so delay) before we saw it.
  socket.prependListener('data', () => {
    if (timing.lastSentAt !== undefined && timing.firstByteAt === undefined) timing.firstByteAt = performance.now();
  });
  return { socket, timing };
}

function ignore(): void {
  // Reported (or irrelevant) elsewhere: see openTimedConnection.
}

/** Records that a request was written on the connection: ttfb starts here. */
export function markSent(timing: ConnectionTiming): void {
  const at = performance.now();
  timing.firstSentAt ??= at;
  timing.lastSentAt = at;
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
 * redirect opens a new connection).
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
export function destroySockets(timeline: ConnectTimeline, err?: Error): void {
  for (const socket of timeline.sockets) socket.destroy(err);
  timeline.sockets.clear();
}
