import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { Value } from '@sinclair/typebox/value';
import { TcpProbeSchema } from '../../src/config/sections/probes.js';
import type { ProbeOfType } from '../../src/config/sections/probes.js';
import { createTcpProbe } from '../../src/probe/tcp-probe.js';
import { newTraceContext } from '../../src/probe/trace-context.js';

function tcpProbe(tcp: Record<string, unknown>, extra: Record<string, unknown> = {}): ProbeOfType<'tcp'> {
  return Value.Decode(TcpProbeSchema, Value.Default(TcpProbeSchema, { name: 'tcp-test', type: 'tcp', every: '10s', tcp, ...extra })) as ProbeOfType<'tcp'>;
}

const run = (p: ProbeOfType<'tcp'>) => createTcpProbe(p, undefined).run({ traceContext: newTraceContext() });

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('tcp probe against real sockets on loopback', () => {
  // A Redis-like server: a banner, then "+PONG" to "PING".
  const banner = createServer((socket) => {
    socket.write('220 ready\r\n');
    socket.on('data', (d) => {
      if (d.toString().startsWith('PING')) socket.write('+PONG\r\n');
    });
    socket.on('error', () => socket.destroy());
  });
  // Accepts and hangs up at once.
  const rude = createServer((socket) => socket.destroy());
  // Accepts and never says anything.
  const mute = createServer((socket) => socket.on('error', () => socket.destroy()));
  const ports = { banner: 0, rude: 0, mute: 0, closed: 0 };

  before(async () => {
    ports.banner = await listen(banner);
    ports.rude = await listen(rude);
    ports.mute = await listen(mute);
    const gone = createServer();
    ports.closed = await listen(gone);
    await new Promise<void>((resolve) => gone.close(() => resolve()));
  });
  after(async () => {
    for (const s of [banner, rude, mute]) {
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('connects (connect phase) and succeeds without send/expect', async () => {
    const r = await run(tcpProbe({ host: '127.0.0.1', port: ports.banner }));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.kind, 'tcp');
    assert.equal(r.url, `tcp://127.0.0.1:${ports.banner}`);
    assert.ok(r.phases.connect !== undefined && r.phases.connect >= 0);
    assert.equal(r.phases.dns, undefined, 'no lookup for an IP literal');
  });

  it('sends, then waits for the expected reply past the banner', async () => {
    const r = await run(tcpProbe({ host: '127.0.0.1', port: ports.banner, send: 'PING\r\n', expect: '\\+PONG' }));
    assert.equal(r.ok, true, r.message);
    assert.match(r.tcp?.received ?? '', /^220 ready\r\n\+PONG/);
    assert.ok(r.phases.ttfb !== undefined && r.phases.ttfb >= 0);
  });

  it('fails with connect_refused, no_reply, timeout — never throws', async () => {
    const refused = await run(tcpProbe({ host: '127.0.0.1', port: ports.closed }));
    assert.equal(refused.reason, 'connect_refused');
    const hungUp = await run(tcpProbe({ host: '127.0.0.1', port: ports.rude, expect: '^220' }));
    assert.ok(hungUp.reason === 'no_reply' || hungUp.reason === 'reset', `${hungUp.reason}: ${hungUp.message}`);
    const silent = await run(tcpProbe({ host: '127.0.0.1', port: ports.mute, expect: '^220', timeout: '200ms' }));
    assert.equal(silent.reason, 'timeout');
    assert.ok(silent.durationSeconds >= 0.19 && silent.durationSeconds < 2);
    const slow = await run(tcpProbe({ host: '127.0.0.1', port: ports.banner, expect: '^220' }, { assert: { maxLatency: '0ms' } }));
    assert.equal(slow.reason, 'assertion');
  });
});
