import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { Value } from '@sinclair/typebox/value';
import { TlsProbeSchema } from '../../src/config/sections/probes.js';
import type { ProbeOfType } from '../../src/config/sections/probes.js';
import { createTlsProbe } from '../../src/probe/tls-probe.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import { certificateValidBetween } from './tls-certs.js';

function tlsProbe(tls: Record<string, unknown>): ProbeOfType<'tls'> {
  return Value.Decode(TlsProbeSchema, Value.Default(TlsProbeSchema, { name: 'tls-test', type: 'tls', every: '1h', tls })) as ProbeOfType<'tls'>;
}

const run = (p: ProbeOfType<'tls'>) => createTlsProbe(p, undefined).run({ traceContext: newTraceContext() });

// Whole seconds: certificates carry no milliseconds.
const now = Math.floor(Date.now() / 1000) * 1000;
const validTo = new Date(now + 2 * 86_400_000);
const fresh = certificateValidBetween(new Date(now - 3_600_000), validTo);
const expired = certificateValidBetween(new Date(Date.UTC(2020, 0, 1)), new Date(Date.UTC(2020, 0, 2)));
const skip = fresh === undefined || expired === undefined ? 'openssl is not available to make certificates' : false;

async function httpsOn(cert: { key: string; cert: string }): Promise<{ server: Server; port: number }> {
  const server = createServer(cert, (_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('tls probe against https servers with short-lived self-signed certificates', { skip }, () => {
  let good: { server: Server; port: number };
  let old: { server: Server; port: number };
  before(async () => {
    good = await httpsOn(fresh ?? { key: '', cert: '' });
    old = await httpsOn(expired ?? { key: '', cert: '' });
  });
  after(async () => {
    for (const s of [good.server, old.server]) await new Promise<void>((resolve) => s.close(() => resolve()));
  });

  it('reports the seconds until expiry and the handshake phases', async () => {
    const r = await run(tlsProbe({ host: '127.0.0.1', port: good.port, verify: false }));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.kind, 'tls');
    assert.equal(r.tls?.validTo, validTo.getTime());
    const expected = (validTo.getTime() - r.startedAt) / 1000;
    assert.ok(Math.abs((r.tls?.expirySeconds ?? 0) - expected) < 0.001, `${r.tls?.expirySeconds} vs ${expected}`);
    assert.ok(Math.abs((r.tls?.expirySeconds ?? 0) - 2 * 86_400) < 120);
    assert.match(r.tls?.subject ?? '', /CN=localhost/);
    assert.ok(r.phases.connect !== undefined && r.phases.tls !== undefined && r.phases.tls > 0);
  });

  it('with verify, a self-signed chain fails with tls and still reports the certificate', async () => {
    const r = await run(tlsProbe({ host: '127.0.0.1', port: good.port, serverName: 'localhost' }));
    assert.equal(r.reason, 'tls');
    assert.match(r.message ?? '', /SELF_SIGNED/);
    assert.equal(r.tls?.authorized, false);
    assert.ok((r.tls?.expirySeconds ?? 0) > 86_400);
  });

  it('an expired certificate fails with cert_expired, verify or not', async () => {
    for (const verify of [false, true]) {
      const r = await run(tlsProbe({ host: '127.0.0.1', port: old.port, verify }));
      assert.equal(r.reason, 'cert_expired', r.message);
      assert.ok((r.tls?.expirySeconds ?? 0) < -86_400 * 300);
    }
  });

  it('a closed port is connect_refused', async () => {
    const gone = await httpsOn(fresh ?? { key: '', cert: '' });
    await new Promise<void>((resolve) => gone.server.close(() => resolve()));
    const r = await run(tlsProbe({ host: '127.0.0.1', port: gone.port }));
    assert.equal(r.reason, 'connect_refused');
  });
});
