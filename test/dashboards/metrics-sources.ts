/**
 * What the dashboard proof scrapes:
 * - the real daemon (`createDaemon`) on its demo target, HTTP and WebSocket probes every second,
 *   telemetry wrapped in as `createDaemon` does it;
 * - a small server exposing the load domain's real `LoadMetrics` fed with synthetic requests, for
 *   as long as the daemon itself does not run a load in this short test.
 * The daemon also samples the demo's own /metrics (memory, CPU, cache counters), evaluates one
 * alert rule and routes to one webhook channel, so alert, health and notification panels have data.
 */
import { WindowFeed } from '../helpers/load-window.js';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigText } from '../../src/config/load-config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { LoadMetrics } from '../../src/load/metrics.js';
import { createRegressionGauge } from '../../src/regression/regression-gauge.js';
import { createRegistry } from '../../src/metrics/registry.js';
import { renderMetrics } from '../../src/telemetry/exposition.js';

/** The probes the daemon runs in the proof. */
export const PROOF_CONFIG = `
server: { host: 127.0.0.1, port: 0 }
log: { level: silent }
storage: { path: ":memory:" }
demo: { enabled: true, host: 127.0.0.1, port: 0, errorRate: "20%" }
targets:
  - name: demo
    demo: true
    resources:
      every: 1s
      memoryLimit: 512MiB
      sources:
        - { type: prometheus, path: /metrics, cacheHitsMetric: demo_cache_hits_total, cacheMissesMetric: demo_cache_misses_total }
      leak: { window: 1m }
alerts:
  - name: trade-errors
    for: 0s
    select: { probes: [trade] }
    measure: error_rate
    window: 30s
    warning: "> 5%"
    critical: "> 90%"
notifications:
  evaluationInterval: 1s
  channels:
    # Nothing listens there: deliveries fail and are counted, which is all the panels need.
    - { name: hook, type: webhook, url: "http://127.0.0.1:9/", timeout: 1s }
  routes:
    - { channels: [hook], groupWait: 0s }
probes:
  - name: item
    target: demo
    every: 1s
    http: { path: /api/items/1, timeout: 5s }
  - name: status
    target: demo
    every: 1s
    http: { path: /api/status, timeout: 5s }
    assert: { status: 2xx }
  - name: trade
    target: demo
    every: 1s
    http: { method: POST, path: /api/trade, json: { symbol: BTCUSD, side: buy, quantity: 1 }, timeout: 5s }
    assert: { status: 2xx }
  - name: ws-echo
    target: demo
    every: 1s
    ws: { path: /ws, timeout: 5s, send: { id: probe, type: ping }, matchId: $.id }
# Exemplars only name recorded traces, so tracing must be on; nothing listens on port 9, the
# batches fail in the background and are counted (the daemon never waits on its exporter).
telemetry:
  otlp: { endpoint: "http://127.0.0.1:9" }
`;

/** Starts the daemon for the proof. */
export async function startProofDaemon(): Promise<Daemon> {
  const config = loadConfigText(PROOF_CONFIG, 'proof.yaml', {});
  return createDaemon(config, { logger: silentLogger(), port: 0 });
}

/** A server exposing synthetic load-run metrics through the real `LoadMetrics`. */
export interface LoadSource {
  hostPort: string;
  /** Formats served so far ("openmetrics"/"prometheus"), one per scrape. */
  formats: string[];
  stop(): Promise<void>;
}

/** Starts the synthetic load source; a timer feeds it requests of run "smoke". */
export async function startLoadSource(): Promise<LoadSource> {
  const registry = createRegistry({ defaultMetrics: false });
  const load = new LoadMetrics(registry).bind('smoke', ['GET /api/status', 'POST /api/trade']);
  load.setActiveVus(10);
  load.setGeneratorLag(0.002);
  createRegressionGauge(registry).observe('smoke', { verdict: 'ok', runId: 'r2', baselineId: 'r1', rows: [], summary: 'no regression' });
  let n = 0;
  const window = new WindowFeed(load, 2);
  const feed = setInterval(() => {
    for (let i = 0; i < 20; i++, n++) {
      window.observe(n % 2, 0.01 + (n % 50) / 100, n % 17 === 0 ? '5xx' : n % 23 === 0 ? 'timeout' : '2xx');
    }
    if (n % 200 === 0) window.dropped();
    window.flush();
  }, 100);
  const formats: string[] = [];
  const server: Server = createServer((req, res) => {
    void renderMetrics(registry, req.headers.accept).then((out) => {
      formats.push(out.format);
      res.writeHead(200, { 'content-type': out.contentType }).end(out.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    hostPort: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    formats,
    async stop() {
      clearInterval(feed);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
