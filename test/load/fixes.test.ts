/**
 * Fixes from the load engine's review: connections that cap concurrency, the knee and a sweep's
 * verdict, the `aborted` verdict and exit codes, CLI input/output checks, WebSocket echo expiry,
 * reconnection and per-endpoint thresholds, and the README's examples.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { loadConfigText } from '../../src/config/load-config.js';
import { runCli } from '../../src/cli/program.js';
import { exitCodeOf, formatSummary } from '../../src/cli/load-command.js';
import { planLoad } from '../../src/load/plan/plan.js';
import { abortText, findKnee, judge, kneeText, sweepOutcome } from '../../src/load/result/judge.js';
import type { LoadResult, StepResult } from '../../src/load/result/result.js';
import { startLoad } from '../../src/load/driver.js';
import { renderHtml, renderJunit, renderMarkdown } from '../../src/report/index.js';
import { loadConfig, oneRequest } from './load-fixtures.js';
import { startHttp, wsTarget } from './targets.js';
import type { Target } from './targets.js';
import { captureIo } from '../helpers/capture-io.js';

/** An HTTP target holding each request `holdMs`, counting the most requests in flight at once. */
async function concurrencyTarget(holdMs: number): Promise<Target & { peak(): number; bodies: { type: string | undefined; body: string }[] }> {
  let inflight = 0;
  let peak = 0;
  const bodies: { type: string | undefined; body: string }[] = [];
  const t = await startHttp((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'POST') bodies.push({ type: req.headers['content-type'], body });
      if (req.url === '/fail') {
        res.statusCode = 500;
        res.end('boom');
        return;
      }
      inflight++;
      peak = Math.max(peak, inflight);
      setTimeout(() => {
        inflight--;
        res.end('ok');
      }, holdMs);
    });
  });
  return { ...t, peak: () => peak, bodies };
}

const lat = (p95: number) => ({ count: 100, avg: p95 / 2, min: 1, p50: p95 / 2, p90: p95 * 0.9, p95, p99: p95 * 1.4, p999: p95 * 2, max: p95 * 2.5 });
const step = (index: number, ok: boolean): StepResult => ({ index, vus: (index + 1) * 10, requests: 100, errors: 0, errorRate: 0, rps: 50, iterations: 100, iterationRate: 10, droppedIterations: 0, latencyMs: lat(20), histogram: '', durationSeconds: 10, saturatedSeconds: 0, unmeasurable: false, thresholds: [], ok });

function result(over: Partial<LoadResult> = {}): LoadResult {
  return {
    version: 2, runId: 'r', name: 'n', executor: 'constant-vus', target: 'http://127.0.0.1:1',
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:10.000Z', measuredFrom: '2026-01-01T00:00:00.000Z', aborted: null,
    summary: { requests: 100, errors: 7, errorRate: 0.07, rps: 10, durationSeconds: 10, iterations: 100, droppedIterations: 0, checks: { passed: 90, failed: 10 }, errorsByClass: { '5xx': 4, timeout: 3 } },
    latencyMs: lat(20), endpoints: [], steps: [], knee: null, capacityKnee: null, thresholds: [],
    generator: { workers: 2, segment: '0/1', cpuSeconds: 3.2, threads: [{ worker: 0, cpuSeconds: 1.6, requests: 50 }, { worker: 1, cpuSeconds: 1.6, requests: 50 }], saturatedSeconds: 2.03, maxEventLoopLagMs: 80, avgCpuPercent: 30 },
    timeSeries: [], histogram: '', verdict: 'pass', warnings: [],
    ...over,
  };
}

let tmp = '';
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pw-load-fixes-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

// 1. Connections must not cap concurrency.

