import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited, waitFor, waitForLine } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'pw-recovery-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});
const TOKEN = 'recovery-token';
const auth = { authorization: `Bearer ${TOKEN}` };

async function startDaemon(config: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const line = await waitForLine(child, /perfwarden listening/, 30_000);
  child.stdout?.resume();
  child.stderr?.resume();
  return { child, base: (JSON.parse(line) as { url: string }).url };
}

interface Run { id: string; status: string; finishedAt?: number; progress?: { requests: number; elapsedSeconds: number; at: number } }

test('kill -9 during a load run, restart: the run is interrupted (not running) with what it had measured, abort says so, and a metric counts it', { timeout: 120_000 }, async () => {
  const target = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  after(() => target.close());
  const port = (target.address() as AddressInfo).port;
  const config = join(dir, 'recovery.yaml');
  writeFileSync(config, `
server: { host: 127.0.0.1, port: 0 }
log: { level: info, format: json }
storage: { path: ${join(dir, 'pw.db')} }
api: { token: ${TOKEN} }
targets: [{ name: api, url: "http://127.0.0.1:${port}" }]
loads:
  - name: long
    target: api
    executor: constant-arrival-rate
    rate: 20
    duration: 5m
    preAllocatedVUs: 2
    scenarios: [{ name: main, requests: [{ path: / }] }]
`);
  const first = await startDaemon(config);
  const trig = await fetch(`${first.base}/api/loads/long/run`, { method: 'POST', headers: auth });
  assert.equal(trig.status, 202);
  const { runId } = (await trig.json()) as { runId: string };
  // Wait until the run has persisted progress with requests in it, then kill -9 mid-run.
  const measured = await waitFor('persisted progress', async () => {
    const run = (await (await fetch(`${first.base}/api/runs/${runId}`)).json()) as Run;
    return run.status === 'running' && (run.progress?.requests ?? 0) > 0 ? run.progress : undefined;
  }, 30_000, 200);
  first.child.kill('SIGKILL');
  await exited(first.child);

  const second = await startDaemon(config);
  const run = (await (await fetch(`${second.base}/api/runs/${runId}`)).json()) as Run;
  assert.equal(run.status, 'interrupted');
  assert.ok((run.progress?.requests ?? 0) >= measured.requests, 'keeps what it had measured');
  assert.equal(run.finishedAt, run.progress?.at, 'ended at its last persisted progress');
  const listed = (await (await fetch(`${second.base}/api/runs`)).json()) as { runs: Run[] };
  assert.equal(listed.runs.find((r) => r.id === runId)?.status, 'interrupted');
  const abort = await fetch(`${second.base}/api/runs/${runId}/abort`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(abort.status, 409);
  assert.match(((await abort.json()) as { message: string }).message, /status interrupted/);
  assert.match(await (await fetch(`${second.base}/metrics`)).text(), /^perfwarden_load_runs_interrupted_total 1$/m);
  const page = await (await fetch(`${second.base}/`)).text();
  assert.match(page, /"status":"interrupted"/, 'the status page snapshot shows it');
  second.child.kill('SIGTERM');
  await exited(second.child);
});
