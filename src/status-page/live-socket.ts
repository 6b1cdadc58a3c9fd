/**
 * The `/api/live` WebSocket. `ws` runs with `noServer` on the HTTP server's `upgrade` event and
 * only takes requests for its own path, so other upgrade users (none today) are unaffected.
 * Messages are serialised once per event and sent to every open client; a client that stops
 * reading (more than 1 MiB buffered) is dropped rather than letting memory grow.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Clock, TimerHandle } from '../core/clock.js';

/** Path of the live socket. */
export const LIVE_PATH = '/api/live';

const MAX_BUFFERED = 1024 * 1024;
const PING_MS = 30_000;

/** Options of {@link attachLiveSocket}. */
export interface LiveSocketOptions {
  server: Server;
  clock: Clock;
  /** May this upgrade request connect? (read access) */
  authorize(request: IncomingMessage): boolean;
  /** The first message a client gets (a fresh snapshot). */
  onConnect(send: (json: string) => void): void | Promise<void>;
  onError?: (err: Error) => void;
  /** Applied to every message before it is sent (the config's secrets become `<secret>`). */
  redact?: (json: string) => string;
}

/** The attached socket server. */
export interface LiveSocket {
  /** Sends a JSON-serialisable message to every client. */
  broadcast(message: unknown): void;
  /** Connected clients. */
  clients(): number;
  /** Closes every client and detaches; safe to call twice. */
  close(): Promise<void>;
}

/** Attaches the live socket to `server`. */
export function attachLiveSocket(options: LiveSocketOptions): LiveSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();
  let closed = false;
  let pinger: TimerHandle | undefined;

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== LIVE_PATH) return;
    if (closed) {
      socket.destroy();
      return;
    }
    if (!options.authorize(request)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n'
        + JSON.stringify({ error: 'unauthorized', code: 'PW_ERR_UNAUTHORIZED', message: 'missing or wrong token (?token=<api.token>)' }));
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      alive.set(ws, true);
      ws.on('pong', () => alive.set(ws, true));
      ws.on('error', () => ws.terminate());
      ws.on('message', () => { /* clients only listen */ });
      void Promise.resolve(options.onConnect((json) => send(ws, json))).catch((thrown: unknown) => {
        options.onError?.(thrown instanceof Error ? thrown : new Error(String(thrown)));
      });
    });
  };
  options.server.on('upgrade', onUpgrade);

  const send = (ws: WebSocket, json: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.terminate();
      return;
    }
    ws.send(options.redact === undefined ? json : options.redact(json));
  };

  const ping = () => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
    if (!closed) pinger = options.clock.setTimeout(ping, PING_MS);
  };
  pinger = options.clock.setTimeout(ping, PING_MS);

  return {
    broadcast(message) {
      if (wss.clients.size === 0) return;
      const json = JSON.stringify(message);
      for (const ws of wss.clients) send(ws, json);
    },
    clients: () => wss.clients.size,
    async close() {
      if (closed) return;
      closed = true;
      pinger?.cancel();
      options.server.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.close(1001, 'daemon stopping');
      // wss.close waits for every client's close handshake; a gone client gets a second, then is cut off
      await new Promise<void>((resolve) => {
        const t = options.clock.setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 1000);
        wss.close(() => {
          t.cancel();
          resolve();
        });
      });
    },
  };
}
