/**
 * The fault matrix: every target fault × (scheduled probe, `perfwarden load` as a child process,
 * a load the daemon runs through its API), with the classified reason asserted, the daemon alive
 * afterwards and memory bounded. Loads are driven black-box (result JSON, exit code), so the
 * matrix survives changes of the load engine.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULTS, startFaultTargets } from './fault-targets.js';
import type { Fault, FaultTargets } from './fault-targets.js';
import { exited, waitFor, waitForLine } from '../helpers/wait.js';

/** What each fault must be classified as. `load` is a class of the result's errorsByClass, or "ok" when the load judges it a success (it checks status, not content). */
const EXPECTED: Record<Fault, { probe: string; load: string }> = {
  'refused': { probe: 'connect_refused', load: 'refused' },
  'reset': { probe: 'reset', load: 'reset' },
  'big-body': { probe: 'body_too_large', load: 'ok' },
  'invalid-json': { probe: 'invalid_json', load: 'ok' },
  'hang': { probe: 'timeout', load: 'timeout' },
  'slowloris': { probe: 'timeout', load: 'timeout' },
  'tls': { probe: 'tls', load: 'tls' },
  'ws-abnormal-close': { probe: 'no_reply', load: 'reset' },
};
/** Peak RSS allowed to a process that met every fault (a 50 MB body must not be buffered per request). */
const MAX_RSS_BYTES = 400 * 1024 * 1024;
const TOKEN = 'fault-suite-token';

const dir = mkdtempSync(join(tmpdir(), 'pw-faults-'));
const children: ChildProcess[] = [];
let targets: FaultTargets;
let daemon: { child: ChildProcess; base: string; peakRss: () => number };

/** Samples a child's RSS (from /proc) every 100 ms; `peak()` is the highest seen. */
function watchRss(child: ChildProcess): () => number {
  let peak = 0;
  const t = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m !== null) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // The process is gone.
    }
  }, 100);
  child.once('exit', () => clearInterval(t));
  return () => peak;
}

function loadYaml(f: Fault): string {
  const url = targets.url[f];
  return f === 'ws-abnormal-close'
    ? `  - { name: ${f}, url: "${url}", duration: 2s, ws: { connections: 2, timeout: 1s } }`
    // A gentle open-model rate: the matrix is about classification, and must not starve the tests running beside it.
    : `  - { name: ${f}, url: "${url}", executor: constant-arrival-rate, rate: ${f === 'big-body' ? 2 : 10}, duration: 2s, preAllocatedVUs: 5, maxVUs: 20, timeout: 1s, scenarios: [{ name: main, requests: [{ path: / }] }] }`;
}

function probeYaml(f: Fault): string {
  const url = targets.url[f];
  if (f === 'ws-abnormal-close') return `  - { name: ${f}, every: 1s, ws: { url: "${url}", timeout: 1s, send: { id: probe }, matchId: $.id } }`;
  const assertJson = f === 'invalid-json' ? ', assert: { json: [{ path: $.ok, exists: true }] }' : '';
  return `  - { name: ${f}, every: 1s, http: { url: "${url}", timeout: 1s }${assertJson} }`;
}

