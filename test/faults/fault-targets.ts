/**
 * Misbehaving servers on loopback, one per target fault of the fault suite: refused, reset
 * mid-body, a 50 MB body, invalid JSON, a hang, slowloris, a TLS error (self-signed certificate)
 * and a WebSocket closed abnormally (no close frame). Each is a real socket doing the wrong thing.
 */
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { closedPort, selfSignedCert } from '../probe/http-fixtures.js';

/** The faults, in the order the README's matrix lists them. */
export const FAULTS = ['refused', 'reset', 'big-body', 'invalid-json', 'hang', 'slowloris', 'tls', 'ws-abnormal-close'] as const;
/** One fault. */
export type Fault = (typeof FAULTS)[number];

/** Size of the big body. */
export const BIG_BODY_BYTES = 50 * 1024 * 1024;

/** The running fault servers: a URL per fault. */
export interface FaultTargets {
  url: Record<Fault, string>;
  close(): Promise<void>;
}

async function listen<T extends NetServer | HttpServer>(server: T): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function port(server: NetServer | HttpServer): number {
  return (server.address() as AddressInfo).port;
}

/** Starts every fault server. Throws when `openssl` is missing (the TLS fault needs a certificate). */
export async function startFaultTargets(): Promise<FaultTargets> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); s.on('error', () => {}); };
  const timers = new Set<NodeJS.Timeout>();

  const reset = await listen(createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"partial":');
    // A TCP RST in the middle of the body.
    setImmediate(() => res.socket?.resetAndDestroy());
  }));
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  const big = await listen(createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BIG_BODY_BYTES) });
    let sent = 0;
    const pump = () => {
      while (sent < BIG_BODY_BYTES) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('close', () => { sent = BIG_BODY_BYTES; });
    pump();
  }));
  const invalidJson = await listen(createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok": tru');
  }));
  const hang = await listen(createNetServer(track));
  const slowloris = await listen(createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const t = setInterval(() => res.write('.'), 300);
    timers.add(t);
    res.on('close', () => { clearInterval(t); timers.delete(t); });
  }));
  const cert = selfSignedCert();
  if (cert === undefined) throw new Error('the TLS fault needs openssl to make a certificate');
  const tls = await listen(createHttpsServer(cert, (_req, res) => res.end('{"ok":true}')));
  const wsHttp = await listen(createHttpServer());
  const wss = new WebSocketServer({ server: wsHttp });
  // Accept the handshake, then drop the TCP connection without a close frame (code 1006 at the client).
  wss.on('connection', (ws) => setImmediate(() => ws.terminate()));
  for (const s of [reset, big, invalidJson, slowloris, tls, wsHttp]) s.on('connection', track);

  const refused = await closedPort();
  const servers: (NetServer | HttpServer)[] = [reset, big, invalidJson, hang, slowloris, tls, wsHttp];
  return {
    url: {
      'refused': `http://127.0.0.1:${refused}/`,
      'reset': `http://127.0.0.1:${port(reset)}/`,
      'big-body': `http://127.0.0.1:${port(big)}/`,
      'invalid-json': `http://127.0.0.1:${port(invalidJson)}/`,
      'hang': `http://127.0.0.1:${port(hang)}/`,
      'slowloris': `http://127.0.0.1:${port(slowloris)}/`,
      'tls': `https://127.0.0.1:${port(tls)}/`,
      'ws-abnormal-close': `ws://127.0.0.1:${port(wsHttp)}/`,
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      wss.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}
