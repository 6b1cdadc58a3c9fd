/** Starts the real Debian Alertmanager on free loopback ports with a temp dir; `stop()` ends it. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { reservePort } from './smtp-catcher.js';
import { waitFor } from '../helpers/wait.js';

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
  /** The value of one of its own metrics (summed over label sets), from `/metrics`. */
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `/usr/bin/prometheus-alertmanager` (no cluster) with `resolve_timeout` and a receiver that sends nothing. */
export async function startAlertmanager(resolveTimeout = '5m'): Promise<RunningAlertmanager> {
  const config = `global:\n  resolve_timeout: ${resolveTimeout}\nroute:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n`;
  return spawnAlertmanager(config, await reservePort(), ['--cluster.listen-address=']);
}

/** Timing of an Alertmanager HA cluster, short enough for a test. */
export interface ClusterTiming {
  /** How long the peer at position p waits (p × this) before it checks whether another peer already notified. */
  peerTimeout: string;
  /** Gossip interval; the cluster settles after about 10 × this × 4. */
  gossipInterval: string;
}

/**
 * Starts `size` Alertmanagers with one `config` (YAML) as a gossip cluster on loopback
 * (`--cluster.listen-address` / `--cluster.peer`), and resolves once every member reports the
 * cluster `ready` with all peers: from then on they de-duplicate notifications among themselves.
 */
export async function startAlertmanagerCluster(size: number, config: string, timing: ClusterTiming = { peerTimeout: '1s', gossipInterval: '50ms' }): Promise<RunningAlertmanager[]> {
  const clusterPorts = await Promise.all(Array.from({ length: size }, () => reservePort()));
  const members: RunningAlertmanager[] = [];
  try {
    for (const [i, port] of clusterPorts.entries()) {
      members.push(await spawnAlertmanager(config, await reservePort(), [
        `--cluster.listen-address=127.0.0.1:${port}`,
        `--cluster.advertise-address=127.0.0.1:${port}`,
        ...clusterPorts.filter((_, j) => j !== i).map((p) => `--cluster.peer=127.0.0.1:${p}`),
        `--cluster.peer-timeout=${timing.peerTimeout}`,
        `--cluster.gossip-interval=${timing.gossipInterval}`,
        '--cluster.pushpull-interval=1s',
      ]));
    }
    for (const am of members) {
      await waitFor(`${am.base} to see a settled cluster of ${size}`, async () => {
        const r = await request(`${am.base}/api/v2/status`);
        const status = (await r.body.json()) as { cluster?: { status?: string; peers?: unknown[] } };
        return status.cluster?.status === 'ready' && status.cluster.peers?.length === size ? true : undefined;
      }, 30_000, 100);
    }
  } catch (thrown) {
    for (const am of members) await am.stop();
    throw thrown;
  }
  return members;
}

async function spawnAlertmanager(config: string, port: number, extraArgs: readonly string[]): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'pw-am-'));
  const cfg = join(dir, 'am.yml');
  writeFileSync(cfg, config);
  const am = spawn('/usr/bin/prometheus-alertmanager', [
    `--config.file=${cfg}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...extraArgs,
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
  try {
    await waitFor('alertmanager to become ready', async () => {
      if (am.exitCode !== null) throw new Error(`alertmanager exited with ${am.exitCode}`);
      return request(`${base}/-/ready`).then(async (r) => { await r.body.dump(); return r.statusCode === 200 ? true : undefined; }, () => undefined);
    }, 30_000, 200);
  } catch (thrown) {
    await stop();
    throw thrown;
  }
  return {
    base,
    stop,
    async alerts() {
      const r = await request(`${base}/api/v2/alerts`);
      return (await r.body.json()) as AmAlert[];
    },
    async metric(name: string) {
      const text = await (await request(`${base}/metrics`)).body.text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
        if (m?.[1] === name) sum += Number(m[3]);
      }
      return sum;
    },
  };
}
