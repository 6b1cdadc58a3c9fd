import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { startDnsServer } from '../probe/dns-server.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let server: Server;
let base = '';
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/fail') {
      res.statusCode = 503;
      res.end('down');
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('--help lists every command and exits 0', async () => {
  const io = captureIo();
  await runCli(['--help'], io);
  assert.equal(io.code, 0);
  for (const cmd of ['start', 'probe', 'validate', 'demo']) assert.match(io.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('bad usage exits 2 with a message, not a stack trace', async () => {
  const io = captureIo();
  await runCli(['probe'], io);
  assert.equal(io.code, 2);
  assert.match(io.stderr, /missing required argument/);
  const io2 = captureIo();
  await runCli(['probe', base, '--count', 'many'], io2);
  assert.equal(io2.code, 2);
  assert.match(io2.stderr, /whole number/);
});

test('probe prints the phase timings; --json gives a result per run', async () => {
  const io = captureIo();
  await runCli(['probe', `${base}/`], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /connect/);
  assert.match(io.stdout, /ttfb/);
  const json = captureIo();
  await runCli(['probe', `${base}/`, '--count', '3', '--json'], json);
  const results = JSON.parse(json.stdout) as { ok: boolean; status: number; traceId: string }[];
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.ok && r.status === 200 && /^[0-9a-f]{32}$/.test(r.traceId)));
});

test('probe picks the kind by scheme: tcp://, dns://, tls:// one-shot forms', async () => {
  const port = (server.address() as AddressInfo).port;
  const tcp = captureIo();
  await runCli(['probe', `tcp://127.0.0.1:${port}`, '--send', 'GET / HTTP/1.0\r\n\r\n', '--expect', '^HTTP/1\\.[01] 200'], tcp);
  assert.equal(tcp.code, 0, tcp.stderr + tcp.stdout);
  assert.match(tcp.stdout, /received\s+"HTTP\/1\.[01] 200/);
  const dns = await startDnsServer({ 'svc.test': { A: ['10.0.0.7'] } });
  try {
    const io = captureIo();
    await runCli(['probe', `dns://${dns.tcp}/svc.test?type=A&transport=tcp`, '--expect', '10.0.0.7', '--json'], io);
    assert.equal(io.code, 0, io.stderr + io.stdout);
    const r = JSON.parse(io.stdout) as { kind: string; dns: { answers: string[] } };
    assert.equal(r.kind, 'dns');
    assert.deepEqual(r.dns.answers, ['10.0.0.7']);
  } finally {
    await dns.close();
  }
  // tls:// against a plain HTTP port: the handshake fails, as data, and the CLI exits 1
  const tls = captureIo();
  await runCli(['probe', `tls://127.0.0.1:${port}`, '--timeout', '2s'], tls);
  assert.equal(tls.code, 1);
  assert.match(tls.stdout, /failure: (tls|reset)/);
  const bad = captureIo();
  await runCli(['probe', 'gopher://127.0.0.1/'], bad);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unsupported scheme "gopher:"/);
});

test('a failing probe exits 1 and says why', async () => {
  const io = captureIo();
  await runCli(['probe', `${base}/fail`, '--json'], io);
  assert.equal(io.code, 1);
  assert.equal((JSON.parse(io.stdout) as { reason: string }).reason, 'status');
});

test('probe ws:// --send with plain text gets the echo back and shows an rtt row', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  t.after(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  wss.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;

  const io = captureIo();
  await runCli(['probe', url, '--send', 'hello'], io);
  assert.equal(io.code, 0, io.stderr);
  assert.equal(io.stderr, '');
  assert.match(io.stdout, /^connect\s+\d+\.\d\d$/m);
  assert.match(io.stdout, /^rtt\s+\d+\.\d\d$/m);
  assert.doesNotMatch(io.stdout, /^ttfb/m, 'no HTTP phases in a WebSocket table');
  assert.match(io.stdout, /^outcome\s+success$/m);

  // A JSON object with an id is matched by id: the echo has the same id.
  const json = captureIo();
  await runCli(['probe', url, '--ws', '--send', '{"id":7,"op":"ping"}', '--json'], json);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { ok: boolean; ws: { rttSeconds: number } };
  assert.ok(result.ok && result.ws.rttSeconds > 0);
});

test('validate warns (exit 0) about probes without type and a series budget exceeded, naming the cost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-validate-'));
  try {
    const file = join(dir, 'budget.yaml');
    writeFileSync(file, `server: { seriesBudget: 100 }
probes:
  - { name: a, type: http, every: 10s, phaseHistogram: true, http: { url: "http://127.0.0.1:1/" } }
  - name: b
    every: 10s
    ws: { url: "ws://127.0.0.1:1/" }
`);
    const io = captureIo();
    await runCli(['validate', file], io);
    assert.equal(io.code, 0, io.stderr);
    assert.match(io.stdout, /2 probe\(s\): a, b/);
    assert.match(io.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:5 probes\\[1\\]: no "type": read as "type: ws"`));
    // http with phaseHistogram: 26 + 5 × 26 + 6 = 162; ws: 26 + 3 + 6 + 52 = 87
    assert.match(io.stderr, /about 249 series on \/metrics \(1 http \(phaseHistogram\) × 162 \+ 1 ws × 87\), over server\.seriesBudget 100: turn phaseHistogram off/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
