import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeOccurrence, coversProbe, expandTargets, nextOccurrence, windowMatchers } from '../../src/maintenance/windows.js';
import type { MaintenanceWindow } from '../../src/maintenance/windows.js';
import { matchesAll } from '../../src/notify/silences.js';

const MIN = 60_000;
/** Local time, like crontab. */
const at = (day: number, h: number, m: number) => new Date(2026, 11, day, h, m).getTime();

const nightly: MaintenanceWindow = { id: 'nightly', name: 'nightly', source: 'config', schedule: { kind: 'recurring', cron: '0 2 * * *', durationMs: 30 * MIN }, select: { probes: ['trade'] } };
const once: MaintenanceWindow = { id: 'x', name: 'migration', source: 'api', schedule: { kind: 'once', startsAt: at(5, 22, 0), endsAt: at(5, 23, 30) }, select: {} };

test('a recurring window is active from each cron start for its duration', () => {
  assert.equal(activeOccurrence(nightly, at(3, 1, 59)), undefined);
  assert.deepEqual(activeOccurrence(nightly, at(3, 2, 0)), { startsAt: at(3, 2, 0), endsAt: at(3, 2, 30) });
  assert.deepEqual(activeOccurrence(nightly, at(3, 2, 29)), { startsAt: at(3, 2, 0), endsAt: at(3, 2, 30) });
  assert.equal(activeOccurrence(nightly, at(3, 2, 30)), undefined, 'the end is exclusive');
  assert.deepEqual(nextOccurrence(nightly, at(3, 2, 10)), { startsAt: at(4, 2, 0), endsAt: at(4, 2, 30) });
});

test('a one-off window: active inside, next before, nothing after', () => {
  assert.deepEqual(nextOccurrence(once, at(5, 12, 0)), { startsAt: at(5, 22, 0), endsAt: at(5, 23, 30) });
  assert.equal(activeOccurrence(once, at(5, 12, 0)), undefined);
  assert.ok(activeOccurrence(once, at(5, 23, 0)) !== undefined);
  assert.equal(nextOccurrence(once, at(5, 23, 0)), undefined);
  assert.equal(activeOccurrence(once, at(6, 0, 0)), undefined);
});

test('matchers silence exactly the selected alerts; no selection silences all', () => {
  const m = windowMatchers({ probes: ['trade', 'a.b'], targets: ['db'] });
  assert.equal(m.length, 2, 'one silence per kind: matchers of one silence must all match');
  const silenced = (labels: Record<string, string>) => m.some((ms) => matchesAll(ms, labels));
  assert.ok(silenced({ alert: 'api-latency', severity: 'warning', probe: 'trade' }));
  assert.ok(silenced({ alert: 'memory', severity: 'critical', target: 'db' }));
  assert.ok(silenced({ alert: 'x', severity: 'warning', probe: 'a.b' }));
  assert.ok(!silenced({ alert: 'x', severity: 'warning', probe: 'aXb' }), 'names are literal, not regexes');
  assert.ok(!silenced({ alert: 'api-latency', severity: 'warning', probe: 'status' }));
  const all = windowMatchers({});
  assert.ok(all.some((ms) => matchesAll(ms, { alert: 'anything', severity: 'critical', load: 'smoke' })));
});

test('a window covers a probe by name or by its target', () => {
  assert.ok(coversProbe({ probes: ['trade'] }, 'trade', 'demo'));
  assert.ok(coversProbe({ targets: ['demo'] }, 'status', 'demo'));
  assert.ok(!coversProbe({ probes: ['trade'] }, 'status', 'demo'));
  assert.ok(coversProbe({}, 'status', 'demo'));
});

test('a selected target brings its probes and loads along', () => {
  const probes = new Map([['status', 'demo'], ['trade', 'demo'], ['other', 'api']]);
  const loads = new Map([['smoke', 'demo']]);
  assert.deepEqual(expandTargets({ targets: ['demo'], probes: ['other'] }, probes, loads), { targets: ['demo'], probes: ['other', 'status', 'trade'], loads: ['smoke'] });
  assert.deepEqual(expandTargets({ probes: ['other'] }, probes, loads), { probes: ['other'] });
});
