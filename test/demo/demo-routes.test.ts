import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DemoTarget } from '../../src/demo/demo-target.js';
import { getJson, sendJson, startDemo } from './demo-helpers.js';

describe('demo target routes', () => {
  let demo: DemoTarget;
  before(async () => { demo = await startDemo({ cacheSize: 3, keySpace: 100 }); });
  after(async () => { await demo.stop('test done'); });

  it('reports status with process memory figures in bytes and MB', async () => {
    const { status, body } = await getJson(`${demo.url}/api/status`);
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    const memory = body.memory as Record<string, number>;
    assert.ok(memory.rss !== undefined && memory.rss > 0);
    assert.ok(memory.heapUsed !== undefined && memory.heapUsed > 0);
    assert.ok(Math.abs((memory.rssMB ?? 0) - (memory.rss ?? 0) / 1024 / 1024) < 0.01);
    assert.equal(typeof memory.heapUsedMB, 'number');
  });

  it('serves brain status and graph stats through a response cache (MISS then HIT)', async () => {
    for (const path of ['/api/brain/status', '/api/graph/stats']) {
      const first = await getJson(`${demo.url}${path}`);
      const second = await getJson(`${demo.url}${path}`);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-cache'), 'MISS', path);
      assert.equal(second.headers.get('x-cache'), 'HIT', path);
      assert.deepEqual(second.body, first.body);
    }
    const brain = await getJson(`${demo.url}/api/brain/status`);
    assert.equal(brain.body.status, 'active');
  });

  it('accepts a valid trade with an order id and rejects an invalid one with a JSON 400', async () => {
    const ok = await sendJson(`${demo.url}/api/trade`, 'POST', { symbol: 'BTC-USD', side: 'buy', quantity: 0.5 });
    assert.equal(ok.status, 200);
    assert.match(String(ok.body.orderId), /^ord-\d{6}-[0-9a-f]{6}$/);
    assert.equal(ok.body.status, 'filled');
    const bad = await sendJson(`${demo.url}/api/trade`, 'POST', { symbol: 'BTC-USD', side: 'hold', quantity: -1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_request');
    assert.equal(typeof bad.body.message, 'string');
  });

  it('computes user performance as JSON numbers', async () => {
    const { status, body } = await getJson(`${demo.url}/api/user/performance?userId=7`);
    assert.equal(status, 200);
    assert.equal(body.userId, 7);
    for (const key of ['totalReturn', 'winRate', 'sharpe', 'maxDrawdown', 'trades']) assert.equal(typeof body[key], 'number', key);
    const again = await getJson(`${demo.url}/api/user/performance?userId=7`);
    assert.deepEqual(again.body, body, 'deterministic per user');
  });

  it('enables and disables the bot, with or without a body', async () => {
    const on = await sendJson(`${demo.url}/api/bot/enable`, 'POST', { botId: 'b1' });
    assert.equal(on.status, 200);
    assert.deepEqual([on.body.botId, on.body.enabled], ['b1', true]);
    const off = await getJson(`${demo.url}/api/bot/disable`, { method: 'POST' });
    assert.equal(off.status, 200);
    assert.deepEqual([off.body.botId, off.body.enabled], ['default', false]);
  });

  it('answers unknown routes and items outside the key space with JSON 404s', async () => {
    const missing = await getJson(`${demo.url}/api/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
    const outside = await getJson(`${demo.url}/api/items/100`);
    assert.equal(outside.status, 404);
  });

  it('serves items through a real LRU: MISS then HIT, and capacity is respected', async () => {
    const cache = async (id: number) => (await getJson(`${demo.url}/api/items/${id}`)).headers.get('x-cache');
    assert.equal(await cache(10), 'MISS');
    assert.equal(await cache(10), 'HIT');
    const item = await getJson(`${demo.url}/api/items/10`);
    assert.equal(item.body.id, 10);
    assert.equal(await cache(11), 'MISS');
    assert.equal(await cache(12), 'MISS');
    assert.equal(await cache(13), 'MISS'); // capacity 3: evicts 10, the least recently used
    assert.equal(await cache(13), 'HIT');
    assert.equal(await cache(10), 'MISS');
    const { body } = await getJson(`${demo.url}/api/status`);
    const stats = body.cache as Record<string, number>;
    assert.equal(stats.size, 3);
    assert.equal(stats.capacity, 3);
  });

  it('exposes its own /metrics with process, cache and request series', async () => {
    await getJson(`${demo.url}/api/status`);
    const res = await fetch(`${demo.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    for (const series of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'demo_leak_retained_bytes', 'demo_ws_connections']) {
      assert.match(text, new RegExp(`^${series} `, 'm'), series);
    }
    assert.match(text, /^demo_cache_hits_total [1-9]/m);
    assert.match(text, /^demo_cache_misses_total [1-9]/m);
    assert.match(text, /^demo_requests_total\{route="\/api\/status",status="200"\} [1-9]/m);
    assert.match(text, /^demo_requests_total\{route="\/api\/items\/:id",status="404"\} 1$/m);
  });
});

describe('demo target lifecycle', () => {
  it('stops once even when asked twice, and then refuses connections', async () => {
    const demo = await startDemo();
    assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(demo.wsUrl, `${demo.url.replace('http', 'ws')}/ws`);
    assert.equal((await getJson(`${demo.url}/api/status`)).status, 200);
    await Promise.all([demo.stop('a'), demo.stop('b')]);
    await demo.stop('c');
    await assert.rejects(fetch(`${demo.url}/api/status`));
  });
});
