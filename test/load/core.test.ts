/** The load engine's pure core: thresholds, schedules, statistics, histograms, config checks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfigText } from '../../src/config/load-config.js';
import { hasCode } from '../../src/core/errors.js';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, recordMicros, summarize } from '../../src/load/window/histogram.js';
import { planLoad, renderOptions } from '../../src/load/plan/plan.js';
import { renderTemplate } from '../../src/core/template.js';
import { arrivalSchedule, levelAt, pickWeighted, stagesToRamps } from '../../src/load/plan/schedule.js';
import { evaluateThresholds, parseThreshold, parseThresholdExpression, verdictOf } from '../../src/load/thresholds.js';
import type { ThresholdInput } from '../../src/load/thresholds.js';
import { findKnee } from '../../src/load/result/judge.js';
import type { StepResult } from '../../src/load/result/result.js';
import { loadConfig, oneRequest } from './load-fixtures.js';

const input = (o: Partial<ThresholdInput> = {}): ThresholdInput => ({
  percentile: (p) => (p >= 99 ? 450 : p >= 95 ? 180 : 50), avg: () => 60, max: 900, min: 1, errorRate: 0.0005, rps: 120, checks: 0.995, dropped: 0, ...o,
});

test('thresholds parse the issue\'s forms and compare in the metric\'s unit', () => {
  const map = { 'p(95)': '<200ms', 'p(99)': '<500ms', error_rate: '<0.1%', rps: '>100', checks: '>99%', avg: '<=1s' };
  const ts = Object.entries(map).map(([k, v]) => parseThreshold(k, v));
  assert.equal(ts[0]?.bound, 200);
  assert.equal(ts[2]?.bound, 0.001);
  assert.equal(ts[5]?.bound, 1000);
  const pass = evaluateThresholds(ts, () => input());
  assert.deepEqual(pass.map((o) => o.ok), [true, true, true, true, true, true]);
  assert.equal(verdictOf(pass), 'pass');
  const fail = evaluateThresholds(ts, () => input({ percentile: () => 1450, errorRate: 0.8661 }));
  assert.deepEqual(fail.map((o) => [o.name, o.ok, o.value]).filter((x) => x[1] === false), [['p(95)', false, 1450], ['p(99)', false, 1450], ['error_rate', false, 0.866]]);
  assert.equal(verdictOf(fail), 'fail');
});

test('a threshold with no data fails; bad thresholds throw PW_ERR_THRESHOLD', () => {
  const [o] = evaluateThresholds([parseThreshold('p(95)', '<200ms', 'GET /x')], () => undefined);
  assert.deepEqual(o, { name: 'p(95)', expression: 'p(95)<200ms', endpoint: 'GET /x', value: null, ok: false });
  for (const [k, v] of [['p(95)', '200ms'], ['p(101)', '<1s'], ['latency', '<1s'], ['error_rate', '<lots'], ['rps', '>fast']] as const) {
    assert.throws(() => parseThreshold(k, v), (e: unknown) => hasCode(e, 'PW_ERR_THRESHOLD'), `${k} ${v}`);
  }
  const cli = parseThresholdExpression('p(99.9)<=1.5s');
  assert.deepEqual([cli.name, cli.op, cli.bound], ['p(99.9)', '<=', 1500]);
});

test('ramps: VU levels interpolate; arrival schedules integrate and invert', () => {
  const segs = stagesToRamps(0, [{ duration: 2000, target: 100 }, { duration: 10_000, target: 100 }, { duration: 1000, target: 0 }]);
  assert.equal(levelAt(segs, 0), 0);
  assert.equal(levelAt(segs, 1000), 50);
  assert.equal(levelAt(segs, 5000), 100);
  assert.equal(levelAt(segs, 12_500), 50);
  assert.equal(levelAt(segs, 13_000), 0);
  const constant = arrivalSchedule([{ durationMs: 5000, from: 0.5, to: 0.5 }]);
  assert.equal(constant.countAt(5000), 2500);
  assert.equal(constant.timeOf(10), 20);
  const ramp = arrivalSchedule([{ durationMs: 1000, from: 0, to: 1 }, { durationMs: 1000, from: 1, to: 1 }]);
  assert.equal(ramp.countAt(1000), 500);
  assert.equal(ramp.countAt(2000), 1500);
  for (const k of [1, 100, 499, 500, 900, 1499]) assert.ok(Math.abs(ramp.countAt(ramp.timeOf(k)) - k) < 1e-6, `k=${k}`);
});

test('weighted choice follows cumulative weights', () => {
  const cum = [3, 4];
  assert.equal(pickWeighted(cum, 0), 0);
  assert.equal(pickWeighted(cum, 0.74), 0);
  assert.equal(pickWeighted(cum, 0.75), 1);
  assert.equal(pickWeighted(cum, 0.999), 1);
});

test('histograms: microsecond resolution, bounded range, encodable across boundaries', () => {
  const h = createLatencyHistogram();
  recordMicros(h, 20_150);
  recordMicros(h, 20_250);
  recordMicros(h, 1e13);
  const copy = decodeHistogram(encodeHistogram(h));
  assert.equal(copy.totalCount, 3);
  assert.equal(summarize(copy).p50, summarize(h).p50);
  assert.ok(Math.abs(summarize(h).p50 - 20.25) < 0.03);
  assert.ok(summarize(h).max <= 3_600_000 * 1.001, 'clamped at one hour');
  assert.ok(h.estimatedFootprintInBytes < 200_000);
});

test('the knee is the last passing step before the first failure', () => {
  const step = (index: number, ok: boolean) => ({ index, ok }) as StepResult;
  assert.equal(findKnee([step(0, true), step(1, true), step(2, false), step(3, true)])?.index, 1);
  assert.equal(findKnee([step(0, false), step(1, true)]), null);
});

test('plans: endpoints numbered once, options pre-built, templates rendered', () => {
  const plan = planLoad(loadConfig({
    name: 'p', url: 'http://127.0.0.1:1/api', executor: 'ramping-vus', stages: [{ duration: '1s', target: 4 }],
    scenarios: [
      { name: 'a', weight: 4, requests: [{ path: '/user/performance' }, { method: 'POST', path: '/bot/enable', json: { on: true }, extract: { id: '$.id' } }, { path: '/bot/{{id}}' }] },
      { name: 'b', weight: 1, requests: [{ path: '/user/performance' }] },
    ],
  }), { url: 'http://127.0.0.1:1/api' });
  assert.deepEqual(plan.endpoints, ['GET /user/performance', 'POST /bot/enable', 'GET /bot/{{id}}']);
  assert.deepEqual(plan.cumulativeWeights, [4, 5]);
  const [r0, r1, r2] = plan.scenarios[0]?.requests ?? [];
  assert.equal(r0?.options.path, '/api/user/performance');
  assert.equal(r1?.headers['content-type'], 'application/json');
  assert.equal(r1?.needBody, true);
  assert.ok(r2?.template !== undefined);
  assert.equal(r0?.template, undefined);
  const values = new Array<string>(plan.slotCount).fill('');
  values[r1!.extract[0]![0]] = '42';
  assert.equal(renderOptions(r2!, r2!.template!, values).path, '/api/bot/42');
  assert.equal(plan.connections, 4);
  assert.equal(renderTemplate('/bot/{{ id }}/x', new Map([['id', '42']])), '/bot/42/x');
});

test('open model: pre-opened connections follow the peak rate (rate x 10 ms, at least 100, at most maxVUs), maxVUs its 100 ms (at least 1,000, at most 10,000), unless set', () => {
  const pre = (extra: Record<string, unknown>) => {
    const spec = planLoad(loadConfig({ name: 'o', url: 'http://127.0.0.1:1', scenarios: [{ name: 'a', requests: [{ path: '/' }] }], ...extra }), { url: 'http://127.0.0.1:1' }).phases.at(-1)?.executor;
    assert.ok(spec !== undefined && (spec.kind === 'constant-arrival-rate' || spec.kind === 'ramping-arrival-rate'));
    return [spec.preAllocatedVUs, spec.maxVUs];
  };
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 1000, duration: '1s' }), [100, 1000]);
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 40000, duration: '1s' }), [400, 4000]);
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 40000, duration: '1s', maxVUs: 300 }), [300, 300]);
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 40000, duration: '1s', preAllocatedVUs: 20 }), [20, 4000]);
  assert.deepEqual(pre({ executor: 'ramping-arrival-rate', stages: [{ duration: '1s', target: 60000 }, { duration: '1s', target: 0 }] }), [600, 6000]);
  assert.deepEqual(pre({ executor: 'sweep', sweep: { mode: 'rate', steps: [1000, 20000], stepDuration: '1s' } }), [200, 2000]);
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 150000, duration: '1s' }), [1500, 10000]);
  assert.deepEqual(pre({ executor: 'constant-arrival-rate', rate: 40000, duration: '1s', preAllocatedVUs: 5000 }), [5000, 5000]);
});

test('config: loads are validated with every problem located', () => {
  const yaml = `targets:
  - { name: api, url: "http://127.0.0.1:1" }
loads:
  - name: gate
    target: api
    executor: ramping-vus
    stages: [{ duration: 2m, target: 100 }, { duration: 10m, target: 100 }, { duration: 1m, target: 0 }]
    thinkTime: 1s..3s
    scenarios:
      - { name: read, weight: 4, requests: [{ path: /api/user/performance, checks: { status: 200, maxLatency: 200ms } }] }
      - { name: write, weight: 1, requests: [{ method: POST, path: /api/bot/enable, json: {} }] }
    thresholds: { "p(95)": "<200ms", error_rate: "<0.1%" }
    cron: "0 2 * * *"
`;
  const config = loadConfigText(yaml, 'ok.yaml', {});
  const gate = config.loads[0];
  assert.equal(gate?.stages?.[0]?.duration, 120_000);
  assert.deepEqual(gate?.thinkTime, { minMs: 1000, maxMs: 3000 });
  const bad = `loads:
  - name: x
    url: "http://127.0.0.1:1"
    executor: constant-arrival-rate
    scenarios:
      - { name: s, requests: [{ path: /a, headers: { auth: "{{token}}" } }] }
    thresholds: { "p(95)": "200ms", latency: "<1s" }
  - name: x
    target: nowhere
    vus: 1
    duration: 1s
    scenarios: [{ name: s, requests: [{ path: /a }] }]
`;
  assert.throws(() => loadConfigText(bad, 'bad.yaml', {}), (e: unknown) => {
    assert.ok(hasCode(e, 'PW_ERR_CONFIG_INVALID'));
    const msg = (e as Error).message;
    for (const part of ['needs "rate"', 'needs "duration"', '"{{token}}" is used before', 'expected a comparison', 'unknown threshold metric', 'duplicate load name', 'unknown target "nowhere"']) {
      assert.ok(msg.includes(part), `missing "${part}" in:\n${msg}`);
    }
    assert.match(msg, /bad\.yaml:\d+:\d+/);
    return true;
  });
  assert.ok(oneRequest('/').length === 1);
});

test('the README\'s seed configs are valid', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const yaml = /### The seeds, as configs\n\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(yaml !== undefined, 'README has the seed configs');
  const config = loadConfigText(yaml, 'README.md', {});
  assert.deepEqual(config.loads.map((l) => l.executor), ['constant-vus', 'shared-iterations', 'constant-vus', 'ramping-vus', 'sweep', 'constant-arrival-rate', 'constant-vus', 'constant-vus', 'constant-vus']);
});