test('default connections: the largest VU step, maxVUs in the open model; a warning when VUs exceed connections', () => {
  const base = { url: 'http://127.0.0.1:1' };
  assert.equal(planLoad(loadConfig({ name: 's', url: base.url, executor: 'sweep', sweep: { steps: [50, 150], stepDuration: '1s' }, scenarios: oneRequest('/') }), base).connections, 150);
  assert.equal(planLoad(loadConfig({ name: 'o', url: base.url, executor: 'constant-arrival-rate', rate: 10, duration: '1s', maxVUs: 400, scenarios: oneRequest('/') }), base).connections, 400);
  assert.equal(planLoad(loadConfig({ name: 'r', url: base.url, executor: 'sweep', sweep: { mode: 'rate', steps: [10] }, maxVUs: 300, scenarios: oneRequest('/') }), base).connections, 300);
  assert.deepEqual(planLoad(loadConfig({ name: 'c', url: base.url, vus: 150, duration: '1s', scenarios: oneRequest('/') }), base).warnings, []);
  const few = planLoad(loadConfig({ name: 'c', url: base.url, vus: 150, connections: 20, duration: '1s', scenarios: oneRequest('/') }), base);
  assert.match(few.warnings.join('\n'), /150 VUs share 20 connections/);
});

test('a 150-VU sweep step reaches 150 requests in flight at the server, like constant-vus 150', { timeout: 60_000 }, async () => {
  const target = await concurrencyTarget(200);
  try {
    const load = loadConfig({ name: 'sweep', url: target.url, executor: 'sweep', sweep: { steps: [150], stepDuration: '1s' }, scenarios: oneRequest('/') });
    await startLoad(load, { url: target.url }).done;
    assert.ok(target.peak() > 130, `peak concurrency at the server ${target.peak()} (was capped at 100)`);
  } finally {
    await target.close();
  }
});

test('the open model is not capped at 100 connections: iterations in flight reach the server', { timeout: 60_000 }, async () => {
  const target = await concurrencyTarget(800);
  try {
    const load = loadConfig({ name: 'open', url: target.url, executor: 'constant-arrival-rate', rate: 300, duration: '1s', scenarios: oneRequest('/') });
    const r = await startLoad(load, { url: target.url }).done;
    assert.ok(target.peak() > 130, `peak concurrency at the server ${target.peak()} (was capped at 100)`);
    assert.equal(r.summary.droppedIterations, 0);
  } finally {
    await target.close();
  }
});

// 2. The knee and a sweep's verdict.

test('a sweep where every step passes has no knee; its verdict follows the steps', () => {
  const all = [step(0, true), step(1, true)];
  assert.equal(findKnee(all), null);
  assert.equal(sweepOutcome({ steps: all, knee: null }), 'all-passed');
  assert.match(kneeText({ steps: all, knee: null }) ?? '', /no knee within the tested steps/);
  const md = renderMarkdown(result({ executor: 'sweep', steps: all, knee: null }));
  assert.match(md, /No knee within the tested steps/);
  assert.doesNotMatch(md, /← knee/);
  assert.match(formatSummary(result({ steps: all })), /No knee within the tested steps/);

  const failing = [{ name: 'p(95)', expression: 'p(95)<50ms', value: 90, ok: false }];
  const mixed = [step(0, true), step(1, false)];
  assert.equal(findKnee(mixed)?.index, 0);
  const summary = result().summary;
  assert.equal(judge({ aborted: null, steps: mixed, thresholds: failing, summary }).verdict, 'pass', 'a knee exists: pass even though the whole run misses the SLO');
  assert.equal(judge({ aborted: null, steps: [step(0, false)], thresholds: failing, summary }).verdict, 'fail');
});

// 3. Interrupted and failed runs.

