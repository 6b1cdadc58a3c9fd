/**
 * `perfwarden load --metrics-port`: the run's live metrics over HTTP while it runs, so the pods of
 * an Indexed Job are scraped like the daemon and Prometheus sums the shards. Only `/metrics`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { coerceError } from '../core/errors.js';
import { renderMetrics } from '../telemetry/exposition.js';

/** A running metrics endpoint. */
export interface LiveMetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves `registry` on `host:port` (`/metrics`, content negotiated like the daemon's). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<LiveMetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('only GET /metrics here\n');
      return;
    }
    renderMetrics(registry, req.headers.accept).then(
      (out) => res.writeHead(200, { 'content-type': out.contentType }).end(out.body),
      (thrown: unknown) => res.writeHead(500).end(`${coerceError(thrown).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
