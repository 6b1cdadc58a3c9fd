/**
 * A real Prometheus (Debian's /usr/bin/prometheus) for tests: temp config and TSDB, a free port
 * on 127.0.0.1, 1 s scrapes, exemplar storage on. Stopped (SIGTERM, then SIGKILL) by `stop()`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Path of the Prometheus binary. */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** A running Prometheus. */
export interface PrometheusProcess {
  url: string;
  pid: number | undefined;
  /** stdout+stderr so far, for failure messages. */
  log(): string;
  /** GET `/api/v1/<path>` and return `data` (throws on non-success). */
  api<T>(path: string, params?: Record<string, string>): Promise<T>;
  /** Polls `check` every 250 ms until it returns true or `timeoutMs` passes. */
  waitUntil(what: string, check: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (Prometheus needs a number, not 0). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How the job scrapes, beyond its targets: blackbox_exporter's `/probe?module=…&target=…` form. */
export interface ScrapeShape {
  metricsPath: string;
  params: Record<string, string>;
  /** `relabel_configs` entries, one YAML flow mapping each. */
  relabel: string[];
}

/**
 * Starts Prometheus scraping `targets` ("127.0.0.1:port") every `intervalSeconds` (default 1),
 * waits until it is ready.
 */
export async function startPrometheus(targets: string[], jobName = 'perfwarden', intervalSeconds = 1, shape?: ScrapeShape): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-prom-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    '  evaluation_interval: 1s',
    'scrape_configs:',
    `  - job_name: ${jobName}`,
    `    scrape_interval: ${intervalSeconds}s`,
    `    scrape_timeout: ${intervalSeconds * 900}ms`,
    ...(shape === undefined ? [] : [
      `    metrics_path: ${shape.metricsPath}`,
      '    params:',
      ...Object.entries(shape.params).map(([k, v]) => `      ${k}: [${JSON.stringify(v)}]`),
      '    relabel_configs:',
      ...shape.relabel.map((r) => `      - ${r}`),
    ]),
    '    static_configs:',
    `      - targets: [${targets.map((t) => `"${t}"`).join(', ')}]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--enable-feature=exemplar-storage',
    '--log.level=warn',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { output += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}) while waiting for ${what}:\n${output}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const handle: PrometheusProcess = {
    url,
    pid: child.pid,
    log: () => output,
    async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
      const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
      const body = await res.json() as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
      return body.data;
    },
    waitUntil,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil('prometheus to be ready', async () => (await fetch(`${url}/-/ready`)).ok);
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}
