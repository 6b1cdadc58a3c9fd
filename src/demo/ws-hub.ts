/**
 * The demo target's WebSocket endpoint `/ws`: echoes JSON messages with their `id`, and lets
 * clients `subscribe` and `publish` so a load test can measure broadcast fan-out (one publish,
 * N receivers; each broadcast carries the publisher's message id, its payload and the server's
 * send timestamp). `ws` runs with `noServer` on the HTTP server's `upgrade` event, which is
 * where the slow-handshake knob waits before completing the upgrade.
 *
 * Protocol (JSON text frames):
 *  - `{type:'subscribe', id?}`   → `{id, type:'subscribed', ts}`, then every broadcast
 *  - `{type:'unsubscribe', id?}` → `{id, type:'unsubscribed', ts}`
 *  - `{type:'publish', id, payload}` → to each subscriber `{type:'broadcast', id, payload, ts}`,
 *    to the publisher `{id, type:'published', receivers, ts}`
 *  - anything else → `{id, type:'echo', echo: <message>, ts}`; non-JSON → `{type:'error', error:'invalid_json'}`
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** The WebSocket side of the demo target. */
export interface WsHub {
  /** Handles an HTTP upgrade; anything but `/ws` is answered 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  stats(): { connections: number; subscribers: number };
  /** Terminates every connection and pending handshake. */
  close(): Promise<void>;
}

/** What the hub needs. */
export interface WsHubDeps {
  clock: Clock;
  logger: Logger;
  /** The current slow-handshake delay in milliseconds (read per upgrade). */
  handshakeDelay(): number;
}

/** WebSocket path served by the demo. */
export const DEMO_WS_PATH = '/ws';

/** Creates the hub. */
export function createWsHub(deps: WsHubDeps): WsHub {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  const subscribers = new Set<WebSocket>();
  const pending = new Map<Duplex, TimerHandle>();
  let closed = false;

  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => onMessage(ws, data, isBinary));
    ws.on('close', () => subscribers.delete(ws));
    ws.on('error', (err) => deps.logger.debug({ err }, 'demo websocket error'));
  });

  function send(ws: WebSocket, message: unknown): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }

  function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    let msg: unknown;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    } catch {
      send(ws, { type: 'error', error: 'invalid_json', ts: deps.clock.now() });
      return;
    }
    const obj = typeof msg === 'object' && msg !== null && !Array.isArray(msg) ? (msg as Record<string, unknown>) : {};
    const id = obj.id ?? null;
    const ts = deps.clock.now();
    switch (obj.type) {
      case 'subscribe':
        subscribers.add(ws);
        send(ws, { id, type: 'subscribed', ts });
        return;
      case 'unsubscribe':
        subscribers.delete(ws);
        send(ws, { id, type: 'unsubscribed', ts });
        return;
      case 'publish': {
        const frame = JSON.stringify({ type: 'broadcast', id, payload: obj.payload ?? null, ts });
        let receivers = 0;
        for (const sub of subscribers) {
          if (sub.readyState !== WebSocket.OPEN) continue;
          sub.send(frame);
          receivers++;
        }
        send(ws, { id, type: 'published', receivers, ts });
        return;
      }
      default:
        send(ws, { id, type: 'echo', echo: msg, ts });
    }
  }

  function complete(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    pending.delete(socket);
    if (closed || socket.destroyed) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  return {
    handleUpgrade(req, socket, head) {
      const path = (req.url ?? '/').split('?')[0];
      if (closed || path !== DEMO_WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found');
        return;
      }
      socket.on('error', () => socket.destroy());
      const delay = deps.handshakeDelay();
      if (delay <= 0) {
        complete(req, socket, head);
        return;
      }
      pending.set(socket, deps.clock.setTimeout(() => complete(req, socket, head), delay));
      socket.once('close', () => {
        pending.get(socket)?.cancel();
        pending.delete(socket);
      });
    },
    stats: () => ({ connections: wss.clients.size, subscribers: subscribers.size }),
    async close() {
      closed = true;
      for (const [socket, timer] of pending) {
        timer.cancel();
        socket.destroy();
      }
      pending.clear();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
