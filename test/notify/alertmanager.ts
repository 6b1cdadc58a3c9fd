/** Starts the real Debian Alertmanager on a free loopback port with a temp dir; `stop()` ends it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { reservePort } from './smtp-catcher.js';

/** An alert as `GET /api/v2/alerts` lists it. */
export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** A running Alertmanager. */
export interface RunningAlertmanager {
  base: string;
  /** Alerts Alertmanager considers current (it leaves out resolved ones). */
  alerts(): Promise<AmAlert[]>;
  stop(): Promise<void>;
}

/** Starts `/usr/bin/prometheus-alertmanager` with `resolve_timeout` and waits for `/-/ready`. */
export async function startAlertmanager(resolveTimeout = '5m'): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-am-'));
  const port = await reservePort();
  const cfg = join(dir, 'am.yml');
  writeFileSync(cfg, `global:\n  resolve_timeout: ${resolveTimeout}\nroute:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n`);
  const am = spawn('/usr/bin/prometheus-alertmanager', [
    `--config.file=${cfg}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
  ], { stdio: 'ignore' });
  const stop = async () => {
    if (am.exitCode === null && am.signalCode === null) {
      const exited = new Promise<void>((resolve) => am.once('exit', () => resolve()));
      am.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await request(`${base}/-/ready`).then(async (r) => { await r.body.dump(); return r.statusCode === 200; }, () => false);
    if (ok) break;
    if (Date.now() > deadline || am.exitCode !== null) {
      await stop();
      throw new Error('alertmanager did not become ready');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    stop,
    async alerts() {
      const r = await request(`${base}/api/v2/alerts`);
      return (await r.body.json()) as AmAlert[];
    },
  };
}
