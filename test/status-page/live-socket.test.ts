import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { createApiModule } from '../../src/api/api-module.js';
import { createStatusPageModule } from '../../src/status-page/status-page-module.js';
import { harness, PROBES_YAML, TOKEN } from '../api/harness.js';
import { result } from '../history/fixtures.js';

/** Resolves with the next message parsed as JSON. */
function nextMessage(ws: WebSocket): Promise<{ type: string; [k: string]: unknown }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => resolve(JSON.parse(String(data)) as { type: string }));
    ws.once('error', reject);
  });
}

test('/api/live sends a snapshot, then probe results; other upgrade paths are left to their owners', async () => {
  const h = await harness({ modules: [createStatusPageModule()] });
  // another upgrade user on the same server, on its own path
  const other = new WebSocketServer({ noServer: true });
  h.app.server.on('upgrade', (req, socket, head) => {
    if (req.url === '/other') other.handleUpgrade(req, socket, head, (ws) => ws.send('other here'));
  });
  const base = (await h.app.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws');
  try {
    const ws = new WebSocket(`${base}/api/live`);
    const snapshot = await nextMessage(ws);
    assert.equal(snapshot.type, 'snapshot');
    assert.deepEqual((snapshot.probes as { name: string }[]).map((p) => p.name), ['status', 'trade']);
    assert.equal(snapshot.runs, null, 'no storage: runs unavailable');
    assert.equal(snapshot.alerts, null, 'no alerts service: alerts unavailable');

    const next = nextMessage(ws);
    h.ctx.events.emit('probe:result', result('trade', 1000, 12.5));
    assert.deepEqual(await next, { type: 'probe', result: { probe: 'trade', ok: true, t: 1000, ms: 12.5, status: 200, reason: null, message: null } });

    const o = new WebSocket(`${base}/other`);
    const [msg] = await once(o, 'message');
    assert.equal(String(msg), 'other here');
    o.close();

    const closed = once(ws, 'close');
    await h.modules[0]?.stop?.('test');
    const [code] = await closed;
    assert.equal(code, 1001);
  } finally {
    other.close();
    await h.close();
  }
});

test('with closed reads the page and the socket need the token', async () => {
  const h = await harness({ yaml: `api: { token: "${TOKEN}", readsOpen: false }\n${PROBES_YAML}`, modules: [createStatusPageModule()] });
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
  try {
    assert.equal((await h.app.inject({ url: '/' })).statusCode, 401);
    assert.equal((await h.app.inject({ url: `/?token=${TOKEN}` })).statusCode, 200);
    const refused = new WebSocket(`${base.replace('http', 'ws')}/api/live`);
    const [err] = await once(refused, 'error') as [Error];
    assert.match(err.message, /401/);
    const ok = new WebSocket(`${base.replace('http', 'ws')}/api/live?token=${TOKEN}`);
    assert.equal((await nextMessage(ok)).type, 'snapshot');
    ok.close();
  } finally {
    await h.close();
  }
});

test('the page inlines its snapshot safely', async () => {
  // probe names cannot contain "<" (config rejects them); a failure message can
  // the API module keeps the probes' last results (the board) that the page inlines
  const h2 = await harness({ modules: [createApiModule({ docs: false }), createStatusPageModule()], db: true });
  try {
    h2.ctx.events.emit('probe:result', { ...result('status', Date.now(), 5, false), message: '</script><script>alert(1)</script>' });
    const res = await h2.app.inject({ url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.doesNotMatch(res.body, /<\/script><script>alert/);
    assert.match(res.body, /\\u003c\/script>/);
    const js = await h2.app.inject({ url: '/status-page/app.js' });
    assert.match(String(js.headers['content-type']), /javascript/);
  } finally {
    await h2.close();
  }
});
