import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startLoad } from '../../src/load/driver.js';

import { loadConfig } from './load-fixtures.js';
test('more VUs than connections: no errors, all connections used', async () => {
  const sockets = new Set();
  const srv = createServer((req, res) => { sockets.add(req.socket); res.write('{"a":'); setTimeout(() => res.end('1}'), 2); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const load = loadConfig({ name: 'q', url, executor: 'constant-vus', vus: 6, connections: 2, duration: '1s',
    scenarios: [{ name: 'g', requests: [{ path: '/', checks: { status: 200, json: [{ path: '$.a', equals: 1 }] } }] }] });
  const r = await startLoad(load, { url }).done;
  srv.closeAllConnections(); srv.close();
  assert.equal(r.summary.errors, 0); assert.ok(r.summary.requests > 50, String(r.summary.requests));
  assert.equal(r.summary.checks.failed, 0); assert.ok(r.summary.checks.passed >= 2 * r.summary.requests - 12);
  assert.equal(sockets.size, 2);
});
