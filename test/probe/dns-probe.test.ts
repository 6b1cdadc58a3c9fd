import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { DnsProbeSchema } from '../../src/config/sections/probes.js';
import type { ProbeOfType } from '../../src/config/sections/probes.js';
import { createDnsProbe } from '../../src/probe/dns-probe.js';
import { ipv6Text } from '../../src/probe/dns-message.js';
import { newTraceContext } from '../../src/probe/trace-context.js';
import { startDnsServer } from './dns-server.js';
import type { DnsServer } from './dns-server.js';

/** A decoded `type: dns` probe, defaults applied by the schema. */
function dnsProbe(dns: Record<string, unknown>, extra: Record<string, unknown> = {}): ProbeOfType<'dns'> {
  return Value.Decode(DnsProbeSchema, Value.Default(DnsProbeSchema, { name: 'dns-test', type: 'dns', every: '10s', dns, ...extra })) as ProbeOfType<'dns'>;
}

const run = (p: ProbeOfType<'dns'>) => createDnsProbe(p).run({ traceContext: newTraceContext() });

describe('dns probe against a DNS server on loopback', () => {
  let server: DnsServer;
  before(async () => {
    server = await startDnsServer({
      'api.example.test': { A: ['10.1.2.3', '10.1.2.4'], AAAA: ['2001:db8::1'], MX: [[10, 'mail.example.test']], TXT: ['v=spf1 -all'] },
    });
  });
  after(() => server.close());

  it('resolves A records over UDP, timed, and checks the expected answers', async () => {
    const r = await run(dnsProbe({ name: 'api.example.test', server: server.udp, expect: ['10.1.2.4'] }));
    assert.equal(r.ok, true, r.message);
    assert.equal(r.kind, 'dns');
    assert.deepEqual(r.dns, { rcode: 'NOERROR', answers: ['10.1.2.3', '10.1.2.4'] });
    assert.ok(r.durationSeconds > 0 && r.durationSeconds < 5);
    assert.equal(r.url, `dns://${server.udp}/api.example.test?type=A`);
  });

  it('asks over TCP when told (with a connect phase), for AAAA, MX and TXT', async () => {
    const aaaa = await run(dnsProbe({ name: 'api.example.test', server: server.tcp, transport: 'tcp', recordType: 'AAAA', expect: ['2001:db8::1'] }));
    assert.equal(aaaa.ok, true, aaaa.message);
    assert.ok(aaaa.phases.connect !== undefined && aaaa.phases.connect >= 0);
    const mx = await run(dnsProbe({ name: 'api.example.test', server: server.tcp, transport: 'tcp', recordType: 'MX', expect: ['10 mail.example.test.'] }));
    assert.equal(mx.ok, true, mx.message);
    const txt = await run(dnsProbe({ name: 'api.example.test', server: server.udp, recordType: 'TXT' }));
    assert.deepEqual(txt.dns?.answers, ['v=spf1 -all']);
  });

  it('fails with dns on NXDOMAIN, assertion on a missing answer, timeout on silence', async () => {
    const nx = await run(dnsProbe({ name: 'nope.example.test', server: server.udp }));
    assert.equal(nx.reason, 'dns');
    assert.equal(nx.dns?.rcode, 'NXDOMAIN');
    const missing = await run(dnsProbe({ name: 'api.example.test', server: server.udp, expect: ['10.9.9.9'] }));
    assert.equal(missing.reason, 'assertion');
    assert.match(missing.message ?? '', /10\.9\.9\.9/);
    server.silent = true;
    try {
      const silent = await run(dnsProbe({ name: 'api.example.test', server: server.udp, timeout: '200ms' }));
      assert.equal(silent.reason, 'timeout');
      assert.ok(silent.durationSeconds >= 0.19);
    } finally {
      server.silent = false;
    }
  });
});

describe('dns message text', () => {
  it('writes IPv6 addresses as RFC 5952 does', () => {
    assert.equal(ipv6Text(Buffer.from('20010db8000000000000000000000001', 'hex')), '2001:db8::1');
    assert.equal(ipv6Text(Buffer.from('00000000000000000000000000000000', 'hex')), '::');
    assert.equal(ipv6Text(Buffer.from('20010db8000100000001000000000001', 'hex')), '2001:db8:1:0:1::1');
  });
});