test('a run stopped other than by abortOnFail is aborted; abortOnFail stays fail; every request failed is a fail; exit codes 130 / 1 / 99', () => {
  const judged = (over: Partial<LoadResult>): LoadResult => {
    const r = result(over);
    const j = judge(r);
    return { ...r, verdict: j.verdict, ...(j.reason === undefined ? {} : { verdictReason: j.reason }) };
  };
  const stopped = judged({ aborted: { cause: 'stopped', reason: 'interrupted (SIGINT)', atSeconds: 1.2 } });
  assert.equal(stopped.verdict, 'aborted');
  assert.equal(exitCodeOf(stopped, true), 130);
  const crashed = judged({ aborted: { cause: 'internal', error: 'boom', atSeconds: 1.2 } });
  assert.equal(crashed.verdict, 'aborted');
  assert.equal(abortText(crashed.aborted!), 'internal error: boom');
  assert.equal(exitCodeOf(crashed, false), 1);
  const outcome = { name: 'p(95)', expression: 'p(95)<200ms', value: 234.5678, ok: false };
  const gated = judged({ aborted: { cause: 'threshold', outcome, atSeconds: 10 }, thresholds: [{ ...outcome, ok: true }] });
  assert.equal(gated.verdict, 'fail');
  assert.equal(exitCodeOf(gated, false), 99);
  assert.equal(abortText(gated.aborted!), 'abortOnFail: threshold p(95)<200ms failed (measured 235 ms)');
  assert.equal(abortText({ cause: 'threshold', outcome: { name: 'error_rate', expression: 'error_rate<0.1%', value: 0.25, ok: false }, atSeconds: 1 }), 'abortOnFail: threshold error_rate<0.1% failed (measured 25.0 %)');
  const allFailed = judged({ summary: { ...result().summary, requests: 40, errors: 40, errorsByClass: { refused: 40 } } });
  assert.equal(allFailed.verdict, 'fail');
  assert.equal(allFailed.verdictReason, 'every request failed');
  assert.equal(exitCodeOf(allFailed, false), 99);
  assert.match(formatSummary(allFailed), /verdict: FAIL \(every request failed\)/);
  assert.match(renderJunit(allFailed), /failures="1"[\s\S]*every request failed/);
  assert.match(renderMarkdown(stopped), /— ⏹️ ABORTED/);
  assert.match(renderHtml(stopped), /class="aborted">ABORTED</);
  assert.match(renderJunit(stopped), /type="aborted"/);
  assert.match(formatSummary(stopped), /verdict: ABORTED/);
  assert.match(formatSummary(stopped), /generator: 2 worker threads, 3\.2 CPU-seconds \(1\.6 \+ 1\.6\)/);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} stops a CLI run: verdict aborted, exit 130, --out and --report still written`, { timeout: 60_000 }, async () => {
    const target = await concurrencyTarget(5);
    try {
      const io = captureIo();
      const out = join(tmp, `${signal}.json`);
      const report = join(tmp, `${signal}.md`);
      const running = runCli(['load', `${target.url}/`, '--vus', '2', '--duration', '30s', '--progress-every', '1', '--out', out, '--report', report], io);
      // Wait for the first progress line, then signal.
      while (!io.stdout.includes('req/s')) await new Promise((r) => setTimeout(r, 50));
      process.emit(signal);
      await running;
      assert.equal(io.code, 130, io.stdout + io.stderr);
      assert.match(io.stdout, /stopped early: interrupted/);
      assert.match(io.stdout, /verdict: ABORTED/);
      assert.equal((JSON.parse(readFileSync(out, 'utf8')) as LoadResult).verdict, 'aborted');
      assert.match(readFileSync(report, 'utf8'), /ABORTED/);
    } finally {
      await target.close();
    }
  });
}

// 4. CLI input and output.

test('CLI refuses bad input before the run: --duration 0s, URL-mode options with a FILE, unwritable --out/--report', { timeout: 60_000 }, async () => {
  const target = await concurrencyTarget(1);
  try {
    const zero = captureIo();
    await runCli(['load', `${target.url}/`, '--duration', '0s'], zero);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /duration above 0/);

    const file = join(tmp, 'load.yaml');
    writeFileSync(file, `loads:\n  - name: l\n    url: "${target.url}"\n    vus: 1\n    duration: 300ms\n    scenarios: [{ name: s, requests: [{ path: / }] }]\n`);
    const mixed = captureIo();
    await runCli(['load', file, '--vus', '5', '--body', '{}'], mixed);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--vus, --body: URL-mode options/);

    const noDir = captureIo();
    await runCli(['load', `${target.url}/`, '--duration', '1s', '--out', join(tmp, 'missing', 'r.json')], noDir);
    assert.equal(noDir.code, 2);
    assert.match(noDir.stderr, /--out .*does not exist or is not writable/);
    const dirReport = captureIo();
    await runCli(['load', file, '--report', join(tmp, 'missing', 'r.html')], dirReport);
    assert.equal(dirReport.code, 2);
    assert.doesNotMatch(noDir.stdout + dirReport.stdout, /requests/, 'nothing ran');
    assert.equal(target.peak(), 0, 'no request reached the target');

    const ok = captureIo();
    await runCli(['load', file], ok);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /verdict: PASS \(no thresholds\)/);
  } finally {
    await target.close();
  }
});

test('CLI: a JSON --body is sent as application/json unless -H sets a content type; the summary shows errors by class', { timeout: 60_000 }, async () => {
  const target = await concurrencyTarget(1);
  try {
    const json = captureIo();
    await runCli(['load', `${target.url}/`, '-X', 'POST', '--body', '{"a":1}', '--vus', '1', '--duration', '300ms'], json);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(target.bodies[0]?.type, 'application/json');
    assert.equal(target.bodies[0]?.body, '{"a":1}');
    target.bodies.length = 0;
    const plain = captureIo();
    await runCli(['load', `${target.url}/`, '-X', 'POST', '--body', '{"a":1}', '-H', 'Content-Type: text/plain', '--rate', '5', '--connections', '1', '--duration', '300ms'], plain);
    assert.equal(target.bodies[0]?.type, 'text/plain');
    assert.match(plain.stderr, /warning: 1000 iterations in flight \(maxVUs\) share 1 connections/);

    const failing = captureIo();
    await runCli(['load', `${target.url}/fail`, '--vus', '1', '--duration', '300ms', '--threshold', 'error_rate<1%'], failing);
    assert.equal(failing.code, 99);
    assert.match(failing.stdout, /errors by class: 5xx \d/);
  } finally {
    await target.close();
  }
});

test('summary and reports: checks passed/failed, errors by class in HTML, no float noise', () => {
  const r = result();
  const text = formatSummary(r);
  assert.match(text, /errors by class: 5xx 4, timeout 3/);
  assert.match(text, /checks 90 passed, 10 failed/);
  assert.match(text, /saturated for 2\.03 s /);
  assert.match(text, /verdict: PASS \(no thresholds\)/);
  const html = renderHtml(r);
  assert.match(html, /Errors by class/);
  assert.match(html, /<td>timeout<\/td><td>3<\/td>/);
  assert.match(html, /saturated 2\.03 s\./);
  assert.match(renderMarkdown(r), /saturated for 2\.03 s/);
});

// 5. WebSocket load.

/** A WebSocket server that accepts connections and answers nothing. */
async function silentWs(): Promise<Target> {
  const t = await startHttp((_req, res) => res.end());
  const wss = new WebSocketServer({ server: t.server, path: '/ws' });
  return {
    url: t.url.replace('http', 'ws'),
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await t.close();
    },
  };
}

test('ws: unanswered echoes expire after the timeout as timeout errors during the run', { timeout: 60_000 }, async () => {
  const target = await silentWs();
  try {
    const load = loadConfig({ name: 'silent', url: target.url, duration: '1500ms', ws: { path: '/ws', connections: 3, echoInterval: '50ms', timeout: '200ms' } });
    let errorsDuringRun = 0;
    const r = await startLoad(load, { url: target.url }, {
      onProgress: (p) => {
        if (p.phase === 'run') errorsDuringRun = Math.max(errorsDuringRun, p.errors);
      },
    }).done;
    assert.ok(errorsDuringRun > 0, 'expired echoes are errors while the run goes on');
    assert.ok((r.ws?.echo.lost ?? 0) > 0);
    assert.equal(r.summary.errorsByClass.timeout, r.ws?.echo.lost);
    const echo = r.endpoints.find((e) => e.name === 'ws echo');
    assert.ok(echo !== undefined && echo.latencyMs.max !== null && echo.latencyMs.max < 260, `a lost echo counts the timeout, not the run's end (max ${String(echo?.latencyMs.max)})`);
  } finally {
    await target.close();
  }
});

