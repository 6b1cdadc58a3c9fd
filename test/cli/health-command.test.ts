/**
 * `perfwarden health <config>` without a daemon: it samples the config's targets' sources for a
 * bounded time and judges that period. Real targets on port 0 whose memory follows a fast GC
 * sawtooth in real time (24 MiB teeth every 300 ms), one leaking 10 MiB/s, one flat.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import type { TargetHealthView } from '../../src/health/target-health-view.js';
import { captureIo } from '../helpers/capture-io.js';

const MiB = 1_048_576;
const servers: Server[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pw-health-'));
let config = '';

/** A status endpoint: 24 MiB teeth every 300 ms, plus `leakPerSecond`, on the real clock. */
async function target(leakPerSecond: number): Promise<string> {
  const t0 = performance.now();
  const server = createServer((_req, res) => {
    const s = (performance.now() - t0) / 1000;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ rss: 100 * MiB + ((s % 0.3) / 0.3) * 24 * MiB + leakPerSecond * s, hitRate: 0.8 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  const leaky = await target(10 * MiB);
  const flat = await target(0);
  config = join(dir, 'health.yaml');
  writeFileSync(config, `
targets:
  - { name: leaky, url: "${leaky}", resources: { sources: [{ type: json, path: /status, memory: $.rss, cacheHitRatio: $.hitRate }] } }
  - { name: flat, url: "${flat}", resources: { sources: [{ type: json, path: /status, memory: $.rss }] } }
  - { name: bare, url: "http://127.0.0.1:9" }
`);
});

after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('perfwarden health samples for --for and judges that window: the leaking target leaks, the flat one does not', { timeout: 30_000 }, async () => {
  const io = captureIo();
  const started = performance.now();
  // 5 s: ~16 teeth, so a CI machine that stalls the sampling for a few of them still leaves the
  // six troughs a verdict needs (3 s failed once in a fresh-clone CI run, under the suite's load).
  await runCli(['health', config, '--for', '5s', '--every', '20ms', '--json'], io);
  const took = performance.now() - started;
  assert.ok(took >= 5000 && took < 15_000, `sampled for ${took} ms`);
  const { targets } = JSON.parse(io.stdout) as { targets: TargetHealthView[] };
  assert.deepEqual(targets.map((t) => t.target), ['leaky', 'flat', 'bare']);
  const [leaky, flat, bare] = targets;
  assert.equal(leaky?.leak?.verdict, 'leak', JSON.stringify(leaky?.leak));
  assert.equal(io.code, 99, io.stderr);
  assert.equal(leaky?.leak?.windowSeconds, 5);
  assert.ok(leaky!.leak!.gcCycles >= 6, `gc cycles ${leaky?.leak?.gcCycles}`);
  const slope = leaky!.leak!.slopeBytesPerSecond / MiB;
  assert.ok(slope > 8 && slope < 12, `slope ${slope} MiB/s`);
  assert.equal(leaky?.cacheHitRatio, 0.8);
  assert.notEqual(flat?.leak?.verdict, 'leak', JSON.stringify(flat?.leak));
  assert.ok(flat!.memoryBytes! >= 100 * MiB && flat!.memoryBytes! <= 124 * MiB);
  assert.equal(bare?.watched, false);
});

test('perfwarden health: --for is bounded and an unknown --target is bad input', async () => {
  const long = captureIo();
  await runCli(['health', config, '--for', '2h'], long);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /PW_ERR_INVALID_ARGUMENT/);
  const unknown = captureIo();
  await runCli(['health', config, '--target', 'nope', '--for', '10ms'], unknown);
  assert.equal(unknown.code, 2);
});
