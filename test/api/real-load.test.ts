import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import { createApiModule } from '../../src/api/api-module.js';
import { createLoadModule } from '../../src/load/load-module.js';
import type { RunStore } from '../../src/load/run-store.js';
import { LOAD_RUN_STORE_SERVICE } from '../../src/load/run-store.js';
import { harness, TOKEN } from './harness.js';
import type { Harness } from './harness.js';

let target: Server;
let h: Harness;
let base: string;

before(async () => {
  target = createServer((_req, res) => {
    setTimeout(() => res.end('{"ok":true}'), 2);
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  const port = (target.address() as AddressInfo).port;
  const yaml = `
storage: { path: ":memory:" }
api: { token: "${TOKEN}" }
loads:
  - name: smoke
    url: "http://127.0.0.1:${port}"
    executor: constant-vus
    vus: 2
    duration: 1s
    scenarios:
      - name: main
        requests: [{ path: /hello }]
    thresholds: { "p(95)": "<2s" }
`;
  // The engine's RunStore is the SQLite one the history module registers (looked up lazily:
  // modules are built before the database exists).
  const store = (): RunStore => h.ctx.services.get(LOAD_RUN_STORE_SERVICE) as RunStore;
  const lazyStore: RunStore = { save: (r) => store().save(r), get: (id) => store().get(id), list: (o) => store().list(o) };
  h = await harness({ yaml, db: true, modules: [createApiModule({ docs: false }), createLoadModule({ store: lazyStore })] });
  base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  await h.start();
});
after(async () => {
  await h?.close();
  target?.close();
});

async function runOnce(): Promise<string> {
  const finished = new Promise<{ runId: string; status: string }>((resolve) => {
    const off = h.ctx.events.on('load:finished', (e) => { off(); resolve(e); });
  });
  const trig = await request(`${base}/api/loads/smoke/run`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(trig.statusCode, 202);
  const { runId } = (await trig.body.json()) as { runId: string };
  const done = await finished;
  assert.equal(done.runId, runId);
  assert.equal(done.status, 'finished');
  return runId;
}

test('the real load engine: trigger over HTTP, then fetch the stored result and its report', async () => {
  const first = await runOnce();
  const run = await request(`${base}/api/runs/${first}`);
  assert.equal(run.statusCode, 200);
  const body = (await run.body.json()) as { status: string; verdict: string; result: { summary: { requests: number }; verdict: string } };
  assert.equal(body.status, 'finished');
  assert.ok(body.result.summary.requests > 0);
  assert.equal(body.verdict, body.result.verdict);
  const report = await request(`${base}/api/runs/${first}/report.html`);
  assert.equal(report.statusCode, 200);
  const html = await report.body.text();
  assert.match(html, /<html/i);
  assert.match(html, /Comparison with baseline/);

  // The second run is compared with the first (previous passing run of the same load).
  const second = await runOnce();
  const list = (await (await request(`${base}/api/runs?load=smoke`)).body.json()) as { runs: { id: string; regression?: { baselineId?: string; verdict: string } }[] };
  assert.deepEqual(list.runs.map((r) => r.id), [second, first]);
  assert.equal(list.runs[0]?.regression?.baselineId, first);
  assert.ok(['ok', 'regression'].includes(list.runs[0]?.regression?.verdict ?? ''));
  const stored = await (h.ctx.services.get(LOAD_RUN_STORE_SERVICE) as RunStore).list({ load: 'smoke' });
  assert.deepEqual(stored.map((r) => r.runId), [second, first]);
});
