/** Small HTTP and WebSocket targets with known behaviour, for the load engine's tests. */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** A started target. */
export interface Target {
  url: string;
  close(): Promise<void>;
}

/** Starts an HTTP server on 127.0.0.1:0. */
export async function startHttp(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Target & { server: Server }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Answers every request after `ms`, in a child process (so the server's event loop never
 * competes with the generator's), recording the server-side hold time of each request;
 * `GET /__holds` returns their median. `GET /fast` answers at once (the transport's own cost).
 */
export async function fixedDelayProcess(ms: number): Promise<Target & { medianHold(): Promise<number> }> {
  const code = `
    const holds = [];
    const server = require('node:http').createServer((req, res) => {
      if (req.url === '/__holds') {
        const s = holds.slice().sort((a, b) => a - b);
        res.end(JSON.stringify({ median: s[Math.floor(s.length / 2)] ?? null }));
        return;
      }
      if (req.url === '/fast') {
        res.end('ok');
        return;
      }
      const start = performance.now();
      setTimeout(() => { res.end('ok'); holds.push(performance.now() - start); }, ${ms});
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    medianHold: async () => ((await (await fetch(`${url}/__holds`)).json()) as { median: number }).median,
    close: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

/**
 * Stalls once a second: a request arriving in the first `stallMs` of a second is answered when
 * the stall ends; all others at once. The shape that exposes coordinated omission.
 */
export async function stallingTarget(stallMs: number): Promise<Target> {
  const t0 = performance.now();
  return startHttp((_req, res) => {
    const inSecond = (performance.now() - t0) % 1000;
    if (inSecond < stallMs) setTimeout(() => res.end('ok'), stallMs - inSecond);
    else res.end('ok');
  });
}

/** Answers at once; `/login` returns a token, `/me` needs it, `/fail` is a 500, `/slow/N` waits N ms. */
export async function apiTarget(): Promise<Target & { hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const t = await startHttp((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume();
    if (path === '/login') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ token: 'tok-42', user: { id: 7 } }));
    } else if (path === '/me') {
      res.statusCode = req.headers.authorization === 'Bearer tok-42' ? 200 : 401;
      res.end(JSON.stringify({ id: 7 }));
    } else if (path === '/fail') {
      res.statusCode = 500;
      res.end('boom');
    } else if (path.startsWith('/slow/')) {
      setTimeout(() => res.end('ok'), Number(path.slice(6)));
    } else {
      res.end('ok');
    }
  });
  return { ...t, hits };
}

/** Latency grows with concurrency: each request waits `perRequestMs` × requests in flight. */
export async function queueingTarget(perRequestMs: number): Promise<Target> {
  let inflight = 0;
  return startHttp((_req, res) => {
    inflight++;
    setTimeout(() => {
      inflight--;
      res.end('ok');
    }, perRequestMs * inflight);
  });
}

/** A `ws` server speaking the demo target's /ws protocol (echo by id, subscribe/publish). */
export async function wsTarget(): Promise<Target & { connections(): number }> {
  const t = await startHttp((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ server: t.server, path: '/ws' });
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as { type?: string; id?: unknown; payload?: unknown };
      const ts = Date.now();
      if (msg.type === 'subscribe') {
        subscribers.add(ws);
        ws.send(JSON.stringify({ id: msg.id ?? null, type: 'subscribed', ts }));
      } else if (msg.type === 'publish') {
        const frame = JSON.stringify({ type: 'broadcast', id: msg.id, payload: msg.payload ?? null, ts });
        let receivers = 0;
        for (const s of subscribers) {
          if (s.readyState === s.OPEN) {
            s.send(frame);
            receivers++;
          }
        }
        ws.send(JSON.stringify({ id: msg.id, type: 'published', receivers, ts }));
      } else {
        ws.send(JSON.stringify({ id: msg.id ?? null, type: 'echo', echo: msg, ts }));
      }
    });
    ws.on('close', () => subscribers.delete(ws));
  });
  return {
    url: t.url.replace('http', 'ws'),
    connections: () => wss.clients.size,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await t.close();
    },
  };
}
