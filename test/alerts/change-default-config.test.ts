import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigFile } from '../../src/config/load-config.js';
import { AlertEvaluator, compileRules } from '../../src/alerts/evaluator.js';
import { MeasureStore } from '../../src/alerts/measure-store.js';
import { ChangeTracker } from '../../src/alerts/change-tracker.js';
import { FakeClock } from '../../src/core/clock.js';
import { seededRandom } from '../../src/demo/random.js';
import type { AlertTransition } from '../../src/alerts/types.js';

/**
 * config/default.yaml as shipped, on a series shaped like the demo's `status` probe (every 5 s:
 * about 4 ms with the knob at 2 ms, 8 ms at 6 ms, a few slow outliers of 8..75 ms as measured by
 * test/alerts/change-end-to-end.test.ts), evaluated every `notifications.evaluationInterval`.
 */
test('default config: the demo knob 2 ms → 6 ms fires latency-change in time for the mail (route groupWait included) to leave within 3 minutes', () => {
  const config = loadConfigFile(new URL('../../config/default.yaml', import.meta.url).pathname, {});
  const rules = compileRules(config.alerts);
  const clock = new FakeClock();
  const store = new MeasureStore({ retentionMs: 3600_000 });
  const changes = new ChangeTracker(rules, clock);
  const evaluator = new AlertEvaluator(rules, store, changes);
  const rand = seededRandom(15);
  const every = config.probes.find((p) => p.name === 'status')!.every!;
  const evaluation = config.notifications.evaluationInterval;
  // The default config ships no channel (add one to get mail); a route's groupWait defaults to 30 s.
  const groupWait = config.notifications.routes?.[0]?.groupWait ?? 30_000;
  const transitions: AlertTransition[] = [];
  const start = clock.now();
  const stepAt = start + 15 * 60_000;
  for (let at = start; at < stepAt + 10 * 60_000; at += every) {
    const level = at < stepAt ? 0.004 : 0.0083;
    const seconds = rand() < 0.05 ? 0.008 + rand() * 0.067 : level * (0.92 + rand() * 0.16);
    const r = { probe: 'status', target: 'demo', kind: 'http' as const, url: 'x', ok: true, startedAt: at, durationSeconds: seconds, phases: {} };
    store.addProbeResult(r);
    changes.addProbeResult(r);
    if ((at - start) % evaluation === 0) transitions.push(...evaluator.evaluate(at));
  }
  assert.deepEqual(transitions.filter((t) => t.at < stepAt), [], 'nothing before the knob turns');
  const fired = transitions.find((t) => t.alert === 'latency-change' && t.subject === 'status' && t.kind === 'firing');
  assert.ok(fired !== undefined, JSON.stringify(transitions));
  assert.equal(fired.severity, 'critical');
  assert.ok(fired.change !== undefined && Math.abs(fired.change.at - stepAt) <= 3 * every, `dated ${(fired.change?.at ?? 0) - stepAt} ms from the step`);
  assert.ok(fired.at + groupWait - stepAt <= 180_000, `fired ${(fired.at - stepAt) / 1000} s after the step, mail after ${(fired.at + groupWait - stepAt) / 1000} s`);
  assert.deepEqual(transitions.filter((t) => t.alert !== 'latency-change').map((t) => t.alert), [], 'under every threshold');
});
