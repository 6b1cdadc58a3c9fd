import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { loadConfigText } from '../../src/config/load-config.js';
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import { waitFor } from '../helpers/wait.js';

const DEFAULT_CONFIG = new URL('../../config/default.yaml', import.meta.url).pathname;

test('a load with runAfterStart is triggered once, that long after start-up (fake clock)', async (t) => {
  const target = createServer((_req, res) => res.end('ok'));
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  t.after(() => target.close());
  const clock = new FakeClock();
  const config = loadConfigText(`server: { port: 0 }
storage: { path: ":memory:" }
loads:
  - name: smoke
    url: http://127.0.0.1:${(target.address() as AddressInfo).port}
    vus: 1
    duration: 1s
    runAfterStart: 20s
    scenarios: [{ name: s, requests: [{ path: / }] }]
  - name: manual-only
    url: http://127.0.0.1:1
    vus: 1
    duration: 1s
    scenarios: [{ name: s, requests: [{ path: / }] }]
`, 'startup.yaml', {});
  const daemon = await createDaemon(config, { clock, logger: silentLogger() });
  t.after(() => daemon.stop('test'));
  const started: { load: string; trigger: string }[] = [];
  daemon.context.events.on('load:started', (e) => started.push({ load: e.load, trigger: e.trigger }));
  await clock.advance(19_999);
  assert.equal(started.length, 0);
  await clock.advance(1);
  assert.deepEqual(started.map((s) => s.load), ['smoke']);
  await clock.advance(3_600_000);
  assert.equal(started.length, 1, 'once: no cron, no second run');
});

test('the default config runs its smoke load within a minute of start, and /metrics shows it', async (t) => {
  const text = readFileSync(DEFAULT_CONFIG, 'utf8');
  const config = loadConfigText(text, 'default.yaml', {});
  const smoke = config.loads.find((l) => l.name === 'hourly-smoke');
  assert.ok(smoke?.runAfterStart !== undefined && smoke.duration !== undefined);
  assert.ok(smoke.runAfterStart + 10_000 <= 60_000, 'the first windows of the run are scraped within a minute');

  // The same config, on free ports and in memory, with the run sooner and shorter.
  const fast = loadConfigText(text
    .replace(/port: 9464/, 'port: 0').replace(/port: 9465/, 'port: 0')
    .replace(/path: \.\/data\/perfwarden\.db/, 'path: ":memory:"')
    .replace(/runAfterStart: 15s/, 'runAfterStart: 100ms').replace(/duration: 30s/, 'duration: 2s'), 'default.yaml', {});
  const daemon = await createDaemon(fast, { logger: silentLogger() });
  t.after(() => daemon.stop('test'));
  const finished = new Promise<{ load: string; status: string }>((resolve) => daemon.context.events.on('load:finished', resolve));
  const done = await finished;
  assert.equal(done.load, 'hourly-smoke');
  const metrics = await waitFor('the smoke run in /metrics', async () => {
    const body = await (await fetch(`${daemon.url}/metrics`)).text();
    return /perfwarden_load_requests_total\{[^}]*run="hourly-smoke"[^}]*\} [1-9]/.test(body) ? body : undefined;
  }, 10_000);
  assert.match(metrics, /perfwarden_load_request_duration_seconds_bucket\{[^}]*run="hourly-smoke"/);
});
