/** Real servers on 127.0.0.1:0 and probe configs for the HTTP probe tests. */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssertConfig, HttpRequestConfig, ProbeOfType } from '../../src/config/sections/probes.js';

/** A running test server with the sockets it accepted. */
export interface TestServer {
  server: Server;
  port: number;
  /** Base URL on 127.0.0.1. */
  url: string;
  /** Every TCP socket accepted so far. */
  sockets: Socket[];
  /** Resolves with the next accepted socket. */
  nextSocket(): Promise<Socket>;
  close(): Promise<void>;
}

function track(server: Server): Omit<TestServer, 'port' | 'url'> {
  const sockets: Socket[] = [];
  const waiting: ((s: Socket) => void)[] = [];
  const onSocket = (socket: Socket): void => {
    sockets.push(socket);
    waiting.shift()?.(socket);
  };
  // The raw TCP socket, for HTTPS too: its 'close' is the connection's end.
  server.on('connection', onSocket);
  return {
    server,
    sockets,
    nextSocket: () => new Promise((resolve) => waiting.push(resolve)),
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function listen(server: Server, scheme: 'http' | 'https'): Promise<TestServer> {
  const tracked = track(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { ...tracked, port, url: `${scheme}://127.0.0.1:${port}` };
}

/** An HTTP server on a free port. */
export function startHttpServer(handler: RequestListener): Promise<TestServer> {
  return listen(createHttpServer(handler), 'http');
}

/** An HTTPS server on a free port with the given key and certificate. */
export function startHttpsServer(tls: { key: string; cert: string }, handler: RequestListener): Promise<TestServer> {
  return listen(createHttpsServer(tls, handler), 'https');
}

/** A port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A throwaway self-signed certificate for localhost/127.0.0.1, or undefined without `openssl`. */
export function selfSignedCert(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'pw-http-probe-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A decoded probe config with the schema's defaults, as config loading would produce it. */
export function httpProbe(http: Partial<HttpRequestConfig>, assert?: AssertConfig, name = 'p'): ProbeOfType<'http'> {
  const probe: ProbeOfType<'http'> = {
    name,
    type: 'http',
    every: 15_000,
    phaseHistogram: false,
    http: {
      method: 'GET',
      timeout: 5_000,
      followRedirects: false,
      maxRedirects: 5,
      tlsVerify: true,
      maxBodySize: 1024 * 1024,
      ...http,
    },
  };
  if (assert !== undefined) probe.assert = assert;
  return probe;
}

/** Sends `res` a JSON body. */
export function sendJson(res: ServerResponse, value: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** Reads a request body as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
