import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/clock.js';
import { hasCode } from '../../src/core/errors.js';
import { parseKnobsPatch } from '../../src/demo/knobs.js';
import type { DemoTarget } from '../../src/demo/demo-target.js';
import { getJson, sendJson, startDemo } from './demo-helpers.js';

describe('knob parsing', () => {
  it('accepts base units and human strings', () => {
    assert.deepEqual(parseKnobsPatch({ latency: '700ms', errorRate: '5%', leakPerSecond: '1MiB', wsHandshakeDelay: 2000 }), {
      latency: 700, errorRate: 0.05, leakPerSecond: 1_048_576, wsHandshakeDelay: 2000,
    });
    assert.deepEqual(parseKnobsPatch({ routes: { '/api/trade': { latency: '1s', errorRate: 0.5 }, '/api/status': null } }), {
      routes: { '/api/trade': { latency: 1000, errorRate: 0.5 }, '/api/status': null },
    });
  });

  it('rejects unknown keys, out-of-range numbers and bad strings, naming each', () => {
    for (const bad of [{ latencey: 5 }, { errorRate: 2 }, { latency: 'soon' }, { leakPerSecond: '1 lightyear' }, { routes: { trade: {} } }, 'x']) {
      assert.throws(() => parseKnobsPatch(bad), (err) => hasCode(err, 'PW_ERR_INVALID_ARGUMENT'), JSON.stringify(bad));
    }
    assert.throws(() => parseKnobsPatch({ latency: 'soon', errorRate: '500%' }), (err: Error) => /latency/.test(err.message) && /errorRate/.test(err.message));
  });
});

describe('demo target knobs', () => {
  let demo: DemoTarget;
  before(async () => { demo = await startDemo({ latency: 0 }); });
  after(async () => { await demo.stop(); });

  it('adds latency to /api routes (measured minimum >= knob), globally and per route', async () => {
    const put = await sendJson(`${demo.url}/admin/knobs`, 'PUT', { latency: '120ms' });
    assert.equal(put.status, 200);
    assert.equal(put.body.latency, 120);
    const timed = async (path: string): Promise<number> => {
      const t0 = performance.now();
      await getJson(`${demo.url}${path}`);
      return performance.now() - t0;
    };
    assert.ok(await timed('/api/status') >= 119, 'global latency');
    await sendJson(`${demo.url}/admin/knobs`, 'PUT', { latency: 0, routes: { '/api/items/:id': { latency: '250ms' } } });
    assert.ok(await timed('/api/items/1') >= 249, 'per-route latency');
    const knobs = (await getJson(`${demo.url}/admin/knobs`)).body;
    assert.deepEqual(knobs.routes, { '/api/items/:id': { latency: 250 } });
    await sendJson(`${demo.url}/admin/knobs`, 'PUT', { routes: { '/api/items/:id': null } });
    assert.deepEqual(demo.knobs.get().routes, {});
  });

  it('injects 500s at the configured error rate, only on /api routes', async () => {
    demo.knobs.set({ errorRate: '100%' });
    const failed = await getJson(`${demo.url}/api/brain/status`);
    assert.equal(failed.status, 500);
    assert.equal(failed.body.error, 'injected_error');
    assert.equal((await fetch(`${demo.url}/metrics`)).status, 200);
    assert.equal((await getJson(`${demo.url}/admin/knobs`)).status, 200);

    demo.knobs.set({ errorRate: 0.5 });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await getJson(`${demo.url}/api/status`)).status);
    const errors = statuses.filter((s) => s === 500).length;
    assert.ok(errors > 5 && errors < 35, `${errors}/40 errors at 50%`);
    assert.ok(statuses.every((s) => s === 200 || s === 500));

    demo.knobs.set({ errorRate: 0, routes: { '/api/trade': { errorRate: '100%' } } });
    const trade = await sendJson(`${demo.url}/api/trade`, 'POST', { symbol: 'ETH', side: 'sell', quantity: 1 });
    assert.equal(trade.status, 500);
    assert.equal((await getJson(`${demo.url}/api/status`)).status, 200);
    demo.knobs.set({ routes: { '/api/trade': null } });
    assert.equal((await sendJson(`${demo.url}/api/trade`, 'POST', { symbol: 'ETH', side: 'sell', quantity: 1 })).status, 200);
  });

  it('rejects invalid knobs with a 400 and leaves them unchanged', async () => {
    const before = demo.knobs.get();
    const res = await sendJson(`${demo.url}/admin/knobs`, 'PUT', { latency: 'later', errorRate: 3 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_knobs');
    assert.deepEqual(demo.knobs.get(), before);
  });
});

describe('demo target memory leak', () => {
  it('retains leakPerSecond bytes per second on the clock, stops at 0 and frees on release', async () => {
    const clock = new FakeClock();
    const demo = await startDemo({ leakPerSecond: 0 }, clock);
    try {
      const leak = async () => (await getJson(`${demo.url}/admin/leak`)).body;
      assert.equal((await leak()).retainedBytes, 0);
      await sendJson(`${demo.url}/admin/knobs`, 'PUT', { leakPerSecond: '1MiB' });
      await clock.advance(1000);
      assert.equal((await leak()).retainedBytes, 1024 * 1024);
      await clock.advance(2000);
      assert.equal((await leak()).retainedBytes, 3 * 1024 * 1024);
      const status = (await getJson(`${demo.url}/api/status`)).body;
      assert.equal((status.leak as { retainedBytes: number }).retainedBytes, 3 * 1024 * 1024);
      assert.match(await (await fetch(`${demo.url}/metrics`)).text(), /^demo_leak_retained_bytes 3145728$/m);

      await sendJson(`${demo.url}/admin/knobs`, 'PUT', { leakPerSecond: 0 });
      await clock.advance(5000);
      assert.equal((await leak()).retainedBytes, 3 * 1024 * 1024, 'stopped growing, still held');

      const released = await sendJson(`${demo.url}/admin/leak/release`, 'POST', {});
      assert.equal(released.body.releasedBytes, 3 * 1024 * 1024);
      assert.equal((await leak()).retainedBytes, 0);
    } finally {
      await demo.stop();
    }
  });
});
