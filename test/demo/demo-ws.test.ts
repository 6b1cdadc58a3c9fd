import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { DemoTarget } from '../../src/demo/demo-target.js';
import { createWsProbe } from '../../src/probe/ws-probe.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import { startDemo } from './demo-helpers.js';

type Msg = Record<string, unknown>;

/** A client that queues parsed messages so a test can await the next one. */
async function connect(url: string) {
  const ws = new WebSocket(url);
  const queue: Msg[] = [];
  const waiters: ((m: Msg) => void)[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as Msg;
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(msg);
    else waiter(msg);
  });
  await once(ws, 'open');
  return {
    ws,
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    next: () => new Promise<Msg>((resolve) => {
      const queued = queue.shift();
      if (queued === undefined) waiters.push(resolve);
      else resolve(queued);
    }),
  };
}

describe('demo target WebSocket', () => {
  let demo: DemoTarget;
  const sockets: WebSocket[] = [];
  before(async () => { demo = await startDemo(); });
  after(async () => {
    for (const s of sockets) s.terminate();
    await demo.stop();
  });

  it('echoes JSON messages with their id', async () => {
    const c = await connect(demo.wsUrl);
    sockets.push(c.ws);
    c.send({ id: 'm-1', type: 'ping', n: 3 });
    const reply = await c.next();
    assert.equal(reply.id, 'm-1');
    assert.equal(reply.type, 'echo');
    assert.deepEqual(reply.echo, { id: 'm-1', type: 'ping', n: 3 });
    assert.equal(typeof reply.ts, 'number');
    c.ws.send('not json');
    assert.equal((await c.next()).error, 'invalid_json');
  });

  it('broadcasts a publish to every subscriber with the publisher id and a timestamp', async () => {
    const subs = [await connect(demo.wsUrl), await connect(demo.wsUrl)];
    const publisher = await connect(demo.wsUrl);
    sockets.push(...subs.map((s) => s.ws), publisher.ws);
    for (const [i, s] of subs.entries()) {
      s.send({ id: `sub-${i}`, type: 'subscribe' });
      assert.equal((await s.next()).type, 'subscribed');
    }
    publisher.send({ id: 'pub-1', type: 'publish', payload: { price: 101.5 } });
    const ack = await publisher.next();
    assert.deepEqual([ack.id, ack.type, ack.receivers], ['pub-1', 'published', 2]);
    for (const s of subs) {
      const b = await s.next();
      assert.equal(b.type, 'broadcast');
      assert.equal(b.id, 'pub-1');
      assert.deepEqual(b.payload, { price: 101.5 });
      assert.equal(typeof b.ts, 'number');
    }
  });

  it('answers an upgrade on any other path with 404', async () => {
    const ws = new WebSocket(demo.wsUrl.replace(/\/ws$/, '/other'));
    ws.on('error', () => { /* expected: the handshake is aborted below */ });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number; resume(): void }];
    res.resume();
    ws.terminate();
    assert.equal(res.statusCode, 404);
  });

  it('is probed by the WebSocket probe, and the handshake-delay knob slows the handshake', async () => {
    const probe = createWsProbe({
      name: 'demo-ws', type: 'ws', every: 15_000, phaseHistogram: false,
      ws: { path: '/ws', timeout: 10_000, tlsVerify: true, send: { id: 'p-1', type: 'ping' }, matchId: '$.id', expect: [{ path: '$.type', equals: 'echo' }] },
    }, { name: 'demo', baseUrl: demo.url, headers: {} });
    const fast = await probe.run({ traceContext: newTraceContext() });
    assert.equal(fast.ok, true, fast.message);
    demo.knobs.set({ wsHandshakeDelay: '300ms' });
    try {
      const slow = await probe.run({ traceContext: newTraceContext() });
      assert.equal(slow.ok, true, slow.message);
      assert.ok((slow.ws?.connectSeconds ?? 0) >= 0.299, `handshake ${slow.ws?.connectSeconds}s`);
    } finally {
      demo.knobs.set({ wsHandshakeDelay: 0 });
    }
  });
});
