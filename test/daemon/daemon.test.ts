import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfigText } from '../../src/config/load-config.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ProbeResult } from '../../src/probe/types.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { exited, waitFor, waitForLine } from '../helpers/wait.js';

const DEFAULT_CONFIG = new URL('../../config/default.yaml', import.meta.url).pathname;

/** The shipped default config on free ports, in memory, with fast probes. */
function fastDefaultConfig() {
  const text = readFileSync(DEFAULT_CONFIG, 'utf8')
    .replace(/port: 9464/, 'port: 0')
    .replace(/port: 9465/, 'port: 0')
    .replace(/path: \.\/data\/perfwarden\.db/, 'path: ":memory:"')
    .replace(/every: \d+s/g, 'every: 1s')
    .replace(/cron: "\*\/15 \* \* \* \* \*"/, 'cron: "* * * * * *"');
  return loadConfigText(text, 'default.yaml', {});
}


let daemon: Daemon;
const results: ProbeResult[] = [];

before(async () => {
  daemon = await createDaemon(fastDefaultConfig(), { logger: silentLogger() });
  daemon.context.events.on('probe:result', (r) => results.push(r));
});

after(async () => {
  await daemon?.stop('test done');
});

test('the default config probes the demo target: every probe reports, all succeed', async () => {
  const names = fastDefaultConfig().probes.map((p) => p.name);
  await waitFor('a result from every probe', () => (names.every((n) => results.some((r) => r.probe === n)) ? true : undefined), 30_000);
  for (const name of names) {
    const mine = results.filter((r) => r.probe === name);
    assert.ok(mine.some((r) => r.ok), `${name} never succeeded: ${JSON.stringify(mine.at(-1))}`);
  }
  const ws = results.find((r) => r.kind === 'ws' && r.ok);
  assert.ok(ws?.ws !== undefined && ws.ws.rttSeconds !== undefined && ws.ws.connectSeconds > 0);
});

test('/metrics shows probe histograms for every probe and passes promtool check metrics', async () => {
  const res = await fetch(`${daemon.url}/metrics`);
  assert.equal(res.status, 200);
  const text = await res.text();
  for (const p of fastDefaultConfig().probes) {
    assert.match(text, new RegExp(`perfwarden_probe_duration_seconds_bucket\\{[^}]*probe="${p.name}"`), p.name);
    assert.match(text, new RegExp(`perfwarden_probe_runs_total\\{probe="${p.name}",outcome="success"`), p.name);
  }
  assert.match(text, /perfwarden_probe_phase_duration_seconds_bucket\{[^}]*phase="ttfb"/);
  assert.match(text, /perfwarden_ws_connect_duration_seconds_bucket\{[^}]*probe="ws-echo"/);
  assert.match(text, /perfwarden_ws_message_rtt_seconds_count\{probe="ws-echo"\} [1-9]/);
  assert.match(text, /perfwarden_probe_success\{probe="status",target="demo"\} 1/);
  assert.match(text, /nodejs_eventloop_lag_seconds/);
  const check = promtoolCheckMetrics(text);
  assert.equal(check.status, 0, check.output);
});

test('/healthz and /readyz answer', async () => {
  assert.equal((await fetch(`${daemon.url}/healthz`)).status, 200);
  const ready = await fetch(`${daemon.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready' });
});

test('SIGINT stops the real CLI within 5 s with exit code 0, even with a probe in flight', async () => {
  // A target that holds every request for 3 s, so a probe is in flight when the signal comes.
  let inFlight = 0;
  const slow: Server = createServer((_req, res) => {
    inFlight += 1;
    setTimeout(() => res.end('late'), 3000).unref();
  });
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const port = (slow.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'pw-shutdown-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, `server: { port: 0 }
log: { format: json }
storage: { path: "${join(dir, 'pw.db')}" }
targets:
  - { name: slow, url: "http://127.0.0.1:${port}" }
probes:
  - { name: slow, target: slow, every: 1s, http: { path: /, timeout: 20s } }
`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', file], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await waitForLine(child, /perfwarden listening/, 30_000);
    const url = (JSON.parse(line) as { url: string }).url;
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    await waitFor('a probe in flight', () => (inFlight > 0 ? true : undefined), 10_000);
    const t0 = Date.now();
    child.kill('SIGINT');
    const { code } = await exited(child);
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    slow.closeAllConnections();
    slow.close();
  }
});

test('a config with mistakes: the CLI prints every problem with file:line and exits 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-bad-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, 'server:\n  port: -1\nprobes:\n  - name: a\n    every: soon\n    http: { url: "http://127.0.0.1:1/", timeout: 2 }\n');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate', file], {
    cwd: new URL('../..', import.meta.url).pathname,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const { code } = await exited(child);
  assert.equal(code, 2);
  assert.match(stderr, /bad\.yaml:2:\d+ server\.port/);
  assert.match(stderr, /bad\.yaml:5:\d+ probes\[0\]\.every: expected an interval like "15s"/);
  assert.match(stderr, /bad\.yaml:6:\d+ probes\[0\]\.http\.timeout/);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
});
