/**
 * The load engine against real targets with known behaviour. Timing-sensitive, so every test of
 * this kind lives in this one file and runs in sequence; bands are honest for a busy 2-core box.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { startLoad } from '../../src/load/driver.js';
import { apiTarget, fixedDelayProcess, queueingTarget, stallingTarget, startHttp, wsTarget } from './targets.js';
import type { Target } from './targets.js';
import { loadConfig, oneRequest } from './load-fixtures.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerLoadCommand } from '../../src/cli/load-command.js';
import type { CliIo } from '../../src/cli/io.js';
import { Registry } from 'prom-client';
import { FakeClock } from '../../src/core/clock.js';
import { hasCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { loadConfigText } from '../../src/config/load-config.js';
import { createEvents } from '../../src/daemon/events.js';
import type { DaemonContext } from '../../src/daemon/module.js';
import type { FastifyInstance } from 'fastify';
import { createLoadModule } from '../../src/load/load-module.js';
import type { LoadService } from '../../src/load/load-service.js';
import { createMemoryRunStore } from '../../src/load/run-store.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let code = 0;
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => { out += t; }, err: (t) => { err += t; }, env: {}, isTTY: false, setExitCode: (c) => { code = c; } };
  const program = new Command('perfwarden').exitOverride();
  registerLoadCommand(program, io);
  try {
    await program.parseAsync(['load', ...args], { from: 'user' });
  } catch {
    code = 2;
  }
  return { code, out, err };
}

function run(raw: Record<string, unknown>, url: string) {
  const load = loadConfig({ name: 't', url, ...raw });
  return startLoad(load, { url }).done;
}

describe('load engine against real targets', { concurrency: 1 }, () => {
  let api: Target & { hits: Map<string, number> };
  before(async () => {
    api = await apiTarget();
  });
  after(async () => {
    await api.close();
  });

  test('a fixed 20 ms server: p50 within 1 ms of what the server held (plus the transport)', async () => {
    const target = await fixedDelayProcess(20);
    try {
      // Interleaving an instant endpoint measures, under the same machine load, what the
      // transport itself costs (loopback, parsing, scheduling); the rest must be the 20 ms hold.
      const r = await run({
        executor: 'constant-vus', vus: 2, duration: '3s', warmup: '500ms',
        scenarios: [{ name: 'slow', requests: [{ path: '/' }] }, { name: 'fast', requests: [{ path: '/fast' }] }],
      }, target.url);
      const held = await target.medianHold();
      const slow = r.endpoints.find((e) => e.name === 'GET /')?.latencyMs;
      const fast = r.endpoints.find((e) => e.name === 'GET /fast')?.latencyMs;
      assert.ok(slow !== undefined && fast !== undefined && slow.count > 50, `requests ${slow?.count ?? 0}`);
      assert.ok(held >= 20, `server held ${held} ms`);
      assert.ok(slow.p50 >= 20, `p50 ${slow.p50}`);
      assert.ok(Math.abs(slow.p50 - (held + fast.p50)) < 1, `client p50 ${slow.p50} ms vs server ${held} ms + transport ${fast.p50} ms`);
    } finally {
      await target.close();
    }
  });

  test('open model at 500 req/s for 5 s starts 2,500 ± 1 % iterations', async () => {
    const r = await run({ executor: 'constant-arrival-rate', rate: 500, duration: '5s', maxVUs: 200, scenarios: oneRequest('/') }, api.url);
    assert.ok(Math.abs(r.summary.iterations - 2500) <= 25, `iterations ${r.summary.iterations}`);
    assert.equal(r.summary.droppedIterations, 0);
    assert.equal(r.summary.errors, 0);
  });

  test('a target stalling 200 ms once a second: the open model sees the stall at p90, the closed model does not', async () => {
    const target = await stallingTarget(200);
    try {
      const open = await run({ executor: 'constant-arrival-rate', rate: 100, duration: '3s', maxVUs: 100, scenarios: oneRequest('/') }, target.url);
      const closed = await run({ executor: 'constant-vus', vus: 1, duration: '3s', scenarios: oneRequest('/') }, target.url);
      // ~20 % of open-model arrivals land in a stall and wait 0–200 ms: p90 is around 100 ms.
      assert.ok(open.latencyMs.p90 >= 50, `open p90 ${open.latencyMs.p90} ms`);
      // One closed-model request per stall waits; the thousands of others are fast.
      assert.ok(closed.latencyMs.p90 < 20, `closed p90 ${closed.latencyMs.p90} ms`);
      assert.ok(closed.latencyMs.max >= 100, `closed max ${closed.latencyMs.max} ms (the stall is still seen once)`);
    } finally {
      await target.close();
    }
  });

  test('iterations due while the in-flight cap is reached are dropped and counted', async () => {
    const r = await run({ executor: 'constant-arrival-rate', rate: 200, duration: '1s', maxVUs: 2, preAllocatedVUs: 2, scenarios: oneRequest('/slow/100') }, api.url);
    assert.ok(r.summary.droppedIterations >= 150, `dropped ${r.summary.droppedIterations}`);
    assert.ok(Math.abs(r.summary.iterations + r.summary.droppedIterations - 200) <= 2, `iterations ${r.summary.iterations} + dropped ${r.summary.droppedIterations}`);
  });

  test('weighted scenarios: a 3:1 mix lands within tolerance', async () => {
    api.hits.clear();
    const r = await run({
      executor: 'constant-vus', vus: 4, duration: '1500ms',
      scenarios: [
        { name: 'read', weight: 3, requests: [{ path: '/read' }] },
        { name: 'write', weight: 1, requests: [{ method: 'POST', path: '/write', json: { on: true } }] },
      ],
    }, api.url);
    const reads = r.endpoints.find((e) => e.name === 'GET /read')?.requests ?? 0;
    const writes = r.endpoints.find((e) => e.name === 'POST /write')?.requests ?? 0;
    const n = reads + writes;
    assert.ok(n >= 400, `only ${n} requests`);
    const share = reads / n;
    // 4 standard deviations of a binomial share.
    const band = 4 * Math.sqrt((0.75 * 0.25) / n);
    assert.ok(Math.abs(share - 0.75) <= band, `read share ${share.toFixed(3)} of ${n} (band ±${band.toFixed(3)})`);
  });

  test('extracted values feed later requests; checks are counted', async () => {
    const r = await run({
      executor: 'constant-vus', vus: 1, duration: '500ms',
      scenarios: [{ name: 'login', requests: [
        { path: '/login', checks: { status: 200, json: [{ path: '$.user.id', equals: 7 }] }, extract: { token: '$.token' } },
        { path: '/me', headers: { authorization: 'Bearer {{token}}' }, checks: { status: 200, maxLatency: '5s' } },
      ] }],
      thresholds: { checks: '>99%' },
    }, api.url);
    const me = r.endpoints.find((e) => e.name === 'GET /me');
    assert.ok(me !== undefined && me.requests > 5);
    assert.equal(me.errors, 0);
    assert.equal(r.summary.checks.failed, 0);
    assert.ok(r.summary.checks.passed >= 4 * me.requests - 4);
    assert.equal(r.verdict, 'pass');
  });

  test('thresholds pass and fail with measured values', async () => {
    const r = await run({
      executor: 'constant-vus', vus: 2, duration: '1s',
      scenarios: [{ name: 'mix', requests: [{ path: '/ok' }, { path: '/fail', thresholds: { error_rate: '<1%' } }] }],
      thresholds: { 'p(95)': '<2s', rps: '>1' },
    }, api.url);
    const byName = new Map(r.thresholds.map((t) => [`${t.endpoint ?? ''}|${t.name}`, t]));
    assert.equal(byName.get('|p(95)')?.ok, true);
    assert.equal(byName.get('|rps')?.ok, true);
    assert.equal(byName.get('GET /fail|error_rate')?.ok, false);
    assert.equal(byName.get('GET /fail|error_rate')?.value, 1);
    assert.equal(r.verdict, 'fail');
    assert.equal(r.summary.errorsByClass['5xx'], r.endpoints.find((e) => e.name === 'GET /fail')?.errors);
  });

  test('abortOnFail stops a hopeless run after the grace delay', async () => {
    const r = await run({
      executor: 'constant-vus', vus: 2, duration: '30s', abortOnFail: true, abortDelay: '1s',
      scenarios: oneRequest('/fail'), thresholds: { error_rate: '<0.1%' },
    }, api.url);
    assert.ok(r.aborted?.cause === 'threshold');
    assert.equal(r.aborted.outcome.name, 'error_rate');
    assert.ok(r.summary.durationSeconds < 10, `ran ${r.summary.durationSeconds} s`);
    assert.equal(r.verdict, 'fail');
  });

  test('a sweep reports each step and the knee', async () => {
    const target = await queueingTarget(5);
    try {
      // One-second steps: a second flagged saturated by a busy machine would leave a step nearly
      // empty (saturated seconds are left out, test/load/sweep.test.ts); this test is about the knee.
      const r = await run({ executor: 'sweep', sweep: { steps: [1, 2, 8], stepDuration: '1s' }, saturationLag: '1s', scenarios: oneRequest('/'), thresholds: { 'p(95)': '<25ms' } }, target.url);
      assert.equal(r.steps.length, 3);
      assert.deepEqual(r.steps.map((s) => s.vus), [1, 2, 8]);
      assert.deepEqual(r.steps.map((s) => s.ok), [true, true, false]);
      assert.equal(r.knee?.vus, 2);
      assert.ok((r.steps[2]?.latencyMs.p50 ?? 0) > (r.steps[0]?.latencyMs.p50 ?? 0));
    } finally {
      await target.close();
    }
  });

  test('a stop request ends the run early and keeps what was measured', async () => {
    const load = loadConfig({ name: 't', url: api.url, executor: 'constant-vus', vus: 1, duration: '30s', scenarios: oneRequest('/') });
    const handle = startLoad(load, { url: api.url }, {
      onProgress: (p) => {
        if (p.requests > 0) handle.stop('enough');
      },
    });
    const r = await handle.done;
    assert.deepEqual(r.aborted?.cause === 'stopped' ? r.aborted.reason : r.aborted, 'enough');
    assert.equal(r.verdict, 'aborted');
    assert.ok(r.summary.requests > 0);
    assert.ok(r.summary.durationSeconds < 10);
  });

  test('CLI: exit 0 when thresholds pass, with --out and reports written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-load-'));
    try {
      const r = await cli([`${api.url}/ok`, '--vus', '2', '--duration', '1s', '--threshold', 'p(95)<5s', '--threshold', 'error_rate<1%', '--out', join(dir, 'r.json'), '--report', join(dir, 'r.html'), '--report', join(dir, 'r.md'), '--report', join(dir, 'junit.xml')]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /verdict: PASS/);
      const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { summary: { requests: number }; thresholds: unknown[]; verdict: string };
      assert.ok(json.summary.requests > 0);
      assert.equal(json.thresholds.length, 2);
      assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<svg/);
      assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /## Thresholds/);
      assert.equal(readFileSync(join(dir, 'junit.xml'), 'utf8').match(/<testcase /g)?.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CLI: exit 99 when a threshold fails', async () => {
    const r = await cli([`${api.url}/fail`, '--rate', '50', '--duration', '1s', '--threshold', 'error_rate<1%']);
    assert.equal(r.code, 99, r.err);
    assert.match(r.out, /✗ error_rate<1%/);
  });

  test('CLI: a config file and --scenario pick the load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-load-'));
    try {
      const file = join(dir, 'loads.yaml');
      writeFileSync(file, `targets:\n  - { name: api, url: "${api.url}" }\nloads:\n  - name: smoke\n    target: api\n    vus: 1\n    duration: 500ms\n    scenarios: [{ name: s, requests: [{ path: /ok }] }]\n    thresholds: { "p(99)": "<5s" }\n  - name: other\n    target: api\n    vus: 1\n    duration: 500ms\n    scenarios: [{ name: s, requests: [{ path: /fail }] }]\n`);
      const ok = await cli([file, '--scenario', 'smoke']);
      assert.equal(ok.code, 0, ok.err);
      assert.match(ok.out, /GET \/ok/);
      const ambiguous = await cli([file]);
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.err, /--scenario/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CLI: exit 2 for bad input', async () => {
    assert.equal((await cli([`${api.url}/`, '--threshold', 'p(95)<fast'])).code, 2);
    assert.equal((await cli([`${api.url}/`, '--vus', '2', '--rate', '5'])).code, 2);
    assert.equal((await cli(['/nonexistent/loads.yaml'])).code, 2);
    assert.equal((await cli([`${api.url}/`, '--report', 'out.pdf'])).code, 2);
  });

  test('WebSocket: connections held, echo RTT matched by id, fan-out to every subscriber, reconnect', async () => {
    const target = await wsTarget();
    try {
      const r = await run({ duration: '3s', ws: { path: '/ws', connections: 10, connectRate: 100, echoInterval: '100ms', publishInterval: '250ms', dropConnections: 3 } }, target.url.replace('ws', 'http'));
      const w = r.ws;
      assert.ok(w !== undefined);
      assert.equal(w.connections.opened, 13, 'ten connections plus three reconnections');
      assert.equal(w.connections.failed, 0);
      assert.ok(w.echo.received > 100, `echo received ${w.echo.received}`);
      assert.equal(w.echo.lost, 0);
      assert.ok(w.echo.sent - w.echo.received <= 13, `sent ${w.echo.sent} received ${w.echo.received}`);
      assert.ok(w.echoRttMs.p50 > 0 && w.echoRttMs.p50 < 500);
      assert.ok(w.fanout.published >= 5);
      assert.ok(w.fanout.expectedDeliveries >= w.fanout.published * 7);
      assert.ok(w.fanout.delivered >= w.fanout.expectedDeliveries - 10, `delivered ${w.fanout.delivered} of ${w.fanout.expectedDeliveries}`);
      assert.equal(w.reconnect.dropped, 3);
      assert.equal(w.reconnect.recovered, 3);
      assert.ok(w.reconnect.recoveryMs !== null && w.reconnect.recoveryMs > 0);
      assert.equal(target.connections(), 0);
    } finally {
      await target.close();
    }
  });
});

describe('load module in the daemon', { concurrency: 1 }, () => {
  let api: Target & { hits: Map<string, number> };
  let dir: string;
  before(async () => {
    api = await apiTarget();
    dir = mkdtempSync(join(tmpdir(), 'pw-loads-'));
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function context(yaml: string, clock = new FakeClock(Date.now())) {
    const config = loadConfigText(yaml, 'test.yaml', {});
    const registry = new Registry();
    const events = createEvents();
    const services = new Map<string, unknown>([['targets', new Map([['api', { name: 'api', baseUrl: api.url, headers: {} }]])]]);
    const ctx: DaemonContext = { config, clock, logger: silentLogger(), registry, events, app: {} as FastifyInstance, services };
    return { ctx, clock, registry, events };
  }

  test('trigger runs one load at a time, keeps the result, exports live metrics and events', async () => {
    const { ctx, registry, events } = context(`storage: { path: "${join(dir, 'db.sqlite')}" }\ntargets:\n  - { name: api, url: "http://unused" }\nloads:\n  - { name: smoke, target: api, vus: 2, duration: 700ms, scenarios: [{ name: s, requests: [{ path: /ok }] }], thresholds: { "p(95)": "<5s" } }\n`);
    const seen: string[] = [];
    events.on('load:started', (e) => seen.push(`started ${e.load}`));
    events.on('load:finished', (e) => seen.push(`finished ${e.load} ${e.status}`));
    const module = createLoadModule({ store: createMemoryRunStore(2) });
    module.register?.(ctx);
    await module.start?.(ctx);
    const service = ctx.services.get('loads') as LoadService;
    assert.deepEqual(service.list().map((l) => l.name), ['smoke']);
    assert.throws(() => service.trigger('nope'), (e: unknown) => hasCode(e, 'PW_ERR_NOT_FOUND'));
    const { runId } = service.trigger('smoke');
    assert.throws(() => service.trigger('smoke'), (e: unknown) => hasCode(e, 'PW_ERR_CONFLICT'));
    const result = await service.waitFor(runId);
    assert.equal(result?.verdict, 'pass');
    assert.ok((result?.summary.requests ?? 0) > 0);
    assert.deepEqual(seen, ['started smoke', 'finished smoke finished']);
    const runs = await service.runs();
    assert.equal(runs[0]?.runId, runId);
    assert.equal(runs[0]?.status, 'finished');
    assert.equal((await service.result(runId))?.runId, runId);
    const text = await registry.metrics();
    assert.match(text, /perfwarden_load_requests_total\{run="smoke",endpoint="GET \/ok",status_class="2xx"\} \d+/);
    assert.match(text, /perfwarden_load_request_duration_seconds_count\{run="smoke",endpoint="GET \/ok"\} \d+/);
    assert.match(text, /perfwarden_load_active_vus\{run="smoke"\} 0/);
    assert.match(text, /perfwarden_load_dropped_iterations_total\{run="smoke"\} 0/);
    // The store keeps only the newest two.
    for (let i = 0; i < 2; i++) await service.waitFor(service.trigger('smoke').runId);
    assert.equal((await service.runs()).length, 2);
    assert.equal(await service.result(runId), undefined);
    await module.stop?.('test');
  });

  test('a daemon run reports the target health it sampled and the alerts that fired during it', async () => {
    const status = await startHttp((req, res) => res.end(req.url === '/status' ? JSON.stringify({ mem: 104_857_600 }) : 'ok'));
    try {
      const { ctx, events } = context(`limits: { minInterval: 100ms }\ntargets:\n  - { name: api, url: "http://unused" }\nloads:\n  - { name: soak, url: "${status.url}", vus: 1, duration: 1500ms, thinkTime: 20ms, scenarios: [{ name: s, requests: [{ path: /ok }] }], health: { every: 200ms, sources: [{ type: json, path: /status, memory: $.mem }] } }\n`);
      const module = createLoadModule({ store: createMemoryRunStore(2) });
      module.register?.(ctx);
      await module.start?.(ctx);
      const service = ctx.services.get('loads') as LoadService;
      let fired = false;
      events.on('load:progress', () => {
        if (fired) return;
        fired = true;
        events.emit('alert:transition', { key: 'k', alert: 'memory-leak', subject: 'api', subjectKind: 'targets', kind: 'firing', severity: 'critical', from: 'none', to: 'critical', measure: 'memory_slope', value: 1, valueText: '6 MiB/min', threshold: '> 2MiB/min', since: Date.now(), at: Date.now(), labels: {} } as never);
      });
      const result = await service.waitFor(service.trigger('soak').runId);
      assert.equal(result?.health?.memory?.maxBytes, 104_857_600);
      assert.deepEqual(result?.health?.alerts.map((a) => [a.alert, a.severity, a.state]), [['memory-leak', 'critical', 'firing']]);
      assert.match(result?.health?.alerts[0]?.summary ?? '', /api: memory_slope 6 MiB\/min/);
      await module.stop?.('test');
    } finally {
      await status.close();
    }
  });

  test('a cron-scheduled load runs on its schedule and abort stops it', async () => {
    const { ctx, clock, events } = context(`storage: { path: ":memory:" }\ntargets:\n  - { name: api, url: "http://unused" }\nloads:\n  - { name: soak, target: api, cron: "*/5 * * * * *", vus: 1, duration: 1h, scenarios: [{ name: s, requests: [{ path: /ok }] }] }\n`);
    const module = createLoadModule();
    module.register?.(ctx);
    await module.start?.(ctx);
    const service = ctx.services.get('loads') as LoadService;
    const started = new Promise<string>((resolve) => events.on('load:started', (e) => resolve(e.runId)));
    const progressed = new Promise<void>((resolve) => events.on('load:progress', (p) => { if (p.requests > 0) resolve(); }));
    await clock.advance(5000);
    const runId = await started;
    await progressed;
    assert.equal(service.list()[0]?.running, true);
    assert.equal(service.abort('other', 'x'), false);
    assert.equal(service.abort(runId, 'operator said so'), true);
    const result = await service.waitFor(runId);
    assert.equal(result?.aborted?.cause === 'stopped' && result.aborted.reason, 'operator said so');
    assert.equal((await service.runs())[0]?.status, 'aborted');
    await module.stop?.('test');
  });
});
