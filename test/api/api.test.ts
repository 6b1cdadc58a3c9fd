import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createApiModule } from '../../src/api/api-module.js';
import type { HistoryService } from '../../src/history/history-service.js';
import { harness, PROBES_YAML, TOKEN } from './harness.js';
import type { Harness } from './harness.js';
import { fakeLoads } from './fake-loads.js';
import { result } from '../history/fixtures.js';

const auth = { authorization: `Bearer ${TOKEN}` };

describe('API with history and a load service (inject)', () => {
  let h: Harness;
  let loads: ReturnType<typeof fakeLoads>;
  before(async () => {
    const services: Record<string, unknown> = {};
    loads = fakeLoads(() => h?.ctx.services.get('history') as HistoryService | undefined);
    services.loads = loads;
    h = await harness({ db: true, modules: [createApiModule()], services });
    const now = Date.now();
    for (let i = 0; i < 10; i++) h.ctx.events.emit('probe:result', result('status', now - (10 - i) * 60_000, 20 + i, i !== 3));
  });
  after(() => h.close());

  test('GET /api/probes: a page, failing then pending then passing, with exact p95, sparkline and heartbeat', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/probes' });
    assert.equal(res.statusCode, 200);
    type Entry = { name: string; status: string; lastResult: { durationSeconds: number } | null; lastHour: { count: number; successRatio: number; p95Ms: number }; sparkline: unknown[]; heartbeat: { ok: boolean }[] };
    const body = res.json() as { probes: Entry[]; total: number; offset: number; limit: number };
    assert.deepEqual(body.probes.map((p) => [p.name, p.status]), [['trade', 'pending'], ['status', 'passing']]);
    assert.deepEqual([body.total, body.offset, body.limit], [2, 0, 100]);
    const status = body.probes[1];
    assert.equal(status?.lastResult?.durationSeconds, 0.029);
    assert.equal(status?.lastHour.count, 10);
    assert.equal(status?.lastHour.successRatio, 0.9);
    // 20..29 ms: the nearest-rank p95 of ten results is the tenth, 29 ms exactly (no bucket edge)
    assert.equal(status?.lastHour.p95Ms, 29);
    assert.equal(status?.sparkline.length, 10, 'one point per minute');
    assert.deepEqual(status?.heartbeat.map((b) => b.ok), [true, true, true, false, true, true, true, true, true, true]);
    assert.equal(body.probes[0]?.lastResult, null);
  });

  test('GET /api/probes pages and filters; a failing probe comes first; bad bounds are 400s', async () => {
    h.ctx.events.emit('probe:result', result('trade', Date.now(), 900, false));
    const first = (await h.app.inject({ url: '/api/probes?limit=1' })).json() as { probes: { name: string; status: string }[]; total: number };
    assert.deepEqual([first.probes.map((p) => [p.name, p.status]), first.total], [[['trade', 'failing']], 2]);
    const second = (await h.app.inject({ url: '/api/probes?limit=1&offset=1' })).json() as { probes: { name: string }[] };
    assert.deepEqual(second.probes.map((p) => p.name), ['status']);
    const passing = (await h.app.inject({ url: '/api/probes?status=passing' })).json() as { probes: { name: string }[]; total: number };
    assert.deepEqual([passing.probes.map((p) => p.name), passing.total], [['status'], 1]);
    const search = (await h.app.inject({ url: '/api/probes?q=TRA' })).json() as { probes: { name: string }[] };
    assert.deepEqual(search.probes.map((p) => p.name), ['trade']);
    for (const bad of ['limit=0', 'limit=501', 'offset=-1', 'status=broken']) {
      assert.equal((await h.app.inject({ url: `/api/probes?${bad}` })).statusCode, 400, bad);
    }
    assert.equal((await h.app.inject({ url: '/api/probes/status/results?limit=1001' })).statusCode, 400);
  });

  test('GET /api/probes/:name/results: since as a duration, ISO time or epoch ms; bad input is a 400', async () => {
    const recent = await h.app.inject({ method: 'GET', url: '/api/probes/status/results?since=5m30s' });
    assert.equal(recent.statusCode, 200);
    assert.equal((recent.json() as { results: unknown[] }).results.length, 5);
    const iso = new Date(Date.now() - 3.5 * 60_000).toISOString();
    assert.equal((await h.app.inject({ url: `/api/probes/status/results?since=${iso}` }).then((r) => r.json() as { results: unknown[] })).results.length, 3);
    const bad = await h.app.inject({ url: '/api/probes/status/results?since=yesterday-ish' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'PW_ERR_INVALID_ARGUMENT');
    assert.match(bad.json().message, /since/);
    const badLimit = await h.app.inject({ url: '/api/probes/status/results?limit=0' });
    assert.equal(badLimit.statusCode, 400);
    assert.match(badLimit.json().message, /limit/);
    const badName = await h.app.inject({ url: '/api/probes/%20bad%20name/results' });
    assert.equal(badName.statusCode, 400);
    assert.equal(badName.json().code, 'PW_ERR_INVALID_ARGUMENT');
    const unknown = await h.app.inject({ url: '/api/probes/nope/results' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'PW_ERR_NOT_FOUND');
  });

  test('mutations: 401 JSON without or with a wrong token, compared as a bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-123' }, { authorization: TOKEN }]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
      assert.deepEqual(Object.keys(res.json() as object).sort(), ['code', 'error', 'message']);
      assert.equal(res.json().code, 'PW_ERR_UNAUTHORIZED');
    }
    const put = await h.app.inject({ method: 'PUT', url: '/api/runs/x/baseline' });
    assert.equal(put.statusCode, 401);
  });

  test('trigger, finish, fetch result and report; pin a baseline; abort errors', async () => {
    const unknown = await h.app.inject({ method: 'POST', url: '/api/loads/nope/run', headers: auth });
    assert.equal(unknown.statusCode, 404);
    const res = await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers: auth });
    assert.equal(res.statusCode, 202);
    const { runId, reportUrl } = res.json() as { runId: string; reportUrl: string };
    const again = await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers: auth });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'PW_ERR_CONFLICT');
    loads.finish(runId, 100);

    const run = await h.app.inject({ url: `/api/runs/${runId}` });
    assert.equal(run.statusCode, 200);
    assert.equal((run.json() as { result: { latencyMs: { p95: number } } }).result.latencyMs.p95, 100);
    const report = await h.app.inject({ url: reportUrl });
    assert.equal(report.statusCode, 200);
    assert.match(String(report.headers['content-type']), /^text\/html/);
    assert.match(report.body, new RegExp(`Run ${runId}`));
    assert.equal((await h.app.inject({ url: '/api/runs/nope/report.html' })).statusCode, 404);

    const pin = await h.app.inject({ method: 'PUT', url: `/api/runs/${runId}/baseline`, headers: auth });
    assert.equal(pin.statusCode, 200);
    assert.deepEqual(pin.json(), { load: 'smoke', runId });
    assert.equal((await h.app.inject({ method: 'PUT', url: '/api/runs/nope/baseline', headers: auth })).statusCode, 404);

    // the next run is compared with the pinned one
    const second = (await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers: auth })).json() as { runId: string };
    const abortMissing = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/abort`, headers: auth });
    assert.equal(abortMissing.statusCode, 409, 'a finished run cannot be aborted');
    loads.finish(second.runId, 300);
    const list = await h.app.inject({ url: '/api/runs?load=smoke' });
    const runs = (list.json() as { runs: { id: string; pinned: boolean; regression?: { verdict: string; baselineId: string } }[] }).runs;
    assert.deepEqual(runs.map((r) => r.id), [second.runId, runId]);
    assert.equal(runs[0]?.regression?.verdict, 'regression');
    assert.equal(runs[0]?.regression?.baselineId, runId);
    assert.equal(runs[1]?.pinned, true);
    assert.match((await h.app.inject({ url: `/api/runs/${second.runId}/report.html` })).body, /REGRESSION/);

    const third = (await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers: auth })).json() as { runId: string };
    const aborted = await h.app.inject({ method: 'POST', url: `/api/runs/${third.runId}/abort`, headers: { ...auth, 'content-type': 'application/json' }, payload: { reason: 'test' } });
    assert.equal(aborted.statusCode, 200);
    assert.deepEqual(aborted.json(), { runId: third.runId, aborted: true });
    const badBody = await h.app.inject({ method: 'POST', url: `/api/runs/${third.runId}/abort`, headers: { ...auth, 'content-type': 'application/json' }, payload: { reason: { nested: true } } });
    assert.equal(badBody.statusCode, 400);
  });

  test('GET /api/alerts answers 503 with a clear error while no alerts service is registered', async () => {
    const res = await h.app.inject({ url: '/api/alerts' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'PW_ERR_UNAVAILABLE');
    assert.match(res.json().message, /alerts/);
  });

  test('OpenAPI document at /docs/json lists every route, with bearer auth on mutations', async () => {
    const res = await h.app.inject({ url: '/docs/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    for (const p of ['/api/probes', '/api/probes/{name}/results', '/api/loads', '/api/runs', '/api/runs/{id}', '/api/runs/{id}/report.html', '/api/loads/{name}/run', '/api/runs/{id}/abort', '/api/runs/{id}/baseline', '/api/alerts', '/api/targets']) {
      assert.ok(doc.paths[p], `missing ${p}`);
    }
    assert.deepEqual(doc.paths['/api/loads/{name}/run']?.post?.security, [{ bearerAuth: [] }]);
    assert.equal((await h.app.inject({ url: '/docs/' })).statusCode, 200);
  });
});

describe('API without storage, with closed reads', () => {
  let h: Harness;
  before(async () => {
    h = await harness({ yaml: `api: { token: "${TOKEN}", readsOpen: false }\n${PROBES_YAML}`, modules: [createApiModule({ docs: false })] });
  });
  after(() => h.close());

  test('reads need the token when readsOpen is false', async () => {
    assert.equal((await h.app.inject({ url: '/api/probes' })).statusCode, 401);
    const ok = await h.app.inject({ url: '/api/probes', headers: auth });
    assert.equal(ok.statusCode, 200);
    assert.equal((ok.json() as { historyAvailable: boolean }).historyAvailable, false);
  });

  test('routes that need a missing service answer 503 with a JSON error', async () => {
    for (const url of ['/api/runs', '/api/runs/x', '/api/loads', '/api/probes/status/results']) {
      const res = await h.app.inject({ url, headers: auth });
      assert.equal(res.statusCode, 503, url);
      assert.equal(res.json().code, 'PW_ERR_UNAVAILABLE');
    }
    assert.equal((await h.app.inject({ method: 'POST', url: '/api/loads/smoke/run', headers: auth })).statusCode, 503);
  });
});

describe('API on a real listening server', () => {
  let h: Harness;
  let base: string;
  let loads: ReturnType<typeof fakeLoads>;
  before(async () => {
    loads = fakeLoads(() => h?.ctx.services.get('history') as HistoryService | undefined);
    h = await harness({ yaml: `api: { token: "${TOKEN}", rateLimitPerMinute: 3 }\n${PROBES_YAML}`, db: true, modules: [createApiModule()], services: { loads } });
    base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => h.close());

  test('trigger a run over HTTP and fetch its report; reads are not rate limited, mutations are', async () => {
    const trig = await request(`${base}/api/loads/smoke/run`, { method: 'POST', headers: auth });
    assert.equal(trig.statusCode, 202);
    const { runId, reportUrl } = (await trig.body.json()) as { runId: string; reportUrl: string };
    loads.finish(runId, 50);
    const rep = await request(`${base}${reportUrl}`);
    assert.equal(rep.statusCode, 200);
    assert.match(await rep.body.text(), /<h1>Run smoke-1<\/h1>/);

    const noAuth = await request(`${base}/api/runs/${runId}/baseline`, { method: 'PUT' });
    assert.equal(noAuth.statusCode, 401);
    assert.equal(((await noAuth.body.json()) as { code: string }).code, 'PW_ERR_UNAUTHORIZED');

    for (let i = 0; i < 10; i++) {
      const r = await request(`${base}/api/runs`);
      assert.equal(r.statusCode, 200);
      await r.body.dump();
    }
    // 3 per minute per route, counted before auth (the 401 counts): two more pass, then 429
    for (let i = 0; i < 2; i++) {
      const ok = await request(`${base}/api/runs/${runId}/baseline`, { method: 'PUT', headers: auth });
      assert.equal(ok.statusCode, 200);
      await ok.body.dump();
    }
    const limited = await request(`${base}/api/runs/${runId}/baseline`, { method: 'PUT', headers: auth });
    assert.equal(limited.statusCode, 429);
    const body = (await limited.body.json()) as { code: string; message: string };
    assert.equal(body.code, 'PW_ERR_RATE_LIMITED');
    assert.match(body.message, /rate limit/);
  });
});