test('ws: connections the server closes are reconnected and counted as drops and errors', { timeout: 60_000 }, async () => {
  const t = await startHttp((_req, res) => res.end());
  const wss = new WebSocketServer({ server: t.server, path: '/ws' });
  let accepted = 0;
  wss.on('connection', (ws) => {
    accepted++;
    if (accepted <= 3) setTimeout(() => ws.close(), 200);
    ws.on('message', (d) => ws.send(JSON.stringify({ ...(JSON.parse(d.toString()) as object), type: 'echo' })));
  });
  try {
    const url = t.url.replace('http', 'ws');
    const load = loadConfig({ name: 'drops', url, duration: '1500ms', ws: { path: '/ws', connections: 3, echoInterval: '100ms' } });
    const r = await startLoad(load, { url }).done;
    assert.equal(r.ws?.reconnect.dropped, 3);
    assert.equal(r.ws?.reconnect.recovered, 3);
    assert.ok(r.ws?.reconnect.recoveryMs !== null && r.ws?.reconnect.recoveryMs !== undefined);
    assert.equal(r.ws?.connections.opened, 6);
    assert.ok((r.endpoints.find((e) => e.name === 'ws connect')?.errors ?? 0) >= 3, 'a close by the server is an error');
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await t.close();
  }
});