before(async () => {
  targets = await startFaultTargets();
  writeFileSync(join(dir, 'loads.yaml'), `loads:\n${FAULTS.map(loadYaml).join('\n')}\n`);
  writeFileSync(join(dir, 'daemon.yaml'), `
server: { host: 127.0.0.1, port: 0 }
log: { level: info, format: json }
storage: { path: ${join(dir, 'pw.db')} }
api: { token: ${TOKEN} }
probes:
${FAULTS.map(probeYaml).join('\n')}
loads:
${FAULTS.map(loadYaml).join('\n')}
`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', join(dir, 'daemon.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const peakRss = watchRss(child);
  const base = (JSON.parse(await waitForLine(child, /perfwarden listening/, 30_000)) as { url: string }).url;
  child.stdout?.resume();
  child.stderr?.resume();
  daemon = { child, base, peakRss };
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await targets?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ProbeView { name: string; lastResult: { ok: boolean; reason?: string } | null }

test('scheduled probes: every fault is a failure with its classified reason; the daemon lives on with bounded memory', { timeout: 60_000 }, async () => {
  const seen = await waitFor('a result from every fault probe', async () => {
    const { probes } = (await (await fetch(`${daemon.base}/api/probes`)).json()) as { probes: ProbeView[] };
    return FAULTS.every((f) => (probes.find((p) => p.name === f)?.lastResult ?? undefined) !== undefined) ? probes : undefined;
  }, 30_000, 200);
  for (const f of FAULTS) {
    const last = seen.find((p) => p.name === f)?.lastResult;
    assert.equal(last?.ok, false, `${f}: a failure: ${JSON.stringify(last)}`);
    assert.equal(last?.reason, EXPECTED[f].probe, `${f}: classified`);
  }
  assert.equal((await fetch(`${daemon.base}/healthz`)).status, 200);
  assert.ok(daemon.peakRss() < MAX_RSS_BYTES, `daemon peak RSS ${Math.round(daemon.peakRss() / 2 ** 20)} MiB`);
});

function assertClassified(f: Fault, summary: { requests: number; errors: number; errorsByClass: Record<string, number> }): void {
  const want = EXPECTED[f].load;
  if (want === 'ok') {
    assert.ok(summary.requests > 0 && summary.errors === 0, `${f}: judged a success by status: ${JSON.stringify(summary)}`);
  } else {
    assert.ok((summary.errorsByClass[want] ?? 0) > 0, `${f}: classified ${want}: ${JSON.stringify(summary)}`);
    assert.equal(summary.errors, summary.errorsByClass[want], `${f}: every error is ${want}`);
  }
}

/**
 * A run whose every request failed is a `fail` (exit 99) even without thresholds; one judged a
 * success exits 0, and so does the WebSocket fault (its connects succeed, the closes are errors).
 */
const exitFor = (f: Fault) => (EXPECTED[f].load === 'ok' || f === 'ws-abnormal-close' ? 0 : 99);

for (const f of FAULTS) {
  test(`perfwarden load (child process) against ${f}: ${EXPECTED[f].load}, exit ${exitFor(f)}, bounded memory`, { timeout: 60_000 }, async () => {
    const out = join(dir, `load-${f}.json`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'load', join(dir, 'loads.yaml'), '-s', f, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    const peakRss = watchRss(child);
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
    const { code } = await exited(child);
    assert.equal(code, exitFor(f), `exit code\n${stderr.slice(0, 2000)}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { summary: { requests: number; errors: number; errorsByClass: Record<string, number> } };
    assertClassified(f, result.summary);
    assert.ok(peakRss() < MAX_RSS_BYTES, `peak RSS ${Math.round(peakRss() / 2 ** 20)} MiB`);
  });
}

test('perfwarden load URL --vus (closed model) against a TLS error: tls, exit 99, no crash', { timeout: 60_000 }, async () => {
  const out = join(dir, 'load-tls-closed.json');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'load', targets.url.tls, '--vus', '2', '--duration', '2s', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const { code } = await exited(child);
  assert.equal(code, 99, stderr.slice(0, 2000));
  assertClassified('tls', (JSON.parse(readFileSync(out, 'utf8')) as { summary: Parameters<typeof assertClassified>[1] }).summary);
});

interface RunView { status: string; result?: { summary: { requests: number; errors: number; errorsByClass: Record<string, number> } } }

// The daemon's loads run one after the other.
for (const f of FAULTS) {
  test(`a load the daemon runs (API) against ${f}: ${EXPECTED[f].load}; the daemon lives on`, { timeout: 60_000 }, async () => {
    const trig = await fetch(`${daemon.base}/api/loads/${f}/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(trig.status, 202);
    const { runId } = (await trig.json()) as { runId: string };
    const run = await waitFor(`run ${runId} to end`, async () => {
      const r = (await (await fetch(`${daemon.base}/api/runs/${runId}`)).json()) as RunView;
      return r.status === 'running' ? undefined : r;
    }, 30_000, 200);
    assert.equal(run.status, 'finished');
    assertClassified(f, run.result!.summary);
    assert.equal((await fetch(`${daemon.base}/healthz`)).status, 200, 'the daemon is alive');
    assert.ok(daemon.peakRss() < MAX_RSS_BYTES, `daemon peak RSS ${Math.round(daemon.peakRss() / 2 ** 20)} MiB`);
  });
}
