/**
 * Maintenance windows in the daemon (fake clock): a config window silences its alerts while it
 * lasts — as silences the router already honours — and windows are created, listed and ended
 * through the API with the token. Config problems are reported like every other section's.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { captureIo } from '../helpers/capture-io.js';
import { loadConfigText } from '../../src/config/load-config.js';
import type { ConfigProblem } from '../../src/config/problem.js';
import { FakeClock } from '../../src/core/clock.js';
import { hasCode } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { createDaemon } from '../../src/daemon/create-daemon.js';
import type { Daemon } from '../../src/daemon/create-daemon.js';
import { matchesAll } from '../../src/notify/silences.js';
import type { Matcher } from '../../src/notify/silences.js';
import { compileCron } from '../../src/scheduler/cron-schedule.js';

const MIN = 60_000;
const TOKEN = 's3cret-token';
const auth = { authorization: `Bearer ${TOKEN}` };

const CONFIG = `server: { port: 0 }
storage: { path: ":memory:" }
api: { token: ${TOKEN} }
targets: [{ name: api, url: "http://127.0.0.1:1" }]
probes:
  - { name: trade, target: api, every: 1h, http: { path: /trade } }
  - { name: status, target: api, every: 1h, http: { path: /status } }
alerts:
  - { name: api-errors, select: { probes: [trade, status] }, measure: error_rate, critical: "> 5%" }
maintenance:
  - name: nightly-deploy
    cron: "0 2 * * *"
    duration: 30m
    select: { probes: [trade] }
    comment: deploy of the trading service
`;

interface SilenceJson { id: string; matchers: Matcher[]; startsAt: number; endsAt: number; createdBy?: string }
interface WindowJson { id: string; name: string; source: string; active: { startsAt: number; endsAt: number } | null; next: { startsAt: number } | null }

let clock: FakeClock;
let daemon: Daemon;
const silences = async (): Promise<SilenceJson[]> => (await daemon.context.app.inject('/api/silences')).json<{ silences: SilenceJson[] }>().silences;
const windows = async (): Promise<WindowJson[]> => (await daemon.context.app.inject('/api/maintenance')).json<{ windows: WindowJson[] }>().windows;

before(async () => {
  clock = new FakeClock();
  daemon = await createDaemon(loadConfigText(CONFIG, 'maintenance.yaml', {}), { clock, logger: silentLogger() });
});
after(() => daemon.stop('test'));

test('a config window silences the selected probe\'s alerts from its start to its end, not before', async () => {
  const start = compileCron('0 2 * * *').next(clock.now())!;
  await clock.advance(start - clock.now() - MIN);
  assert.deepEqual(await silences(), []);
  const [before] = await windows();
  assert.equal(before?.active, null);
  assert.equal(before?.next?.startsAt, start);

  await clock.advance(MIN);
  const active = await silences();
  assert.equal(active.length, 1);
  const s = active[0]!;
  assert.equal(s.createdBy, 'maintenance:nightly-deploy');
  assert.deepEqual([s.startsAt, s.endsAt], [start, start + 30 * MIN]);
  assert.ok(matchesAll(s.matchers, { alert: 'api-errors', severity: 'critical', probe: 'trade' }));
  assert.ok(!matchesAll(s.matchers, { alert: 'api-errors', severity: 'critical', probe: 'status' }));
  const alerts = (await daemon.context.app.inject('/api/alerts')).json<{ alerts: { subject: string; silenced: boolean }[] }>().alerts;
  assert.deepEqual(alerts.map((a) => [a.subject, a.silenced]).sort(), [['status', false], ['trade', true]]);

  await clock.advance(30 * MIN);
  assert.deepEqual(await silences(), [], 'the silence ends with the window');
  assert.equal((await windows())[0]?.next?.startsAt, start + 24 * 60 * MIN, 'and comes back the next night');
});

test('the API creates, lists and ends windows; the token is required; config windows stay', async () => {
  const body = { name: 'db-migration', duration: '2h', select: { targets: ['api'] }, comment: 'schema change' };
  const denied = await daemon.context.app.inject({ method: 'POST', url: '/api/maintenance', payload: body });
  assert.equal(denied.statusCode, 401);
  const created = await daemon.context.app.inject({ method: 'POST', url: '/api/maintenance', headers: auth, payload: body });
  assert.equal(created.statusCode, 201, created.body);
  const w = created.json<WindowJson>();
  assert.equal(w.source, 'api');
  assert.ok(w.active !== null && w.active.endsAt - w.active.startsAt === 2 * 60 * MIN);
  await clock.advance(1);
  const mine = (await silences()).filter((s) => s.createdBy === `maintenance:${w.id}`);
  assert.equal(mine.length, 2, 'active at once: silenced now (the target, and its probes)');
  const silenced = (labels: Record<string, string>) => mine.some((s) => matchesAll(s.matchers, labels));
  assert.ok(silenced({ alert: 'x', severity: 'warning', target: 'api' }));
  // Probe alerts carry the probe's name, not its target's: the target's probes are silenced too.
  assert.ok(silenced({ alert: 'api-errors', severity: 'critical', probe: 'status' }));

  const bad = await daemon.context.app.inject({ method: 'POST', url: '/api/maintenance', headers: auth, payload: { name: 'x', cron: '0 3 * * *' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json<{ code: string }>().code, 'PW_ERR_INVALID_ARGUMENT');
  const recurring = await daemon.context.app.inject({ method: 'POST', url: '/api/maintenance', headers: auth, payload: { name: 'weekly', cron: '0 4 * * 0', duration: '1h' } });
  assert.equal(recurring.statusCode, 201, recurring.body);
  assert.deepEqual((await windows()).map((x) => x.name), ['nightly-deploy', 'db-migration', 'weekly']);

  const config = await daemon.context.app.inject({ method: 'DELETE', url: '/api/maintenance/nightly-deploy', headers: auth });
  assert.equal(config.statusCode, 409);
  const removed = await daemon.context.app.inject({ method: 'DELETE', url: `/api/maintenance/${w.id}`, headers: auth });
  assert.equal(removed.statusCode, 204);
  assert.equal((await silences()).filter((s) => s.createdBy === `maintenance:${w.id}`).length, 0, 'its silence ended with it');
  assert.equal((await daemon.context.app.inject({ method: 'DELETE', url: `/api/maintenance/${w.id}`, headers: auth })).statusCode, 404);
});

test('config mistakes in maintenance windows are reported with their path', () => {
  const text = `probes: []
maintenance:
  - { name: a, cron: "0 2 * * *" }
  - { name: b, start: "2026-12-05T22:00:00Z", end: "2026-12-05T21:00:00Z" }
  - { name: c, start: "tomorrow", duration: 1h }
  - { name: d, cron: "0 2 * * *", duration: 1h, select: { probes: [nope] } }
`;
  try {
    loadConfigText(text, 'm.yaml', {});
    assert.fail('expected problems');
  } catch (thrown) {
    assert.ok(hasCode(thrown, 'PW_ERR_CONFIG_INVALID'));
    const problems = (thrown as { details: ConfigProblem[] }).details.map((p) => `${p.path}: ${p.message}`);
    assert.ok(problems.some((p) => /^maintenance\[0\]: a recurring window needs "duration"/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^maintenance\[1\]\.end: expected a time after start/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^maintenance\[2\]\.start: expected a time like/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /^maintenance\[3\]\.select\.probes\[0\]: unknown probe "nope"/.test(p)), problems.join('\n'));
  }
});

test('validate lists the maintenance windows', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-maint-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'm.yaml'), CONFIG);
  const io = captureIo();
  await runCli(['validate', join(dir, 'm.yaml')], io);
  assert.equal(io.code, 0, io.stderr);
  assert.match(io.stdout, /1 maintenance window\(s\): nightly-deploy/);
});