test('ws: thresholds per endpoint (ws echo, ws connect); unknown endpoints are refused', { timeout: 60_000 }, async () => {
  const target = await wsTarget();
  try {
    const load = loadConfig({ name: 'gated', url: target.url, duration: '1s', ws: { path: '/ws', connections: 2, echoInterval: '100ms', thresholds: { 'ws echo': { 'p(99)': '<250ms' }, 'ws connect': { max: '<1ms' } } } });
    const r = await startLoad(load, { url: target.url }).done;
    const echo = r.thresholds.find((x) => x.endpoint === 'ws echo');
    const connect = r.thresholds.find((x) => x.endpoint === 'ws connect');
    assert.equal(echo?.ok, true);
    assert.equal(connect?.expression, 'max<1ms');
    assert.equal(r.verdict, connect?.ok === true ? 'pass' : 'fail');
  } finally {
    await target.close();
  }
  assert.throws(() => loadConfigText('loads:\n  - { name: w, url: "ws://127.0.0.1:1", duration: 1s, ws: { thresholds: { "ws nope": { "p(99)": "<1s" } } } }\n', 'w.yaml', {}), /ws nope|thresholds/);
  assert.throws(() => loadConfigText('loads:\n  - { name: w, url: "ws://127.0.0.1:1", duration: 1s, ws: { thresholds: { "ws echo": { "p(99)": "<fast" } } } }\n', 'w.yaml', {}), /duration/);
});

// 6. README.

test('every YAML example of the README\'s "Load runs" section validates, seed 000 included', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = /## Load runs\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  assert.ok(blocks.length > 0);
  for (const yaml of blocks) {
    const config = loadConfigText(yaml, 'README.md', {});
    assert.ok(config.loads.length > 0);
  }
  const seeds = loadConfigText(blocks[0] ?? '', 'README.md', {});
  const stress = seeds.loads.find((l) => l.name === 'phase-2-stress');
  assert.equal(stress?.vus, 50);
  assert.ok(stress?.scenarios?.every((s) => s.requests.every((q) => q.thresholds?.['p(95)'] === '<500ms')));
  assert.equal(seeds.loads.find((l) => l.name === 'ws-peak')?.ws?.thresholds?.['ws echo']?.['p(99)'], '<250ms');
  assert.equal(seeds.loads.find((l) => l.name === 'ws-peak')?.thresholds, undefined, 'p(99) is on ws echo, not on the mix');
});
